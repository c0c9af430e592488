from odoo import models


class ProductProduct(models.Model):
    _inherit = "product.product"

    def action_lifecycle_offer_audience(self):
        """Product variant form button: the customers most likely to want this variant."""
        self.ensure_one()
        return self.env["customer.lifecycle.offer.audience"]._open_for(self)
