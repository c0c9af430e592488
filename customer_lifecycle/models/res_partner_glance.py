"""The customer at a glance: the line at the top of the partner form (issue 19).

What a rep needs in the five seconds before answering the phone, read in one call when the
form shows the line (the standard partner form carries no computed field of the addon): the
stage and value class, the last order and what it was, open quotations, the overdue amount,
consent per channel, the last satisfaction answer and the next special date.
"""

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .res_partner import MONEY

# The last confirmed order of a customer in a company, its products by amount (the main one
# first), and the open quotations (draft or sent) with their untaxed total in company currency
# (each order converted at its own rate, as the engine does). Sections, notes and down payments
# are no products.
ORDERS = """
WITH orders AS (
    SELECT o.id, o.name, o.date_order, o.state, o.amount_untaxed, o.currency_rate
      FROM sale_order o
      JOIN res_partner c ON c.id = o.partner_id
     WHERE c.commercial_partner_id = %(customer)s AND o.company_id = %(company)s
       AND o.state IN ('draft', 'sent', 'sale')
),
last_order AS (
    SELECT id, name, date_order FROM orders WHERE state = 'sale'
     ORDER BY date_order DESC, id DESC LIMIT 1
),
products AS (
    SELECT %(product_name)s AS name, sum(l.price_subtotal) AS amount, min(l.id) AS first_line
      FROM sale_order_line l
      JOIN last_order lo ON lo.id = l.order_id
      JOIN product_product pp ON pp.id = l.product_id
      JOIN product_template t ON t.id = pp.product_tmpl_id
     WHERE l.display_type IS NULL AND NOT COALESCE(l.is_downpayment, FALSE)
  GROUP BY pp.id, %(product_name)s
)
SELECT lo.id, lo.name, lo.date_order,
       (SELECT array_agg(name ORDER BY amount DESC, first_line) FROM products),
       (SELECT count(*) FROM orders WHERE state IN ('draft', 'sent')),
       (SELECT sum(amount_untaxed / COALESCE(NULLIF(currency_rate, 0), 1.0))
          FROM orders WHERE state IN ('draft', 'sent'))
  FROM (SELECT 1) one
  LEFT JOIN last_order lo ON TRUE
"""

# What the customer owes the company past the due date, from the installments of its posted
# customer invoices, in company currency: the definition of the nightly payment figures
# (customer_lifecycle_payment.PAYMENT_BEHAVIOUR, "Overdue"), read live. Through the customer's
# partners: account_move.partner_id is indexed, its commercial_partner_id is not.
OVERDUE = """
SELECT COALESCE(sum(l.amount_residual), 0), min(l.date_maturity)
  FROM res_partner c
  JOIN account_move m ON m.partner_id = c.id
  JOIN account_move_line l ON l.move_id = m.id
 WHERE c.commercial_partner_id = %(customer)s AND m.company_id = %(company)s
   AND m.move_type = 'out_invoice' AND m.state = 'posted'
   AND l.display_type = 'payment_term' AND NOT l.reconciled
   AND l.amount_residual > 0 AND l.date_maturity < %(today)s
"""


class ResPartner(models.Model):
    _inherit = "res.partner"

    def get_lifecycle_glance(self):
        """The line at the top of the form, as data for the lifecycle_glance widget.

        For lifecycle users, on a partner they may read; a contact shows its company's customer
        figures (its own consent: the person on the phone). Orders and quotations are the
        lifecycle company's, counted whoever sold them, as the orders button counts them; the
        number and products of the last order are shown only to who may open it. The overdue
        amount is the current company's, as on the Invoicing tab. Money figures (quotations
        amount, overdue) follow MONEY."""
        self.ensure_one()
        self._lifecycle_check_funnel_user()
        self.check_access("read")
        customer = self.commercial_partner_id
        if customer != self and not customer.has_access("read"):
            return False  # a shared contact of another company's customer: no line, no error
        today = fields.Date.context_today(self)
        may_see_money = self.env.su or self.env.user.has_groups(MONEY)
        stage = customer.lifecycle_stage_id
        glance = {
            "customer": {"id": customer.id, "name": customer.display_name},
            "is_contact": customer != self,
            "stage": {"name": stage.name, "color": stage.color or 0} if stage else False,
            "value_class": customer.lifecycle_value_class or False,
            "may_see_money": may_see_money,
            "consent": self._lifecycle_consent_state_lists()[self.id],
            "satisfaction": customer._lifecycle_glance_satisfaction(),
            "special_date": self._lifecycle_glance_special_date(today),
            **customer._lifecycle_glance_orders(may_see_money),
        }
        if may_see_money:
            glance["overdue"] = customer._lifecycle_glance_overdue(today)
        return glance

    def action_view_lifecycle_quotations(self):
        """The customer's open quotations in the lifecycle company, as the user may read them
        (the glance counts them all, whoever sent them: the title says when some are not
        shown)."""
        self.ensure_one()
        self._lifecycle_check_funnel_user()
        self.check_access("read")
        Order = self.env["sale.order"]
        if not Order.has_access("read"):
            raise UserError(
                self.env._(
                    "You may not read sale orders: opening the quotations needs a Sales right. "
                    "Ask an administrator."
                )
            )
        customer = self.commercial_partner_id
        company = self.env["res.company"]._lifecycle_company()
        domain = [
            ("partner_id", "child_of", customer.id),
            ("state", "in", ["draft", "sent"]),
            ("company_id", "=", company.id),
        ]
        action = self.env["ir.actions.act_window"]._for_xml_id("sale.action_quotations")
        action["name"] = self.env._("Open Quotations")
        action["domain"] = domain
        action["context"] = {"default_partner_id": customer.id}
        shown = Order.search_count(domain)
        # the glance's count, never another company's
        in_company = company in self.env.user.company_ids
        total = Order.sudo().search_count(domain) if in_company else shown
        if shown < total:
            action["name"] = self.env._(
                "Open Quotations: %(shown)s of %(total)s (the others are not yours)",
                shown=shown,
                total=total,
            )
        # the web client titles the list with display_name when the action has one
        action["display_name"] = action["name"]
        return action

    def action_view_lifecycle_overdue_invoices(self):
        """The customer's overdue invoices: the Invoiced button's list, filtered on Overdue."""
        self.ensure_one()
        self._lifecycle_check_funnel_user()
        self.check_access("read")
        if not self.env["account.move"].has_access("read"):
            raise UserError(
                self.env._(
                    "You may not read invoices: opening them needs an Invoicing or Sales "
                    "right. Ask an administrator."
                )
            )
        action = self.commercial_partner_id.action_view_partner_invoices()
        action["context"] = {
            **{
                key: value
                for key, value in action["context"].items()
                if key != "search_default_unpaid"
            },
            "search_default_late": 1,
        }
        return action

    # -- Parts of the glance ----------------------------------------------------------------------

    def _lifecycle_glance_orders(self, may_see_money):
        """The last order (date; number and main products when the user may open it) and the
        open quotations of this customer (a commercial entity) in the lifecycle company, in the
        user's companies only."""
        company = self.env["res.company"]._lifecycle_company()
        Order = self.env["sale.order"]
        result = {
            "last_order": False,
            "quotations": {"count": 0},
            "currency_id": company.currency_id.id,
            "may_open_orders": Order.has_access("read"),
            "may_open_invoices": self.env["account.move"].has_access("read"),
        }
        if company not in self.env.user.company_ids:
            return result
        self.env["sale.order"].flush_model()
        self.env["sale.order.line"].flush_model()
        product_name = self.env["product.template"].sudo()._field_to_sql("t", "name")
        [(order_id, name, date_order, products, count, amount)] = self.env.execute_query(
            SQL(ORDERS, customer=self.id, company=company.id, product_name=product_name)
        )
        result["quotations"] = {"count": count}
        if may_see_money:
            result["quotations"]["amount"] = amount or 0.0
        if order_id:
            order = Order.browse(order_id)
            readable = order.has_access("read")
            products = products or []
            result["last_order"] = {
                "date": fields.Date.to_string(
                    fields.Datetime.context_timestamp(self, date_order).date()
                ),
                "readable": readable,
                "name": readable and name,
                "product": readable and bool(products) and products[0],
                "more": max(len(products) - 1, 0) if readable else 0,
            }
        return result

    def _lifecycle_glance_overdue(self, today):
        """What this customer (a commercial entity) owes the current company past due."""
        company = self.env.company
        self.env["account.move"].flush_model()
        self.env["account.move.line"].flush_model()
        [(amount, since)] = self.env.execute_query(
            SQL(OVERDUE, customer=self.id, company=company.id, today=today)
        )
        return {
            "amount": amount,
            "since": fields.Date.to_string(since) if since else False,
            "currency_id": company.currency_id.id,
        }

    def _lifecycle_glance_satisfaction(self):
        """The customer's last answer, or False when it never answered."""
        if not self.lifecycle_satisfaction_category:
            return False
        categories = dict(
            self._fields["lifecycle_satisfaction_category"]._description_selection(self.env)
        )
        answered = self.lifecycle_satisfaction_date
        return {
            "score": self.lifecycle_satisfaction_score,
            "category": self.lifecycle_satisfaction_category,
            "title": self.env._(
                "Last satisfaction answer: %(score)s of 10, %(category)s",
                score=self.lifecycle_satisfaction_score,
                category=categories[self.lifecycle_satisfaction_category],
            ),
            "date": answered
            and fields.Date.to_string(fields.Datetime.context_timestamp(self, answered).date()),
        }

    def _lifecycle_glance_special_date(self, today):
        """The next special date of the partner or its company, on or after today, as the
        reminders count them (customer.special.date._next_occurrence_sql); the user's rights
        and the special dates' company rule apply."""
        Special = self.env["customer.special.date"]
        Special.flush_model(["partner_id", "date"])
        allowed = Special._search([("partner_id", "in", (self | self.commercial_partner_id).ids)])
        rows = self.env.execute_query(
            SQL(
                """SELECT d.id, %(next_day)s AS next_day
                     FROM customer_special_date d
                    WHERE d.id IN %(allowed)s
                 ORDER BY next_day, d.id
                    LIMIT 1""",
                next_day=Special._next_occurrence_sql(today),
                allowed=allowed.subselect(),
            )
        )
        if not rows:
            return False
        special_id, next_day = rows[0]
        special = Special.browse(special_id)
        return {
            "date": fields.Date.to_string(next_day),
            "days": (next_day - today).days,
            "name": special.display_name,
            "of_company": special.partner_id != self,
        }
