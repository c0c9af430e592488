from odoo import api, fields, models
from odoo.exceptions import AccessError


class CustomerConsentLink(models.TransientModel):
    """Shows a customer's private consent page link to copy, and renews it (the old one then
    leads nowhere). Lifecycle users only, checked on the server: the link is the token."""

    _name = "customer.consent.link"
    _description = "Customer Consent Page Link"

    partner_id = fields.Many2one("res.partner", required=True, readonly=True)
    url = fields.Char(
        string="Link", readonly=True, groups="customer_lifecycle.group_lifecycle_user"
    )

    @api.model
    def _check_lifecycle_user(self):
        """Refuse anyone who is not a lifecycle user (the token opens the customer's page)."""
        if not self.env.su and not self.env.user.has_group(
            "customer_lifecycle.group_lifecycle_user"
        ):
            raise AccessError(
                self.env._(
                    "Only Customer Lifecycle users can see or renew a customer's consent page link."
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        """The link of each customer, made on first use; the url is always the server's."""
        self._check_lifecycle_user()
        links = super().create(vals_list)
        links.partner_id.check_access("read")
        for link in links.sudo():
            link.url = link.partner_id._lifecycle_consent_url()
        return links

    def action_renew(self):
        """Revoke the link and show the new one."""
        self.ensure_one()
        self._check_lifecycle_user()
        self.check_access("write")
        self.partner_id.check_access("read")
        self.sudo().url = self.partner_id._lifecycle_consent_url(renew=True)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Consent Page Link"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
        }
