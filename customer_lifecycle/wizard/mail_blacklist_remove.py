from odoo import models


class MailBlacklistRemove(models.TransientModel):
    _inherit = "mail.blacklist.remove"

    def action_unblacklist_apply(self):
        """A user who takes an address off the blacklist with a reason records the customer's
        consent again, with that reason as the notice; without a reason, the consent log stays
        as it was (no silent flips)."""
        result = super().action_unblacklist_apply()
        if self.reason:
            partners = self.env["res.partner"].search([("email_normalized", "=", self.email)])
            self.env["customer.consent"]._grant_again(partners, "email", self.reason)
        return result
