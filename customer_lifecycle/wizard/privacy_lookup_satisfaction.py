from odoo import models
from odoo.tools import SQL

# Satisfaction requests hold personal data (the comment) on rows that deleting the partner
# deletes too (ondelete cascade), which Odoo's lookup skips: listed here. Their answers (address,
# browser, comment) link the partner through a stored related field and are found without help.
SATISFACTION_MODELS = ("customer.satisfaction.request",)


class PrivacyLookupWizard(models.TransientModel):
    _inherit = "privacy.lookup.wizard"

    def _get_query(self):
        query = super()._get_query()
        for model_name in SATISFACTION_MODELS:
            query = SQL(
                """%s
                UNION ALL
                SELECT %s AS res_model_id, id AS res_id, True AS is_active
                  FROM %s
                 WHERE partner_id IN (SELECT id FROM indirect_references)""",
                query,
                self.env["ir.model"]._get_id(model_name),
                SQL.identifier(self.env[model_name]._table),
            )
        return query
