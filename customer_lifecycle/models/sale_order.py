from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..tools import referral_code
from .customer_lifecycle_fact import in_company_currency

# Changes of an order that move its customer's lifecycle at once.
LIFECYCLE_ORDER_FIELDS = {"state", "date_order", "partner_id", "company_id"}

# The last confirmed order of a customer in a company, its products by amount (the main one
# first), and the open quotations (draft or sent) with their untaxed total in company currency
# (each order converted at its own rate, as the engine does). Sections, notes and down payments
# are no products.
LAST_ORDER_AND_QUOTATIONS = """
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
       (SELECT sum(%(amount)s) FROM orders WHERE state IN ('draft', 'sent'))
  FROM (SELECT 1) one
  LEFT JOIN last_order lo ON TRUE
"""


class SaleOrder(models.Model):
    _inherit = "sale.order"

    lifecycle_referral_code = fields.Char(
        string="Referral Code",
        copy=False,
        help="The referral code a new customer brings: its owner is recorded as the customer's "
        "referrer when the quotation is saved.",
    )

    # The daily run finds the orders written since the last one.
    _lifecycle_write_date_idx = models.Index("(write_date)")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._lifecycle_normalize_referral_code(vals)
        orders = super().create(vals_list)
        orders.filtered("lifecycle_referral_code")._lifecycle_apply_referral_code()
        orders._lifecycle_reevaluate(orders.partner_id)
        return orders

    def unlink(self):
        partners = self.partner_id
        result = super().unlink()
        self._lifecycle_reevaluate(partners.exists())
        return result

    def write(self, vals):
        self._lifecycle_normalize_referral_code(vals)
        before = self.partner_id if "partner_id" in vals else self.env["res.partner"]
        result = super().write(vals)
        if vals.get("lifecycle_referral_code") or (
            "partner_id" in vals and any(self.mapped("lifecycle_referral_code"))
        ):
            self.filtered("lifecycle_referral_code")._lifecycle_apply_referral_code()
        if LIFECYCLE_ORDER_FIELDS & vals.keys():
            self._lifecycle_reevaluate(self.partner_id | before)
        return result

    def _lifecycle_normalize_referral_code(self, vals):
        """Keep a typed code as it is printed (7K3M-Q2XD for '7k3m q2xd'); refuse what is not
        text (sent over RPC: a number, a list)."""
        code = vals.get("lifecycle_referral_code")
        if code and not isinstance(code, str):
            raise ValidationError(
                self.env._(
                    "A referral code is text: two groups of four letters and digits, like "
                    "7K3M-Q2XD."
                )
            )
        partner_id = referral_code.decode(vals.get("lifecycle_referral_code"))
        if partner_id:
            vals["lifecycle_referral_code"] = referral_code.encode(partner_id)

    def _lifecycle_apply_referral_code(self):
        """Record the owner of each order's referral code as the referrer of its customer. The
        customer's rules apply (not bought yet, no cycle); a salesperson who cannot edit
        contacts may still record it, on a customer they can see."""
        Partner = self.env["res.partner"]
        for order in self:
            referrer = Partner._lifecycle_find_by_referral_code(order.lifecycle_referral_code)
            customer = order.partner_id.commercial_partner_id
            current = customer.sudo().lifecycle_referred_by_id
            if current == referrer:
                continue
            if current:
                raise ValidationError(
                    self.env._(
                        "%(customer)s was already brought by %(referrer)s: a customer has one "
                        "referrer.",
                        customer=customer.name,
                        referrer=current.name,
                    )
                )
            customer.check_access("read")
            customer.sudo().lifecycle_referred_by_id = referrer

    def _lifecycle_reevaluate(self, partners):
        """The card moves while the rep watches: re-evaluate these customers now. Bulk loaders
        (the demo generator, imports of history) run within deferred_reevaluation() and the
        nightly computation once at the end instead."""
        if partners:
            self.env["customer.lifecycle.engine"].sudo()._recompute_partners(partners, "order")

    @api.model
    def _lifecycle_last_order_and_quotations(self, customer, company):
        """For the customer at a glance: (last order id, its number, its date, its product
        names by amount, open quotations, their untaxed total in company currency) of this
        customer (a commercial entity) in company, whoever sold them. Private: the caller
        decides what the user may see of it."""
        self.flush_model()
        self.env["sale.order.line"].flush_model()
        product_name = self.env["product.template"].sudo()._field_to_sql("t", "name")
        [row] = self.env.execute_query(
            SQL(
                LAST_ORDER_AND_QUOTATIONS,
                customer=customer.id,
                company=company.id,
                product_name=product_name,
                amount=in_company_currency(SQL("amount_untaxed"), SQL("currency_rate")),
            )
        )
        return row
