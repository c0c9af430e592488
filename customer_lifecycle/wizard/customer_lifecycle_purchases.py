"""The orders button of a customer who bought from several sources: a button per source."""

from odoo import api, fields, models


class CustomerLifecyclePurchases(models.TransientModel):
    """What the customer bought from each source (the engine's figures), each source's button
    opening its documents as the user may read them. The Point of Sale bridge adds its
    orders."""

    _name = "customer.lifecycle.purchases"
    _description = "Customer Purchases by Source"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True, readonly=True)
    sale_order_count = fields.Integer(
        string="Sale Orders", compute="_compute_counts", help="Confirmed sale orders."
    )
    invoice_count = fields.Integer(
        string="Direct Invoices",
        compute="_compute_counts",
        help="Posted customer invoices made from no order (a service invoiced directly).",
    )

    @api.depends("partner_id")
    def _compute_counts(self):
        for wizard in self:
            counts = wizard._lifecycle_counts()
            wizard.sale_order_count = counts.get("sale", 0)
            wizard.invoice_count = counts.get("invoice", 0)

    def _lifecycle_counts(self):
        """{source: count} of the customer, nothing for a customer the user may not read (the
        counts are the engine's, read with elevated rights)."""
        self.ensure_one()
        partner = self.partner_id
        if not partner or not partner.has_access("read"):
            return {}
        return partner._lifecycle_purchase_counts()

    def action_open_sale_orders(self):
        """The customer's confirmed sale orders."""
        self.ensure_one()
        return self.partner_id.action_view_lifecycle_sale_orders()

    def action_open_invoices(self):
        """The customer's direct invoices."""
        self.ensure_one()
        return self.partner_id.action_view_lifecycle_invoices()
