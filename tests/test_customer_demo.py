from collections import Counter
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from .common import LifecycleCase


@tagged("post_install", "-at_install")
class TestCustomerDemo(LifecycleCase):
    """The demo generator gives a funnel worth looking at, the same way every time."""

    @classmethod
    def setUpClass(cls):
        # one generation for the whole class: each takes minutes (the tests' changes are
        # rolled back after each)
        super().setUpClass()
        cls.partners, cls.orders = cls._generate(cls.env)

    @staticmethod
    def _generate(env):
        """Generate the demo; returns the partners and the orders it created."""
        Partner, Order = env["res.partner"], env["sale.order"]
        known_partners, known_orders = Partner.search([]), Order.search([])
        env["customer.lifecycle.demo"]._generate()
        return Partner.search([]) - known_partners, Order.search([]) - known_orders

    def test_mix_of_customers_and_orders(self):
        partners, orders = self.partners, self.orders
        customers = partners.filtered(lambda p: not p.parent_id)
        self.assertEqual(len(customers), 214)
        self.assertTrue(customers.filtered("is_company").child_ids, "companies have a contact")
        countries = Counter(p.country_id.code for p in customers)
        self.assertEqual(set(countries), {"IT", "PL"})
        self.assertGreater(min(countries.values()), 60)

        confirmed = orders.filtered(lambda o: o.state == "sale")
        self.assertTrue(1800 <= len(confirmed) <= 2300, len(confirmed))
        self.assertTrue(orders.filtered(lambda o: o.state == "cancel"))
        today = fields.Date.context_today(self.env.user)
        oldest = min(confirmed.mapped("date_order")).date()
        self.assertGreater((today - oldest).days, 2.5 * 365, "three years of history")
        self.assertLessEqual(max(confirmed.mapped("date_order")).date(), today)

        per_customer = Counter(o.partner_id.commercial_partner_id.id for o in confirmed)
        counts = [per_customer.get(p.id, 0) for p in customers]
        self.assertGreaterEqual(sum(1 for n in counts if n == 1), 30, "one-time buyers")
        self.assertGreaterEqual(sum(1 for n in counts if n >= 2), 80, "repeat buyers")
        self.assertGreaterEqual(sum(1 for n in counts if n == 0), 30, "never bought")

        last_order = {}
        for order in confirmed:
            partner = order.partner_id.commercial_partner_id
            last_order[partner] = max(last_order.get(partner, order.date_order), order.date_order)
        lapsed = [p for p, d in last_order.items() if today - d.date() > timedelta(days=400)]
        self.assertGreaterEqual(len(lapsed), 20, "customers who stopped buying")

        quoted = orders.filtered(lambda o: o.state == "draft").partner_id.commercial_partner_id
        quotations_only = quoted.filtered(lambda p: per_customer.get(p.id, 0) == 0)
        self.assertGreaterEqual(len(quotations_only), 15, "prospects with open quotations")
        self.assertGreaterEqual(len(customers.filtered("lifecycle_referred_by_id")), 20)

        revenue = Counter()
        for order in confirmed:
            revenue[order.partner_id.commercial_partner_id.id] += order.amount_untaxed
        top_tenth = sum(amount for _p, amount in revenue.most_common(len(customers) // 10))
        self.assertGreater(top_tenth / sum(revenue.values()), 0.5, "a few big accounts")
        self._check_invoices_and_payments(orders, customers)
        self._check_direct_invoices(customers)
        self._check_acquisition_consent_and_profiles(customers)

    def _check_invoices_and_payments(self, orders, customers):
        # the last months are invoiced; customers pay on time, late or not yet
        invoices = orders.invoice_ids.filtered(lambda m: m.state == "posted")
        self.assertGreaterEqual(len(invoices), 150)
        self.assertTrue(invoices.filtered(lambda m: m.payment_state == "paid"))
        self.engine._recompute_all(in_transaction=True)
        behaviour = self.env["customer.lifecycle.payment"].search(
            [("partner_id", "in", customers.ids)]
        )
        self.assertTrue(behaviour.filtered(lambda b: b.days_to_pay > 0), "late payers")
        self.assertTrue(
            behaviour.filtered(lambda b: 0 < b.paid_invoice_count and b.days_to_pay <= 0)
        )
        self.assertTrue(behaviour.filtered(lambda b: b.overdue_amount > 0), "overdue invoices")

    def _check_direct_invoices(self, customers):
        """Customers invoiced directly for services, no sale order: the lifecycle counts their
        invoices (after the run of _check_invoices_and_payments), less the credit note."""
        moves = self.env["account.move"].search(
            [
                ("partner_id", "in", customers.ids),
                ("move_type", "in", ("out_invoice", "out_refund")),
                ("state", "=", "posted"),
                ("invoice_line_ids", "not any", [("sale_line_ids", "!=", False)]),
            ]
        )
        service = moves.partner_id
        self.assertEqual(len(service), 6)
        self.assertFalse(
            self.env["sale.order"].search_count([("partner_id", "child_of", service.ids)])
        )
        [credit_note] = moves.filtered(lambda m: m.move_type == "out_refund")
        self.assertEqual(credit_note.reversed_entry_id.partner_id, credit_note.partner_id)
        facts = self.env["customer.lifecycle.fact"]._for(service.ids, self.company)
        for partner in service:
            invoices = moves.filtered(
                lambda m, p=partner: m.partner_id == p and m.move_type == "out_invoice"
            )
            refunds = moves.filtered(
                lambda m, p=partner: m.partner_id == p and m.move_type == "out_refund"
            )
            with self.subTest(customer=partner.name):
                self.assertEqual(facts[partner.id].invoice_orders, len(invoices))
                self.assertEqual(partner.lifecycle_order_count, len(invoices))
                self.assertAlmostEqual(
                    partner.lifecycle_revenue_total,
                    sum(invoices.mapped("amount_untaxed")) - sum(refunds.mapped("amount_untaxed")),
                    places=2,
                )
                self.assertIn(partner.lifecycle_stage_id.code, ("buyer", "customer", "fan", "lost"))
        owing = self.env["customer.lifecycle.payment"].search(
            [("partner_id", "in", service.ids), ("overdue_amount", ">", 0)]
        )
        self.assertTrue(owing, "a service customer who does not pay")

    def _check_acquisition_consent_and_profiles(self, customers):
        channels = Counter(customers.mapped("lifecycle_acquisition_channel"))
        self.assertEqual(channels["referral"], len(customers.filtered("lifecycle_referred_by_id")))
        self.assertGreaterEqual(len(channels), 8, channels)
        self.assertTrue(customers.filtered("lifecycle_source_id"))
        contactable = self.env["res.partner"].search(
            [("id", "in", customers.ids), ("lifecycle_contactable_channel_ids.code", "=", "email")]
        )
        self.assertGreater(len(contactable), 60)
        self.assertTrue(customers.filtered(lambda p: p.is_blacklisted), "some said no")
        expired = self.env["res.partner"].search(
            [("id", "in", customers.ids), ("lifecycle_consent_expired", "=", True)]
        )
        self.assertTrue(expired)
        people = customers.filtered(lambda p: not p.is_company)
        self.assertGreater(len(people.filtered("lifecycle_birthdate")), len(people) // 2)
        self.assertTrue(customers.lifecycle_special_date_ids)
        self.assertTrue(customers.filtered(lambda p: p.lifecycle_profile_completeness == 100))

    def test_same_customers_every_time(self):
        """A second generation, beside the class's, gives the same customers and orders."""

        def seen(partners, orders):
            return (
                partners.mapped("name"),
                partners.mapped("phone"),
                [(o.partner_id.name, o.state, o.amount_untaxed) for o in orders],
            )

        first = seen(self.partners, self.orders)
        self.assertEqual(len(first[2]), len(self.orders))
        # without the consents (a stream of their own): the first generation's withdrawals put
        # the same addresses on the blacklist, where only their owner may grant again
        demo_class = type(self.env["customer.lifecycle.demo"])
        with patch.object(demo_class, "_consents", lambda *_args: None):
            again = self._generate(self.env)
        self.assertEqual(seen(*again), first)

    def test_after_the_first_computation_moves_by_hand_and_satisfaction_answers(self):
        """What the install hook plays after the first computation."""
        customers = self.partners.filtered(lambda p: not p.parent_id)
        self.engine._recompute_all(in_transaction=True)
        # the prediction models converge on the demo's orders: its customers' forms show them
        self.assertFalse(self.company.lifecycle_prediction_status)
        self.assertEqual(set(self.company.lifecycle_prediction_params), {
            "purchases", "spend", "log_likelihood", "customers", "fitted_on"
        })  # fmt: skip
        # (a customer silent for years may have less than a cent to expect)
        active = customers.filtered(
            lambda p: p.lifecycle_first_order_date and p.lifecycle_stage_id.code != "lost"
        )
        self.assertEqual(len(active.filtered("lifecycle_probability_active")), len(active))
        self.assertEqual(len(active.filtered("lifecycle_predicted_revenue_12m")), len(active))
        self.env["customer.lifecycle.demo"]._play_manual_moves(customers)
        manual = customers.filtered("lifecycle_stage_manual")
        lost = manual.filtered(lambda p: p.lifecycle_stage_id.code == "lost")
        self.assertEqual(len(lost), 6)
        self.assertTrue(all(lost.mapped("lifecycle_lost_reason_id")), "each with its reason")
        self.assertEqual(len(manual - lost), 3)
        self.assertEqual(set((manual - lost).lifecycle_stage_id.mapped("code")), {"prospect"})

        # the satisfaction answers: asked after the last order, about six in ten answered,
        # detractors among the repeat customers, NPS about +30
        requests = self.env["customer.lifecycle.demo"]._satisfaction_answers(customers.sorted("id"))

        answered = requests.filtered(lambda r: r.state == "answered")
        by_source = Counter(requests.mapped("source"))
        self.assertEqual(by_source["email"] + by_source["phone"] + by_source["shop"], len(requests))
        self.assertTrue(by_source["phone"] and by_source["shop"], by_source)
        email = requests.filtered(lambda r: r.source == "email")
        rate = sum(email.mapped("answered_count")) / len(email)
        self.assertTrue(0.5 <= rate <= 0.7, rate)
        self.assertTrue(all(r.order_id for r in email), "each e-mail follows an order")
        nps = sum(answered.mapped("nps_points")) / len(answered)
        self.assertTrue(25 <= nps <= 35, nps)
        detractors = answered.filtered(lambda r: r.category == "detractor")
        self.assertTrue(
            all(r.partner_id.lifecycle_order_count >= 2 for r in detractors),
            "the detractors are unhappy regulars",
        )
        # a few changed their mind: both clicks are kept, the last one counts
        changed = answered.filtered(lambda r: len(r.answer_ids) == 2)
        self.assertTrue(changed)
        for request in changed:
            self.assertEqual(request.answer_ids.sorted("date")[-1].score, request.score)
        # each customer shows its newest answer
        for partner in answered.partner_id:
            newest = answered.filtered(lambda r, p=partner: r.partner_id == p).sorted(
                "answered_date"
            )[-1]
            self.assertEqual(partner.lifecycle_satisfaction_score, newest.score)
            self.assertEqual(partner.lifecycle_satisfaction_date, newest.answered_date)
