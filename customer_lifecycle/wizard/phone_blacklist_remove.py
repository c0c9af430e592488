from odoo import models


class PhoneBlacklistRemove(models.TransientModel):
    _inherit = "phone.blacklist.remove"

    def action_unblacklist_apply(self):
        """As for email: the number's customers get their consent back on the phone channels
        they had withdrawn or refused, recorded before Odoo removes the number, or the removal
        is refused under the same rules."""
        partners = self.env["res.partner"].search([("phone_sanitized", "=", self.phone)])
        if partners:
            self.env["customer.consent"]._grant_again(partners, "phone", self.reason)
        return super().action_unblacklist_apply()
