"""Sales at the counter are purchases: a POS order with a customer moves the customer at once,
as a confirmed sale order does; a refund at the counter lowers the revenue and is no order; an
order invoiced from the POS is counted once; an order without a customer counts for nobody."""

from datetime import datetime

from odoo.tests import new_test_user, tagged

from .pos_common import PosLifecycleCase


@tagged("post_install", "-at_install")
class TestPosPurchases(PosLifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.Partner.create({"name": "Parrucchiere Bella", "email": "b@example.com"})
        cls.env["customer.lifecycle.engine"]._recompute_partners(cls.customer, "manual")

    def fact(self, customer=None):
        return self.env["customer.lifecycle.fact"].search(
            [
                ("partner_id", "=", (customer or self.customer).id),
                ("company_id", "=", self.company.id),
            ]
        )

    def test_paid_orders_move_the_customer_at_once(self):
        self.assertEqual(self.figures(self.customer), ("potential", 0, 0.0))
        self.sell(self.customer, 42.5, when=datetime(2026, 11, 2, 10, 0))
        self.assertEqual(self.figures(self.customer), ("buyer", 1, 42.5))
        self.sell(self.customer, 17.25, when=datetime(2026, 11, 20, 16, 30))
        self.assertEqual(self.figures(self.customer), ("customer", 2, 59.75))
        fact = self.fact()
        self.assertEqual((fact.pos_orders, fact.invoice_orders, fact.order_count), (2, 0, 2))
        self.assertEqual(fact.first_order, datetime(2026, 11, 2, 10, 0))
        self.assertEqual(fact.last_order, datetime(2026, 11, 20, 16, 30))
        # the margin of costed lines: 60.00 a unit (the product's cost) per order
        self.assertEqual(fact.margin, 59.75 - 120.0)
        self.assertEqual(
            [
                (h.stage_from_id.code, h.stage_to_id.code, h.trigger)
                for h in self.history(self.customer)
            ],
            [
                ("potential", "buyer", "order"),
                ("buyer", "customer", "order"),
            ],
        )

    def test_a_contact_buys_for_its_company(self):
        company = self.Partner.create({"name": "Studio Rossi", "is_company": True})
        contact = self.Partner.create({"name": "Anna Rossi", "parent_id": company.id})
        self.sell(contact, 30.0)
        self.assertEqual(self.figures(company), ("buyer", 1, 30.0))

    def test_an_order_without_a_customer_counts_for_nobody(self):
        facts = self.env["customer.lifecycle.fact"].search_read(
            [], ["partner_id", "order_count", "revenue"]
        )
        history = self.env["customer.lifecycle.history"].search_count([])
        order = self.sell(False, 55.0)
        self.assertEqual(order.state, "paid")
        self.assertEqual(
            self.env["customer.lifecycle.fact"].search_read(
                [], ["partner_id", "order_count", "revenue"]
            ),
            facts,
        )
        self.assertEqual(self.env["customer.lifecycle.history"].search_count([]), history)
        self.assertEqual(self.figures(self.customer), ("potential", 0, 0.0))
        # nor does the nightly run count it for anybody
        self.nightly_run(datetime.now())
        self.assertEqual(
            self.env["customer.lifecycle.fact"].search_read(
                [("order_count", ">", 0)], ["partner_id", "order_count", "revenue"]
            ),
            [row for row in facts if row["order_count"] > 0],
        )
        self.assertEqual(self.figures(self.customer), ("potential", 0, 0.0))

    def test_a_refund_lowers_revenue_and_is_no_order(self):
        sold = self.sell(self.customer, 80.0, qty=2, when=datetime(2026, 10, 5, 11, 0))
        self.sell(self.customer, 20.0, when=datetime(2026, 11, 12, 9, 0))
        self.assertEqual(self.figures(self.customer), ("customer", 2, 100.0))
        refund = self.sell(
            self.customer, -40.0, qty=-1, refund_of=sold, when=datetime(2026, 11, 25, 15, 0)
        )
        self.assertEqual(
            (refund.state, refund.is_refund, refund.amount_total), ("paid", True, -40.0)
        )
        self.assertEqual(self.figures(self.customer), ("customer", 2, 60.0))
        fact = self.fact()
        self.assertEqual((fact.order_count, fact.pos_orders), (2, 2))
        # dated at the order it refunds: the last 12 months keep their revenue shape
        self.assertEqual(fact.last_order, datetime(2026, 11, 12, 9, 0))
        purchases = self.env.execute_query(
            self.env["customer.lifecycle.fact"]._pos_purchases([self.customer.id])
        )
        self.assertEqual(
            sorted((row[3], row[4], row[5]) for row in purchases),
            [
                ("refund", datetime(2026, 10, 5, 11, 0), -40.0),
                ("sale", datetime(2026, 10, 5, 11, 0), 80.0),
                ("sale", datetime(2026, 11, 12, 9, 0), 20.0),
            ],
        )

    def test_an_invoiced_pos_order_is_counted_once(self):
        order = self.sell(self.customer, 64.0, to_invoice=True)
        self.assertTrue(order.account_move)
        self.assertEqual(order.account_move.state, "posted")
        self.env["customer.lifecycle.engine"]._recompute_partners(self.customer, "manual")
        self.assertEqual(self.figures(self.customer), ("buyer", 1, 64.0))
        fact = self.fact()
        self.assertEqual((fact.order_count, fact.pos_orders, fact.invoice_orders), (1, 1, 0))
        self.nightly_run(datetime.now())
        self.assertEqual(self.figures(self.customer), ("buyer", 1, 64.0))

    def test_an_accountant_without_pos_rights_refunds_the_pos_invoice(self):
        """Whether an invoice is a POS order's is decided whatever the poster's rights: an
        accountant who may not read POS orders posts a credit note of the order's invoice; it
        lowers the revenue at once (a credit note of a purchase), and the order stays one."""
        order = self.sell(self.customer, 64.0, to_invoice=True)
        accountant = new_test_user(
            self.env, login="clc_pos_accountant", groups="account.group_account_invoice"
        )
        self.assertFalse(self.env["pos.order"].with_user(accountant).has_access("read"))
        invoice = order.account_move.with_user(accountant)
        credit_note = invoice._reverse_moves()
        credit_note.action_post()
        self.assertEqual(credit_note.state, "posted")
        self.assertEqual(self.figures(self.customer), ("buyer", 1, 0.0))
        fact = self.fact()
        self.assertEqual((fact.order_count, fact.pos_orders, fact.invoice_orders), (1, 1, 0))

    def test_a_batch_of_orders_reevaluates_once(self):
        other = self.Partner.create({"name": "Barbiere Nero"})
        calls = []
        engine_class = type(self.env["customer.lifecycle.engine"])
        real = engine_class._recompute_partners

        def recompute(engine, partners, trigger):
            calls.append((sorted(partners.ids), trigger))
            return real(engine, partners, trigger)

        self.patch(engine_class, "_recompute_partners", recompute)
        session = self.shop.current_session_id
        orders = [
            self.order_data(customer, 10.0, session)
            for customer in (self.customer, other, self.customer)
        ]
        self.env["pos.order"].sync_from_ui(orders)
        self.assertEqual(calls, [(sorted((self.customer | other).ids), "order")])
        self.assertEqual(self.figures(self.customer), ("customer", 2, 20.0))
        self.assertEqual(self.figures(other), ("buyer", 1, 10.0))

    def test_an_order_invoiced_at_the_counter_reevaluates_once(self):
        calls = []
        engine_class = type(self.env["customer.lifecycle.engine"])
        real = engine_class._recompute_partners

        def recompute(engine, partners, trigger):
            calls.append((partners.ids, trigger))
            return real(engine, partners, trigger)

        self.patch(engine_class, "_recompute_partners", recompute)
        order = self.sell(self.customer, 64.0, to_invoice=True)
        self.assertEqual(order.account_move.move_type, "out_invoice")
        # the invoice posted with the order is the order: no second re-evaluation for it
        self.assertEqual(calls, [(self.customer.ids, "order")])
        self.assertEqual(self.figures(self.customer), ("buyer", 1, 64.0))
        # likewise the credit note of a refund invoiced at the counter
        refund = self.sell(self.customer, -64.0, qty=-1, refund_of=order, to_invoice=True)
        self.assertEqual(refund.account_move.move_type, "out_refund")
        self.assertEqual(calls, [(self.customer.ids, "order")] * 2)
        self.assertEqual(self.figures(self.customer), ("buyer", 1, 0.0))
