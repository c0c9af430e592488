from odoo import models


class ResPartner(models.Model):
    _inherit = "res.partner"

    def action_lifecycle_anonymise(self):
        """Anonymising a customer also forgets what it wrote and where it answered from: the
        comments of its satisfaction answers, their address and browser, and its links (an old
        e-mail's link leads nowhere). The scores stay, like the sales figures: they are the
        business's statistics, not the person."""
        result = super().action_lifecycle_anonymise()
        self.env["customer.satisfaction.request"]._forget(self.ids)
        return result
