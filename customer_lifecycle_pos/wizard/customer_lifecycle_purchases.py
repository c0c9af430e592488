from odoo import api, fields, models


class CustomerLifecyclePurchases(models.TransientModel):
    """The orders button's dialog: the POS orders beside the sale orders and invoices."""

    _inherit = "customer.lifecycle.purchases"

    pos_order_count = fields.Integer(
        string="Point of Sale Orders",
        compute="_compute_counts",
        help="Orders paid at the counter (Point of Sale).",
    )

    @api.depends("partner_id")
    def _compute_counts(self):
        result = super()._compute_counts()
        for wizard in self:
            wizard.pos_order_count = wizard._lifecycle_counts().get("pos", 0)
        return result

    def action_open_pos_orders(self):
        """The customer's POS orders."""
        self.ensure_one()
        return self.partner_id.action_view_lifecycle_pos_orders()
