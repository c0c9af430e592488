"""What the cashier sees of a customer in the Point of Sale: the customer's lifecycle stage,
value class and next special date, loaded with the partners of the POS."""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .customer_lifecycle_fact import COUNTED_STATES

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

    # -- The orders button: the POS orders among the customer's purchases ------------------------

    def _lifecycle_purchase_sources(self):
        """The sources of the orders button, and the POS orders."""
        sources = super()._lifecycle_purchase_sources()
        if count := self._lifecycle_purchase_counts().get("pos"):
            sources.append(("pos", "action_view_lifecycle_pos_orders", count))
        return sources

    def _lifecycle_direct_invoice_domain(self):
        """An invoice made from a POS order is that order, not a direct invoice."""
        return [*super()._lifecycle_direct_invoice_domain(), ("pos_order_ids", "=", False)]

    def _lifecycle_pos_order_domain(self):
        """The POS orders the lifecycle figures count as this customer's purchases, in the
        lifecycle company: paid or posted, with the customer or a contact of it, no refund."""
        return [
            ("partner_id", "child_of", self.commercial_partner_id.id),
            ("state", "in", list(COUNTED_STATES)),
            ("company_id", "=", self.env["res.company"]._lifecycle_company().id),
            ("is_refund", "=", False),
            ("amount_total", ">=", 0),
        ]

    def action_view_lifecycle_pos_orders(self):
        """The POS orders the lifecycle figures count, as the user may read them; the title
        says how many of how many when some are not the user's to see."""
        self.ensure_one()
        self._lifecycle_check_funnel_user()
        self.check_access("read")
        Order = self.env["pos.order"]
        if not Order.has_access("read"):
            raise UserError(
                self.env._(
                    "You may not read Point of Sale orders: the button counts this customer's "
                    "orders at the counter, but opening them needs a Point of Sale right. Ask "
                    "an administrator."
                )
            )
        domain = self._lifecycle_pos_order_domain()
        action = self.env["ir.actions.act_window"]._for_xml_id("point_of_sale.action_pos_pos_form")
        action["name"] = self.env._("Point of Sale Orders")
        action["domain"] = domain
        action["context"] = {"create": False}
        total = self._lifecycle_purchase_counts().get("pos", 0)
        shown = Order.search_count(domain)
        if shown < total:
            action["name"] = self.env._(
                "Point of Sale Orders: %(shown)s of %(total)s (the others are not yours)",
                shown=shown,
                total=total,
            )
        return action
