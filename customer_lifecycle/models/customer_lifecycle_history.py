from odoo import api, fields, models

TRIGGERS = [
    ("order", "Order"),
    ("schedule", "Scheduled Run"),
    ("manual", "Manual Move"),
    ("import", "Import"),
]


class CustomerLifecycleHistory(models.Model):
    _name = "customer.lifecycle.history"
    _description = "Customer Lifecycle Stage Change"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade"
    )
    # Stages cannot be deleted but at uninstall, when the history goes with them.
    stage_from_id = fields.Many2one("customer.lifecycle.stage", string="From", ondelete="cascade")
    stage_to_id = fields.Many2one(
        "customer.lifecycle.stage", string="To", required=True, index=True, ondelete="cascade"
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    trigger = fields.Selection(TRIGGERS, required=True)
    user_id = fields.Many2one("res.users", string="By", default=lambda self: self.env.user)
    lost_reason_id = fields.Many2one(
        "customer.lifecycle.lost.reason", string="Lost Reason", index="btree_not_null"
    )
    reason = fields.Text(string="Note")
    days_in_stage = fields.Float(
        string="Days in Previous Stage",
        digits=(16, 1),
        aggregator="avg",
        help="How long the customer stayed in the stage it left.",
    )
    won_back = fields.Boolean(
        compute="_compute_won_back",
        store=True,
        help="A lost customer who ordered again.",
    )

    @api.depends("stage_from_id.code", "stage_to_id.code")
    def _compute_won_back(self):
        for row in self:
            row.won_back = row.stage_from_id.code == "lost" and row.stage_to_id.code in (
                "buyer",
                "customer",
                "fan",
            )
