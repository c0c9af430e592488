from odoo import models
from odoo.exceptions import UserError


class ProductTemplate(models.Model):
    _inherit = "product.template"

    def action_lifecycle_offer_audience(self):
        """Product form button: the customers most likely to want this product. A product with
        several variants is offered variant by variant (the button is on each variant's form)."""
        self.ensure_one()
        if self.product_variant_count != 1:
            raise UserError(
                self.env._(
                    "%(product)s has several variants: open the variant to offer from its own "
                    "form.",
                    product=self.display_name,
                )
            )
        return self.env["customer.lifecycle.offer.audience"]._open_for(self.product_variant_id)
