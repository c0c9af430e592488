from odoo import models


class MailBlacklistRemove(models.TransientModel):
    _inherit = "mail.blacklist.remove"

    def action_unblacklist_apply(self):
        """Taking a customer's address off the blacklist is granting email consent again: it is
        recorded, with the reason, before Odoo removes the address, and refused (nothing
        removed) when the rules of the consent log forbid it: no reason while the log says no,
        or the customer's own withdrawal or unsubscribe lifted by someone who is not a
        lifecycle administrator giving a reason."""
        partners = self.env["res.partner"].search([("email_normalized", "=", self.email)])
        if partners:
            self.env["customer.consent"]._grant_again(partners, "email", self.reason)
        return super().action_unblacklist_apply()
