from odoo import api, models

# Changes of an order that move its customer's lifecycle at once.
LIFECYCLE_ORDER_FIELDS = {"state", "date_order", "partner_id", "company_id"}


class SaleOrder(models.Model):
    _inherit = "sale.order"

    # The daily run finds the orders written since the last one.
    _lifecycle_write_date_idx = models.Index("(write_date)")

    @api.model_create_multi
    def create(self, vals_list):
        orders = super().create(vals_list)
        orders._lifecycle_reevaluate(orders.partner_id)
        return orders

    def unlink(self):
        partners = self.partner_id
        result = super().unlink()
        self._lifecycle_reevaluate(partners.exists())
        return result

    def write(self, vals):
        before = self.partner_id if "partner_id" in vals else self.env["res.partner"]
        result = super().write(vals)
        if LIFECYCLE_ORDER_FIELDS & vals.keys():
            self._lifecycle_reevaluate(self.partner_id | before)
        return result

    def _lifecycle_reevaluate(self, partners):
        """The card moves while the rep watches: re-evaluate these customers now. Bulk loaders
        (the demo generator, imports of history) set lifecycle_defer and run the nightly
        computation once at the end instead."""
        if partners:
            self.env["customer.lifecycle.engine"].sudo()._recompute_partners(partners, "order")
