from odoo import models
from odoo.tools import SQL

# Personal data of the addon that Odoo's lookup would skip: it follows partner links only where
# deleting the partner does not delete the rows too. The consent log (ondelete restrict) and the
# satisfaction answers (a stored related partner) are found without help.
CASCADED = (
    "customer.lifecycle.history",
    "customer.special.date",
    "customer.satisfaction.request",
)


class PrivacyLookupWizard(models.TransientModel):
    _inherit = "privacy.lookup.wizard"

    def _get_query(self):
        query = super()._get_query()
        for model_name in CASCADED:
            model = self.env[model_name]
            query = SQL(
                """%s
                UNION ALL
                SELECT %s AS res_model_id, id AS res_id, True AS is_active
                  FROM %s
                 WHERE partner_id IN (SELECT id FROM indirect_references)""",
                query,
                self.env["ir.model"]._get_id(model_name),
                SQL.identifier(model._table),
            )
        return query
