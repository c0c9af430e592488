"""Point of Sale orders as purchases of the engine (customer.lifecycle.fact's purchase sources)."""

from odoo import api, models
from odoo.tools import SQL

from odoo.addons.customer_lifecycle.models.customer_lifecycle_fact import in_company_currency

# POS orders counted: paid at the counter ('paid'), or posted when the session closed ('done').
# A draft is an open ticket, a cancelled one an abandoned ticket: neither is a purchase nor a
# cancelled purchase of the customer. An invoiced order stays 'paid' or 'done' in Odoo 19.
COUNTED_STATES = ("paid", "done")

# What a POS order's lines say: its untaxed amount (the lines' price_subtotal: no cash rounding),
# its margin when Odoo has costed every line (a fifo/avco product is costed when the session
# closes; combo parents carry no margin, as pos.order.line._compute_margin says), and the date
# of the order it refunds. Amounts are in the order's currency. A line that settles a sale
# order (pos_sale), or refunds such a line, is that sale order's, counted as a sale order: an
# order of such lines alone is no purchase of its own.
ORDER_LINES = """
    SELECT l.order_id,
           sum(l.price_subtotal) AS amount,
           sum(CASE WHEN t.type = 'combo' THEN 0 ELSE l.price_subtotal - l.total_cost END)
               AS margin,
           bool_and(COALESCE(l.is_total_cost_computed, FALSE)) AS costed,
           min(r.date_order) AS refunded_date
      FROM pos_order_line l
      JOIN product_product pp ON pp.id = l.product_id
      JOIN product_template t ON t.id = pp.product_tmpl_id
 LEFT JOIN pos_order_line rl ON rl.id = l.refunded_orderline_id
 LEFT JOIN pos_order r ON r.id = rl.order_id
     WHERE NOT %(from_sale_order)s %(this_order)s
  GROUP BY l.order_id
"""

# One row per counted POS order with a customer (its commercial entity), in the columns of
# PURCHASE_COLUMNS. A refund (made with Odoo's refund, or any order of negative total) is a
# negative amount dated at the order it refunds. Orders without a customer count for nobody.
# A company that switched POS orders off (lifecycle_count_pos) gives no row. For a few
# customers the lines are read order by order (an index scan each); for everybody they are
# aggregated once and joined. An order without a line of its own (see ORDER_LINES) gives none.
POS_PURCHASES = """
SELECT c.commercial_partner_id AS partner_id, o.company_id, 'pos' AS source,
       CASE WHEN %(is_refund)s THEN 'refund' ELSE 'sale' END AS state,
       CASE WHEN %(is_refund)s THEN COALESCE(l.refunded_date, o.date_order)
            ELSE o.date_order END AS date_order,
       %(amount)s AS amount,
       %(margin)s AS margin,
       o.write_date
  FROM pos_order o
  JOIN res_partner c ON c.id = o.partner_id
  JOIN res_company k ON k.id = o.company_id AND k.lifecycle_count_pos
  %(lines)s
 WHERE o.state IN %(states)s
   AND (%(ids)s::int[] IS NULL OR c.commercial_partner_id = ANY(%(ids)s::int[]))
"""

# The product lines of the counted POS sales (refunds excluded), for the average discount.
POS_PURCHASE_LINES = """
SELECT c.commercial_partner_id AS partner_id, o.company_id,
       %(gross)s AS gross,
       %(discounted)s AS discounted
  FROM pos_order_line l
  JOIN pos_order o ON o.id = l.order_id
  JOIN res_partner c ON c.id = o.partner_id
  JOIN res_company k ON k.id = o.company_id AND k.lifecycle_count_pos
 LEFT JOIN pos_order_line rl ON rl.id = l.refunded_orderline_id
 WHERE o.state IN %(states)s AND NOT %(is_refund)s AND NOT %(from_sale_order)s
   AND (%(ids)s::int[] IS NULL OR c.commercial_partner_id = ANY(%(ids)s::int[]))
"""

# What the counted POS orders bought, one row per line in PRODUCT_LINE_COLUMNS: a refund's
# lines are negative amounts ('refund'), dated at their own order.
POS_PRODUCT_LINES = """
SELECT c.commercial_partner_id AS partner_id, o.company_id, 'pos' AS source,
       o.id AS document_id, CASE WHEN %(is_refund)s THEN 'refund' ELSE 'sale' END AS state,
       o.date_order, l.product_id, %(amount)s AS amount, %(margin)s AS margin
  FROM pos_order_line l
  JOIN pos_order o ON o.id = l.order_id
  JOIN res_partner c ON c.id = o.partner_id
  JOIN res_company k ON k.id = o.company_id AND k.lifecycle_count_pos
 LEFT JOIN pos_order_line rl ON rl.id = l.refunded_orderline_id
 WHERE o.state IN %(states)s AND NOT %(from_sale_order)s
   AND (%(ids)s::int[] IS NULL OR c.commercial_partner_id = ANY(%(ids)s::int[]))
"""

IS_REFUND = SQL("(o.is_refund OR o.amount_total < 0)")


class CustomerLifecycleFact(models.Model):
    _inherit = "customer.lifecycle.fact"

    @api.model
    def _purchase_sources(self, ids):
        """The purchases of the sale orders and invoices, and the POS orders."""
        return [*super()._purchase_sources(ids), self._pos_purchases(ids)]

    @api.model
    def _purchase_documents(self):
        """The documents that may change purchases, and the POS orders (any state: one leaving
        the counted states changes its customer too)."""
        return [
            *super()._purchase_documents(),
            SQL(
                """SELECT c.commercial_partner_id AS partner_id, o.write_date, o.date_order
                     FROM pos_order o JOIN res_partner c ON c.id = o.partner_id"""
            ),
        ]

    @api.model
    def _purchase_line_sources(self, ids):
        """The product lines of the purchases, and those of the POS sales."""
        return [*super()._purchase_line_sources(ids), self._pos_purchase_lines(ids)]

    @api.model
    def _purchase_product_lines(self, ids):
        """What the purchases bought, and the lines of the POS orders."""
        return [
            *super()._purchase_product_lines(ids),
            SQL(
                POS_PRODUCT_LINES,
                is_refund=IS_REFUND,
                amount=in_company_currency(SQL("l.price_subtotal"), SQL("o.currency_rate")),
                margin=in_company_currency(
                    SQL(
                        "CASE WHEN l.is_total_cost_computed THEN l.price_subtotal - l.total_cost"
                        " ELSE 0 END"
                    ),
                    SQL("o.currency_rate"),
                ),
                from_sale_order=self._pos_line_from_sale_order(),
                states=COUNTED_STATES,
                ids=ids,
            ),
        ]

    @api.model
    def _lifecycle_other_source_invoice(self, move):
        """An invoice (or credit note) made from a POS order is that order (or refund), not a
        direct invoice: move is the alias of account_move."""
        return SQL(
            "(%s OR EXISTS (SELECT 1 FROM pos_order po WHERE po.account_move = %s.id))",
            super()._lifecycle_other_source_invoice(move),
            move,
        )

    @api.model
    def _pos_purchases(self, ids):
        """SQL: the counted POS orders of these customers (None: all), as purchases."""
        from_sale_order = self._pos_line_from_sale_order()
        if ids is None:
            lines = SQL(
                "JOIN (%s) l ON l.order_id = o.id",
                SQL(ORDER_LINES, from_sale_order=from_sale_order, this_order=SQL()),
            )
        else:
            lines = SQL(
                "JOIN LATERAL (%s) l ON TRUE",
                SQL(
                    ORDER_LINES,
                    from_sale_order=from_sale_order,
                    this_order=SQL("AND l.order_id = o.id"),
                ),
            )
        return SQL(
            POS_PURCHASES,
            is_refund=IS_REFUND,
            amount=in_company_currency(SQL("COALESCE(l.amount, 0)"), SQL("o.currency_rate")),
            margin=in_company_currency(
                SQL("CASE WHEN l.costed THEN l.margin ELSE 0 END"), SQL("o.currency_rate")
            ),
            lines=lines,
            states=COUNTED_STATES,
            ids=ids,
        )

    @api.model
    def _pos_purchase_lines(self, ids):
        """SQL: the product lines of the counted POS sales of these customers (None: all)."""
        return SQL(
            POS_PURCHASE_LINES,
            gross=in_company_currency(SQL("l.price_unit * l.qty"), SQL("o.currency_rate")),
            discounted=in_company_currency(
                SQL("l.price_unit * l.qty * COALESCE(l.discount, 0) / 100.0"),
                SQL("o.currency_rate"),
            ),
            is_refund=IS_REFUND,
            from_sale_order=self._pos_line_from_sale_order(),
            states=COUNTED_STATES,
            ids=ids,
        )

    @api.model
    def _pos_line_from_sale_order(self):
        """SQL condition: the POS line l (rl: the line it refunds) settles a sale order, or
        refunds such a line (pos_sale's sale_order_origin_id): the sale order counts it."""
        if "sale_order_origin_id" not in self.env["pos.order.line"]._fields:
            return SQL("FALSE")
        return SQL("(l.sale_order_origin_id IS NOT NULL OR rl.sale_order_origin_id IS NOT NULL)")
