from odoo import api, fields, models


class CustomerConsentLink(models.TransientModel):
    """Shows a customer's private consent page link to copy, and renews it (the old one then
    leads nowhere)."""

    _name = "customer.consent.link"
    _description = "Customer Consent Page Link"

    partner_id = fields.Many2one("res.partner", required=True, readonly=True)
    url = fields.Char(string="Link", readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        links = super().create(vals_list)
        for link in links:
            link.url = link.partner_id._lifecycle_consent_url()
        return links

    def action_renew(self):
        self.ensure_one()
        self.url = self.partner_id._lifecycle_consent_url(renew=True)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Consent Page Link"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
        }
