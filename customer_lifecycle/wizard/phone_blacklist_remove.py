from odoo import models


class PhoneBlacklistRemove(models.TransientModel):
    _inherit = "phone.blacklist.remove"

    def action_unblacklist_apply(self):
        """As for email: with a reason, the number's customers get their consent back on the
        phone channels they had withdrawn or refused."""
        result = super().action_unblacklist_apply()
        if self.reason:
            partners = self.env["res.partner"].search([("phone_sanitized", "=", self.phone)])
            self.env["customer.consent"]._grant_again(partners, "phone", self.reason)
        return result
