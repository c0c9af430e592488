"""Every customer's figures computed a second time, apart from the engine, and compared to the
cent (issue 16, "Every purchase counts").

A seeded random database of about thirty customers gets, through the ORM, sale orders (confirmed,
cancelled, quotations, some with discounts, one in a foreign currency at its own rate), Point of
Sale orders with and without a customer (paid; one refunded, one invoiced), direct invoices (one
in a foreign currency) and credit notes (refunding a direct invoice, refunding a sale order's
invoice, refunding nothing). The nightly run computes customer.lifecycle.fact; this test reads
the raw documents (sale_order(_line), pos_order(_line), account_move(_line), res_currency_rate)
in plain SQL and aggregates them in Python, from the issue's rules, without the addon's SQL or
its _purchase_sources:

- a confirmed sale order is a purchase; a cancelled one counts in cancel_count; a quotation
  (draft, sent) dates last_quotation;
- a paid or posted POS order with a customer is a purchase (without a customer, nobody's); a POS
  refund is a negative amount dated at the order it refunds, never an order; an invoiced POS order
  is that order, its invoice is not a second purchase;
- a posted customer invoice none of whose lines comes from a sale order line, and not made from a
  POS order, is a purchase of its own (a direct invoice), dated on its invoice date;
- a posted credit note is a negative amount, never an order, dated at the purchase it refunds: the
  sale order its lines (or the lines of the invoice it reverses) come from, else the invoice it
  reverses, else its own date;
- every amount is untaxed and in company currency at the document's own rate: a sale order's lines
  converted with the currency's rate of its order day (read from res_currency_rate), an invoice's
  from its product lines' balance, a POS order's from its lines;
- the company's sources setting switches direct invoices (and the credit notes of no sale order)
  and POS orders off.
"""

import itertools
import random
import statistics
import unittest
from collections import defaultdict
from datetime import datetime, time
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from ..common import LifecycleCase

NOW = datetime(2026, 6, 15, 22, 0)  # the nightly run
CENT = Decimal("0.01")
# what this test compares, per customer, in the lifecycle company
FIGURES = (
    "order_count", "cancel_count", "first_order", "last_order", "last_quotation", "revenue",
    "revenue_12m", "window_orders", "window_revenue", "median_gap", "discount",
    "invoice_orders", "pos_orders",
)  # fmt: skip


@tagged("post_install", "-at_install")
class TestIndependentFigures(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if "pos.order" not in cls.env:
            raise unittest.SkipTest("needs point_of_sale and customer_lifecycle_pos installed")
        cls.rng = random.Random(16)
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        # the euro's own rates: 2 per dollar until 2026, 1.25 since
        cls.env["res.currency.rate"].create(
            [
                {"currency_id": cls.eur.id, "name": "2020-01-01", "rate": 2.0},
                {"currency_id": cls.eur.id, "name": "2026-01-01", "rate": 1.25},
            ]
        )
        cls.eur_pricelist = cls.env["product.pricelist"].create(
            {"name": "Euro prices", "currency_id": cls.eur.id}
        )
        cls.shop = cls.env["pos.config"].create({"name": "Counter"})
        cls.shop.open_ui()
        cls.session = cls.shop.current_session_id
        cls.session.set_opening_control(0, None)
        cls.cash = cls.shop.payment_method_ids.filtered("is_cash_count")[:1]
        cls.customers = cls.env["res.partner"]
        cls.load()

    # -- loading the database through the ORM ----------------------------------------------------

    @classmethod
    def day(cls):
        """A random moment of the last three years (some within the last year)."""
        return NOW - relativedelta(days=cls.rng.randint(1, 1100), hours=cls.rng.randint(0, 20))

    @classmethod
    def lines(cls):
        """One to three product lines: (price, quantity, discount %)."""
        return [
            (
                cls.rng.choice([19.99, 45.5, 100.0, 250.0, 333.33]),
                cls.rng.randint(1, 3),
                cls.rng.choice([0, 0, 0, 10, 25]),
            )
            for _line in range(cls.rng.randint(1, 3))
        ]

    @classmethod
    def sale_order(cls, partner, when, state="sale", lines=None, **vals):
        with freeze_time(when):
            order = cls.env["sale.order"].create(
                {
                    "partner_id": partner.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": cls.product.id,
                                "product_uom_qty": qty,
                                "price_unit": price,
                                "discount": discount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                        for price, qty, discount in lines or cls.lines()
                    ],
                    **vals,
                }
            )
            if state == "sent":
                order.state = "sent"
            if state in ("sale", "cancel"):
                order.action_confirm()
            if state == "cancel":
                order._action_cancel()
        return order

    @classmethod
    def direct_invoice(cls, partner, when, lines=None, currency=None, move_type="out_invoice"):
        with freeze_time(when):
            move = cls.env["account.move"].create(
                {
                    "move_type": move_type,
                    "partner_id": partner.id,
                    "invoice_date": when.date(),
                    "currency_id": (currency or cls.company.currency_id).id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": cls.product.id,
                                "quantity": qty,
                                "price_unit": price,
                                "discount": discount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                        for price, qty, discount in lines or cls.lines()
                    ],
                }
            )
            move.action_post()
        return move

    @classmethod
    def credit_note(cls, invoice, when):
        """A posted credit note reversing `invoice` in full on day `when`."""
        with freeze_time(when):
            refund = invoice._reverse_moves([{"invoice_date": when.date(), "ref": "Returned"}])
            refund.action_post()
        return refund

    @classmethod
    def pay_pos(cls, order, when):
        with freeze_time(when):
            cls.env["pos.make.payment"].with_context(
                active_id=order.id, active_ids=order.ids
            ).create({"amount": order.amount_total, "payment_method_id": cls.cash.id}).check()

    @classmethod
    def pos_order(cls, partner, when, lines=None):
        """A POS order paid in cash at the counter on day `when` (partner: None, anonymous)."""
        lines = lines or cls.lines()
        subtotals = [round(price * qty * (1 - discount / 100), 2) for price, qty, discount in lines]
        with freeze_time(when):
            order = cls.env["pos.order"].create(
                {
                    "session_id": cls.session.id,
                    "partner_id": partner.id if partner else False,
                    "date_order": when,
                    "lines": [
                        Command.create(
                            {
                                "product_id": cls.product.id,
                                "qty": qty,
                                "price_unit": price,
                                "discount": discount,
                                "tax_ids": [Command.clear()],
                                "price_subtotal": subtotal,
                                "price_subtotal_incl": subtotal,
                            }
                        )
                        for (price, qty, discount), subtotal in zip(lines, subtotals, strict=True)
                    ],
                    "amount_tax": 0.0,
                    "amount_total": sum(subtotals),
                    "amount_paid": 0.0,
                    "amount_return": 0.0,
                }
            )
        cls.pay_pos(order, when)
        return order

    @classmethod
    def load(cls):
        """About thirty customers, a few of them companies buying through a contact, each with a
        random mix of documents; then the documents every rule needs at least once."""
        Partner = cls.env["res.partner"]
        buyers = []
        for index in range(30):
            customer = Partner.create(
                {"name": f"Independent {index:02d}", "is_company": index % 5 == 0}
            )
            cls.customers |= customer
            # a company's purchases are made by its contact: they count for the company
            buyer = (
                Partner.create({"name": f"Contact of {index:02d}", "parent_id": customer.id})
                if customer.is_company
                else customer
            )
            buyers.append(buyer)
            for _order in range(cls.rng.choice([0, 1, 1, 2, 3])):
                state = cls.rng.choice(["sale", "sale", "sale", "cancel", "draft", "sent"])
                cls.sale_order(buyer, cls.day(), state)
            for _pos in range(cls.rng.choice([0, 0, 1, 2])):
                cls.pos_order(buyer, cls.day())
            for _invoice in range(cls.rng.choice([0, 0, 1, 2])):
                cls.direct_invoice(buyer, cls.day())
        # the anonymous counter sales: nobody's
        for _pos in range(3):
            cls.pos_order(None, cls.day())
        # a sale order in euros (its own rate, 2 per dollar before 2026), confirmed and invoiced
        # (its invoice is that order, not a second purchase), the invoice refunded in part later
        euro_order = cls.sale_order(
            buyers[1], datetime(2025, 3, 3, 10), lines=[(200.0, 2, 10)],
            pricelist_id=cls.eur_pricelist.id,
        )  # fmt: skip
        cls.sale_order_invoice(euro_order, datetime(2025, 3, 5, 9))
        # a dollar order invoiced, its invoice refunded in full months later: the credit note
        # lowers the order's revenue, dated on the order's day
        order = cls.sale_order(buyers[2], datetime(2025, 5, 20, 15), lines=[(480.0, 1, 0)])
        invoice = cls.sale_order_invoice(order, datetime(2025, 5, 21, 9))
        cls.credit_note(invoice, datetime(2025, 9, 1, 9))
        # a direct invoice in euros (its own rate since 2026: 1.25), and one refunded in full
        cls.direct_invoice(buyers[3], datetime(2026, 2, 10, 12), [(125.0, 2, 0)], cls.eur)
        invoice = cls.direct_invoice(buyers[4], datetime(2025, 6, 1, 12), [(300.0, 1, 0)])
        cls.credit_note(invoice, datetime(2025, 6, 20, 12))  # in the 12 months, its invoice not
        # a credit note of nothing: a goodwill gesture dated on its own day
        cls.direct_invoice(
            buyers[6], datetime(2026, 4, 2, 8), [(40.0, 1, 0)], move_type="out_refund"
        )
        # a POS order refunded at the counter, and one invoiced at the customer's request
        sold = cls.pos_order(buyers[7], datetime(2025, 6, 10, 11), [(250.0, 2, 0)])
        with freeze_time(datetime(2025, 6, 25, 11)):
            refund = sold._refund()
        cls.pay_pos(refund, datetime(2025, 6, 25, 11))
        invoiced = cls.pos_order(buyers[8], datetime(2026, 5, 5, 16), [(99.0, 1, 0)])
        with freeze_time(datetime(2026, 5, 5, 16)):
            invoiced.action_pos_order_invoice()
        cls.invoiced_pos = invoiced
        cls.env.flush_all()

    @classmethod
    def sale_order_invoice(cls, order, when):
        with freeze_time(when):
            invoice = order._create_invoices()
            invoice.invoice_date = when.date()
            invoice.action_post()
        return invoice

    # -- the independent computation ---------------------------------------------------------------

    def query(self, sql, *params):
        self.env.cr.execute(sql, params)
        return self.env.cr.dictfetchall()

    def euro_rate(self, currency_id, when):
        """Units of currency_id per company-currency unit on day `when` (the latest rate on or
        before that day, else the earliest), read straight from res_currency_rate."""
        if currency_id == self.company.currency_id.id:
            return Decimal(1)
        rows = self.query(
            """SELECT rate FROM res_currency_rate
                WHERE currency_id = %s AND (company_id = %s OR company_id IS NULL)
                ORDER BY name <= %s DESC,
                         CASE WHEN name <= %s THEN name END DESC, name
                LIMIT 1""",
            currency_id, self.company.id, when, when,
        )  # fmt: skip
        return Decimal(str(rows[0]["rate"])) if rows else Decimal(1)

    def documents(self, count_invoices=True, count_pos=True):
        """Every purchase, refund, cancelled order and quotation of the database as
        (commercial partner, kind, date, amount in company currency, gross, discounted, source);
        kind: 'sale', 'refund', 'cancel' or 'quote'; count_*: the company's sources setting."""
        docs, order_date = self.sale_documents()
        docs += self.invoice_documents(order_date, count_invoices)
        return docs + (self.pos_documents() if count_pos else [])

    def sale_documents(self):
        """The sale orders, and the date of each (a credit note is dated at its order's)."""
        company = self.company.id
        orders = self.query(
            """SELECT o.id, c.commercial_partner_id AS partner, o.state, o.date_order,
                      o.currency_id
                 FROM sale_order o JOIN res_partner c ON c.id = o.partner_id
                WHERE o.company_id = %s""",
            company,
        )
        docs, so_lines = [], defaultdict(list)
        for line in self.query(
            """SELECT order_id, price_unit, product_uom_qty AS qty, discount, price_subtotal
                 FROM sale_order_line WHERE display_type IS NULL"""
        ):
            so_lines[line["order_id"]].append(line)
        order_date = {}
        for order in orders:
            order_date[order["id"]] = order["date_order"]
            rate = self.euro_rate(order["currency_id"], order["date_order"].date())
            lines = so_lines[order["id"]]
            amount = sum(Decimal(str(line["price_subtotal"])) for line in lines) / rate
            gross = (
                sum(Decimal(str(line["price_unit"])) * Decimal(str(line["qty"])) for line in lines)
                / rate
            )
            discounted = sum(
                Decimal(str(line["price_unit"])) * Decimal(str(line["qty"]))
                * Decimal(str(line["discount"])) / 100 for line in lines
            ) / rate  # fmt: skip
            kind = {"sale": "sale", "cancel": "cancel"}.get(order["state"], "quote")
            docs.append((order["partner"], kind, order["date_order"], amount, gross, discounted,
                         "sale"))  # fmt: skip
        return docs, order_date

    def invoice_documents(self, order_date, count_invoices):
        """The direct invoices and the credit notes (not those of POS orders)."""
        company = self.company.id
        docs = []
        # the sale orders each invoice's lines come from
        from_orders = defaultdict(set)
        for row in self.query(
            """SELECT l.move_id, sl.order_id FROM account_move_line l
                 JOIN sale_order_line_invoice_rel r ON r.invoice_line_id = l.id
                 JOIN sale_order_line sl ON sl.id = r.order_line_id"""
        ):
            from_orders[row["move_id"]].add(row["order_id"])
        pos_invoices = {
            row["account_move"]
            for row in self.query(
                "SELECT account_move FROM pos_order WHERE account_move IS NOT NULL"
            )
        }
        moves = self.query(
            """SELECT m.id, c.commercial_partner_id AS partner, m.move_type, m.invoice_date,
                      m.reversed_entry_id
                 FROM account_move m JOIN res_partner c ON c.id = m.partner_id
                WHERE m.company_id = %s AND m.state = 'posted'
                  AND m.move_type IN ('out_invoice', 'out_refund')""",
            company,
        )
        move_lines = defaultdict(list)
        for line in self.query(
            """SELECT move_id, balance, price_unit, quantity, discount,
                      -- the line's own rate: document currency per company currency
                      amount_currency / NULLIF(balance, 0) AS currency_rate
                 FROM account_move_line WHERE display_type = 'product'"""
        ):
            move_lines[line["move_id"]].append(line)
        invoice_date = {move["id"]: move["invoice_date"] for move in moves}
        for move in moves:
            if move["id"] in pos_invoices:
                continue  # that POS order's purchase (or refund)
            lines = move_lines[move["id"]]
            amount = -sum(Decimal(str(line["balance"])) for line in lines)
            refunded = move["reversed_entry_id"]
            if move["move_type"] == "out_invoice":
                if from_orders[move["id"]] or not count_invoices:
                    continue  # a sale order's invoice: that order
                gross = sum(
                    Decimal(str(line["price_unit"])) * Decimal(str(line["quantity"]))
                    / Decimal(str(line["currency_rate"] or 1)) for line in lines
                )  # fmt: skip
                discounted = sum(
                    Decimal(str(line["price_unit"])) * Decimal(str(line["quantity"]))
                    * Decimal(str(line["discount"])) / 100
                    / Decimal(str(line["currency_rate"] or 1)) for line in lines
                )  # fmt: skip
                day = datetime.combine(move["invoice_date"], time())
                docs.append((move["partner"], "sale", day, amount, gross, discounted, "invoice"))
                continue
            # a credit note: the purchase it refunds
            source_orders = from_orders[move["id"]] or from_orders.get(refunded, set())
            if source_orders:
                day = min(order_date[order] for order in source_orders)
            elif not count_invoices:
                continue
            elif refunded in invoice_date:
                day = datetime.combine(invoice_date[refunded], time())
            else:
                day = datetime.combine(move["invoice_date"], time())
            docs.append((move["partner"], "refund", day, amount, 0, 0, "credit note"))
        return docs

    def pos_documents(self):
        """The POS orders with a customer, and their refunds."""
        company = self.company.id
        docs = []
        pos_orders = self.query(
            """SELECT o.id, c.commercial_partner_id AS partner, o.date_order, o.state,
                      -- the shop's currency: its sales journal's, else the company's
                      COALESCE(j.currency_id, rc.currency_id) AS currency_id
                 FROM pos_order o
                 JOIN res_partner c ON c.id = o.partner_id
                 JOIN pos_session s ON s.id = o.session_id
                 JOIN pos_config pc ON pc.id = s.config_id
                 JOIN res_company rc ON rc.id = o.company_id
            LEFT JOIN account_journal j ON j.id = pc.journal_id
                WHERE o.company_id = %s AND o.state IN ('paid', 'done')""",
            company,
        )
        pos_lines = defaultdict(list)
        refunded_order = {}
        for line in self.query(
            """SELECT l.order_id, l.price_unit, l.qty, l.discount, l.price_subtotal,
                      r.order_id AS refunded_order
                 FROM pos_order_line l
            LEFT JOIN pos_order_line r ON r.id = l.refunded_orderline_id"""
        ):
            pos_lines[line["order_id"]].append(line)
            if line["refunded_order"]:
                refunded_order[line["order_id"]] = line["refunded_order"]
        pos_date = {
            row["id"]: row["date_order"]
            for row in self.query("SELECT id, date_order FROM pos_order")
        }
        for order in pos_orders:
            rate = self.euro_rate(order["currency_id"], order["date_order"].date())
            lines = pos_lines[order["id"]]
            amount = sum(Decimal(str(line["price_subtotal"])) for line in lines) / rate
            if order["id"] in refunded_order:
                day = pos_date[refunded_order[order["id"]]]
                docs.append((order["partner"], "refund", day, amount, 0, 0, "pos"))
                continue
            gross = (
                sum(Decimal(str(line["price_unit"])) * Decimal(str(line["qty"])) for line in lines)
                / rate
            )
            discounted = sum(
                Decimal(str(line["price_unit"])) * Decimal(str(line["qty"]))
                * Decimal(str(line["discount"])) / 100 for line in lines
            ) / rate  # fmt: skip
            docs.append((order["partner"], "sale", order["date_order"], amount, gross, discounted,
                         "pos"))  # fmt: skip
        return docs

    def expected(self, now=NOW, **settings):
        """Every test customer's figures as of `now`, aggregated in Python from documents()."""
        year_ago = now - relativedelta(months=12)
        months = self.company.lifecycle_rfm_months
        window_start = now - relativedelta(months=months) if months else datetime(1900, 1, 1)
        by_partner = defaultdict(list)
        for doc in self.documents(**settings):
            by_partner[doc[0]].append(doc)
        figures = {}
        for customer in self.customers:
            docs = by_partner[customer.id]
            bought = sorted(doc[2] for doc in docs if doc[1] == "sale")
            counted = [doc for doc in docs if doc[1] in ("sale", "refund")]
            gaps = [(b - a).total_seconds() / 86400 for a, b in itertools.pairwise(bought)]
            quotes = [doc[2] for doc in docs if doc[1] == "quote"]
            figures[customer.name] = {
                "order_count": len(bought),
                "cancel_count": sum(doc[1] == "cancel" for doc in docs),
                "first_order": bought[0] if bought else False,
                "last_order": bought[-1] if bought else False,
                "last_quotation": max(quotes) if quotes else False,
                "revenue": sum(doc[3] for doc in counted).quantize(CENT) if counted else 0,
                "revenue_12m": sum(
                    (doc[3] for doc in counted if doc[2] >= year_ago), Decimal(0)
                ).quantize(CENT),
                "window_orders": sum(doc[2] >= window_start for doc in bought_docs(docs)),
                "window_revenue": sum(
                    (doc[3] for doc in counted if doc[2] >= window_start), Decimal(0)
                ).quantize(CENT),
                "median_gap": round(statistics.median(gaps), 4) if gaps else 0.0,
                "discount": round(float(100 * sum(d[5] for d in bought_docs(docs)) / gross), 4)
                if (gross := sum(d[4] for d in bought_docs(docs)))
                else 0.0,
                "invoice_orders": sum(1 for doc in bought_docs(docs) if doc[6] == "invoice"),
                "pos_orders": sum(1 for doc in bought_docs(docs) if doc[6] == "pos"),
            }
        return figures

    def computed(self):
        """The engine's facts of the test customers in the lifecycle company."""
        facts = self.env["customer.lifecycle.fact"].search(
            [("partner_id", "in", self.customers.ids), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(len(facts), len(self.customers), "one facts row per customer")
        return {
            fact.partner_id.name: {
                name: Decimal(str(fact[name])).quantize(CENT)
                if name in ("revenue", "revenue_12m", "window_revenue")
                else fact[name]
                for name in FIGURES
            }
            for fact in facts
        }

    def assert_same_figures(self, expected, computed):
        """Figure by figure, every difference listed (customer, figure, expected, engine)."""
        differences = [
            (name, figure, expected[name][figure], computed[name][figure])
            for name in sorted(expected)
            for figure in FIGURES
            if expected[name][figure] != computed[name][figure]
        ]
        if differences:
            self.fail(
                f"the engine's facts differ from the independent computation "
                f"({len(differences)} figures):\n"
                + "\n".join(
                    f"  {n}: {f} expected {e!r}, engine {c!r}" for n, f, e, c in differences
                )
            )

    # -- the tests -------------------------------------------------------------------------------

    def test_every_customer_to_the_cent(self):
        """All sources counted (the defaults): the facts equal the independent computation for
        every customer, and the data holds every kind of document the rules distinguish."""
        self.nightly_run(NOW)
        expected = self.expected()
        self.assert_same_figures(expected, self.computed())
        kinds = {(doc[1], doc[6]) for doc in self.documents()}
        self.assertEqual(
            kinds,
            {
                ("sale", "sale"), ("cancel", "sale"), ("quote", "sale"), ("sale", "invoice"),
                ("sale", "pos"), ("refund", "pos"), ("refund", "credit note"),
            },
        )  # fmt: skip
        # the invoiced POS order is one purchase of its customer, its invoice none
        buyer = self.invoiced_pos.partner_id.commercial_partner_id
        self.assertEqual(self.invoiced_pos.account_move.state, "posted")
        self.assertEqual(expected[buyer.name]["pos_orders"], self.pos_count(buyer))
        # figures that would hide a broken loader: known totals of the hand-made documents
        self.assertEqual(sum(f["order_count"] for f in expected.values()), self.purchases())

    def pos_count(self, partner):
        return self.env["pos.order"].search_count(
            [("partner_id", "child_of", partner.id), ("state", "in", ("paid", "done")),
             ("is_refund", "=", False)]
        )  # fmt: skip

    def purchases(self):
        """Counted purchases of the test customers, counted with the ORM (another road)."""
        partners = [("partner_id", "child_of", self.customers.ids)]
        sales = self.env["sale.order"].search_count([*partners, ("state", "=", "sale")])
        pos = self.env["pos.order"].search_count(
            [*partners, ("state", "in", ("paid", "done")), ("is_refund", "=", False)]
        )
        invoices = self.env["account.move"].search(
            [*partners, ("move_type", "=", "out_invoice"), ("state", "=", "posted")]
        )
        direct = invoices.filtered(
            lambda m: not m.line_ids.sale_line_ids and m not in self.invoiced_pos.account_move
        )
        return sales + pos + len(direct)

    def test_sources_switched_off(self):
        """With direct invoices and POS orders switched off in the company, the next nightly run
        counts sale orders only (and the credit notes of sale orders): to the cent again."""
        self.nightly_run(NOW)
        self.company.write({"lifecycle_count_invoices": False, "lifecycle_count_pos": False})
        later = NOW + relativedelta(minutes=5)
        self.nightly_run(later)
        expected = self.expected(later, count_invoices=False, count_pos=False)
        self.assert_same_figures(expected, self.computed())
        self.assertFalse(any(f["invoice_orders"] or f["pos_orders"] for f in expected.values()))


def bought_docs(docs):
    return [doc for doc in docs if doc[1] == "sale"]
