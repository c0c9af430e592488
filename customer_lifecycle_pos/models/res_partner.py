"""What the cashier sees of a customer in the Point of Sale: the customer's lifecycle stage,
value class and next special date, loaded with the partners of the POS."""

from odoo import api, fields, models
from odoo.tools import SQL

# Who sees a customer's special dates in the main addon (customer.special.date's access rights).
SPECIAL_DATE_GROUP = "customer_lifecycle.group_lifecycle_user"


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Computed for the reader, as the main addon shows them to that user: the stage and the
    # value class to internal users, the special dates to lifecycle users only. Never stored.
    lifecycle_pos_stage = fields.Char(
        string="Lifecycle Stage (POS)", compute="_compute_lifecycle_pos"
    )
    lifecycle_pos_value_class = fields.Char(
        string="Value Class (POS)", compute="_compute_lifecycle_pos"
    )
    lifecycle_pos_special_date = fields.Date(
        string="Next Special Date (POS)", compute="_compute_lifecycle_pos"
    )
    lifecycle_pos_special_name = fields.Char(
        string="Next Special Occasion (POS)", compute="_compute_lifecycle_pos"
    )

    @api.depends_context("uid", "company", "lang")
    @api.depends(
        "commercial_partner_id.lifecycle_stage_id", "commercial_partner_id.lifecycle_value_class"
    )
    def _compute_lifecycle_pos(self):
        user = self.env.user
        internal = user._is_internal()
        specials = (
            self._lifecycle_pos_next_special_dates()
            if internal and user.has_group(SPECIAL_DATE_GROUP)
            else {}
        )
        for partner in self:
            customer = partner.commercial_partner_id if internal else self.browse()
            day, occasion = specials.get(partner.id, (False, False))
            partner.lifecycle_pos_stage = customer.lifecycle_stage_id.name or False
            partner.lifecycle_pos_value_class = customer.lifecycle_value_class or False
            partner.lifecycle_pos_special_date = day
            partner.lifecycle_pos_special_name = occasion

    def _lifecycle_pos_next_special_dates(self):
        """{partner id: (day, occasion)}: the next special date of each partner or its company,
        on or after today, by the reminders' rule; the user's rights and the special dates'
        company rule apply. One query for all."""
        Special = self.env["customer.special.date"]
        partners = self.filtered("id")
        if not partners:
            return {}
        Special.flush_model(["partner_id", "date"])
        today = fields.Date.context_today(self)
        allowed = Special._search(
            [("partner_id", "in", (partners | partners.commercial_partner_id).ids)]
        )
        rows = self.env.execute_query(
            SQL(
                """SELECT DISTINCT ON (d.partner_id) d.partner_id, d.id, %(next_day)s AS next_day
                     FROM customer_special_date d
                    WHERE d.id IN %(allowed)s
                 ORDER BY d.partner_id, next_day, d.id""",
                next_day=Special._next_occurrence_sql(today),
                allowed=allowed.subselect(),
            )
        )
        first = {partner_id: (day, special_id) for partner_id, special_id, day in rows}
        names = {s.id: s.display_name for s in Special.browse(r[1] for r in first.values())}
        result = {}
        for partner in partners:
            candidates = [
                first[p.id] for p in partner | partner.commercial_partner_id if p.id in first
            ]
            if candidates:
                day, special_id = min(candidates)
                result[partner.id] = (day, names[special_id])
        return result

    @api.model
    def _load_pos_data_fields(self, config):
        return [
            *super()._load_pos_data_fields(config),
            "lifecycle_pos_stage",
            "lifecycle_pos_value_class",
            "lifecycle_pos_special_date",
            "lifecycle_pos_special_name",
        ]
