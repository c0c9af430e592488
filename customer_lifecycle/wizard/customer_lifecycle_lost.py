from odoo import fields, models


class CustomerLifecycleLost(models.TransientModel):
    _name = "customer.lifecycle.lost"
    _description = "Move Customers to Lost"

    partner_ids = fields.Many2many(
        "res.partner",
        string="Customers",
        required=True,
        default=lambda self: self._default_partner_ids(),
    )
    lost_reason_id = fields.Many2one(
        "customer.lifecycle.lost.reason", string="Reason", required=True
    )
    note = fields.Text(help="What the customer said, in their words.")

    def _default_partner_ids(self):
        # Called from the Action menu of a list of partners.
        if self.env.context.get("active_model") != "res.partner":
            return False
        return self.env["res.partner"].browse(self.env.context.get("active_ids")).ids

    def action_mark_lost(self):
        self.ensure_one()
        partners = self.partner_ids
        # like the funnel's moves: lifecycle users, on customers they may read, the move
        # alone with elevated rights (see res.partner.action_lifecycle_set_stage)
        partners._lifecycle_check_funnel_user()
        partners.check_access("read")
        lost = self.env["customer.lifecycle.stage"].search([("code", "=", "lost")], limit=1)
        partners.sudo()._lifecycle_move(
            lost, reason=self.note or None, lost_reason=self.lost_reason_id
        )
        return {"type": "ir.actions.act_window_close"}
