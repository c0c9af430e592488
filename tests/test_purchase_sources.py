"""Every purchase counts: direct invoices and credit notes beside the sale orders (issue 16).

A posted customer invoice made from no sale order is a purchase of its own (its untaxed amount
in company currency at its own rate); an invoice made from a sale order is that order; a credit
note lowers the revenue of what it refunds, at that purchase's date, and is never an order.
Posting, cancelling or resetting an invoice re-evaluates its customer at once."""

from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.customer_lifecycle.hooks import post_init_hook
from odoo.addons.customer_lifecycle.models.customer_lifecycle_engine import (
    deferred_reevaluation,
)

from .common import LifecycleCase


@tagged("post_install", "-at_install")
class PurchaseCase(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.Partner.create({"name": "Salone Marta", "is_company": True})
        cls.service = cls.env["product.product"].create(
            {"name": "Haircut and Colour", "type": "service", "list_price": 80.0}
        )

    def direct_invoice(self, when, amount, partner=None, taxes=None, currency=None, **kwargs):
        """A customer invoice (or, move_type="out_refund", a credit note) of one service line,
        dated `when`, posted on that day unless post=False."""
        post = kwargs.pop("post", True)
        with freeze_time(when):
            move = self.env["account.move"].create(
                {
                    "move_type": kwargs.pop("move_type", "out_invoice"),
                    "partner_id": (partner or self.customer).id,
                    "invoice_date": when,
                    "currency_id": (currency or self.company.currency_id).id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": self.service.id,
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [Command.set((taxes or self.env["account.tax"]).ids)],
                            }
                        )
                    ],
                    **kwargs,
                }
            )
            if post:
                move.action_post()
        return move

    def refund(self, move, when, amount):
        """A credit note of `amount` reversing `move` (as the Credit Note button makes it: its
        lines copied, with their link to a sale order), posted on day `when`."""
        with freeze_time(when):
            [credit_note] = move._reverse_moves([{"invoice_date": when, "date": when}])
            credit_note.invoice_line_ids[0].price_unit = amount
            credit_note.action_post()
        return credit_note

    def fact(self, partner=None, company=None):
        return self.env["customer.lifecycle.fact"].search(
            [
                ("partner_id", "=", (partner or self.customer).id),
                ("company_id", "=", (company or self.company).id),
            ]
        )

    def assertFacts(self, expected, partner=None):
        """The customer's facts in the company, and the figures on the partner that mirror
        them."""
        fact = self.fact(partner)
        self.assertRecordValues(fact, [expected])
        partner = partner or self.customer
        self.assertEqual(
            (partner.lifecycle_order_count, partner.lifecycle_revenue_total),
            (expected["order_count"], expected["revenue"]),
        )


@tagged("post_install", "-at_install")
class TestDirectInvoices(PurchaseCase):
    def test_a_direct_invoice_makes_a_buyer_and_a_second_a_repeat_customer_at_once(self):
        tax = self.env["account.tax"].create(
            {"name": "VAT 22 %", "amount": 22.0, "type_tax_use": "sale"}
        )
        invoice = self.direct_invoice("2026-02-02", 250.0, taxes=tax)
        self.assertEqual(invoice.amount_total, 305.0)
        # no nightly run: posting re-evaluated the customer, at the untaxed amount
        self.assertEqual(self.customer.lifecycle_stage_id, self.stage("buyer"))
        self.assertFacts({"order_count": 1, "invoice_orders": 1, "pos_orders": 0, "revenue": 250.0})
        self.assertEqual(str(self.customer.lifecycle_first_order_date), "2026-02-02")

        self.direct_invoice("2026-03-02", 120.0)
        self.assertEqual(self.customer.lifecycle_stage_id, self.stage("customer"))
        self.assertFacts({"order_count": 2, "invoice_orders": 2, "revenue": 370.0})
        self.assertEqual(str(self.customer.lifecycle_last_order_date), "2026-03-02")
        # the nightly run agrees with what the posting wrote
        self.nightly_run("2026-03-03")
        self.assertFacts({"order_count": 2, "invoice_orders": 2, "revenue": 370.0})
        self.assertEqual(self.customer.lifecycle_stage_id, self.stage("customer"))

    def test_an_invoice_made_from_a_sale_order_is_that_order(self):
        order = self.order(self.customer, "2026-02-02", amount=500.0)
        self.assertFacts({"order_count": 1, "invoice_orders": 0, "revenue": 500.0})
        engine_class = type(self.engine)
        with (
            freeze_time("2026-02-03"),
            patch.object(
                engine_class, "_recompute_partners", autospec=True, return_value=None
            ) as recompute,
        ):
            invoice = order._create_invoices()
            invoice.action_post()
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.invoice_line_ids.sale_line_ids.order_id, order)
        # posting the order's invoice changes nothing the order did not count: no second
        # re-evaluation of the customer
        recompute.assert_not_called()
        self.nightly_run("2026-02-04")
        self.assertFacts({"order_count": 1, "invoice_orders": 0, "revenue": 500.0})

    def test_a_credit_note_lowers_the_revenue_of_the_invoice_it_refunds_on_its_date(self):
        old = self.direct_invoice("2025-01-10", 400.0)
        self.direct_invoice("2026-01-10", 200.0)
        # on 2026-01-10 the first invoice is just within the last 12 months
        self.assertFacts({"order_count": 2, "revenue": 600.0, "revenue_12m": 600.0})
        with freeze_time("2026-03-01"):
            self.env["customer.lifecycle.engine"]._recompute_partners(self.customer, "order")
        self.assertFacts({"order_count": 2, "revenue": 600.0, "revenue_12m": 200.0})

        credit_note = self.refund(old, "2026-03-01", 100.0)
        self.assertEqual(credit_note.reversed_entry_id, old)
        # at once, and not an order; dated at the refunded invoice (14 months ago): the last
        # 12 months keep their revenue
        self.assertFacts(
            {"order_count": 2, "invoice_orders": 2, "revenue": 500.0, "revenue_12m": 200.0}
        )
        # a credit note refunding nothing identifiable counts on its own date
        self.direct_invoice("2026-03-01", 50.0, move_type="out_refund")
        self.assertFacts(
            {"order_count": 2, "invoice_orders": 2, "revenue": 450.0, "revenue_12m": 150.0}
        )
        self.nightly_run("2026-03-02")
        self.assertFacts(
            {"order_count": 2, "invoice_orders": 2, "revenue": 450.0, "revenue_12m": 150.0}
        )
        self.assertEqual(str(self.customer.lifecycle_last_order_date), "2026-01-10")

    def test_a_credit_note_of_a_sale_orders_invoice_lowers_that_orders_revenue(self):
        order = self.order(self.customer, "2025-01-10", amount=500.0)
        with freeze_time("2025-01-11"):
            invoice = order._create_invoices()
            invoice.action_post()
        credit_note = self.refund(invoice, "2026-03-01", 200.0)
        self.assertEqual(credit_note.invoice_line_ids.sale_line_ids.order_id, order)
        # at once: the order's revenue is 300, still one order, and the credit note is dated
        # at the order (more than 12 months ago)
        self.assertFacts(
            {"order_count": 1, "invoice_orders": 0, "revenue": 300.0, "revenue_12m": 0.0}
        )
        self.nightly_run("2026-03-02")
        self.assertFacts(
            {"order_count": 1, "invoice_orders": 0, "revenue": 300.0, "revenue_12m": 0.0}
        )

    def test_draft_and_cancelled_invoices_count_nothing_and_each_change_is_seen_at_once(self):
        self.direct_invoice("2026-02-01", 300.0, post=False)
        invoice = self.direct_invoice("2026-02-02", 200.0)
        self.assertFacts({"order_count": 1, "revenue": 200.0})
        self.assertEqual(self.customer.lifecycle_stage_id, self.stage("buyer"))
        engine_class = type(self.engine)
        real = engine_class._recompute_partners
        calls = []

        def recompute(engine, partners, trigger):
            calls.append((partners.ids, trigger))
            return real(engine, partners, trigger)

        with (
            freeze_time("2026-02-03"),
            patch.object(engine_class, "_recompute_partners", recompute),
        ):
            invoice.button_draft()
            self.assertFacts({"order_count": 0, "revenue": 0.0})
            self.assertNotEqual(self.customer.lifecycle_stage_id, self.stage("buyer"))
            invoice.action_post()
            self.assertFacts({"order_count": 1, "revenue": 200.0})
            invoice.button_cancel()  # resets it to draft first: one re-evaluation, not two
            self.assertFacts({"order_count": 0, "revenue": 0.0})
        self.assertEqual(calls, [([self.customer.id], "order")] * 3)
        self.assertEqual(invoice.state, "cancel")
        self.nightly_run("2026-02-04")
        self.assertFacts({"order_count": 0, "invoice_orders": 0, "revenue": 0.0})

    def test_bulk_loaders_leave_the_invoices_to_the_nightly_run(self):
        with deferred_reevaluation():
            self.direct_invoice("2026-02-02", 200.0)
        self.assertFalse(self.fact().order_count)
        self.assertFalse(self.customer.lifecycle_order_count)
        self.nightly_run("2026-02-03")
        self.assertFacts({"order_count": 1, "revenue": 200.0})

    def test_a_daily_run_finds_an_invoice_posted_while_deferred(self):
        self.nightly_run("2026-02-01")  # the first, full run
        with deferred_reevaluation():
            self.direct_invoice("2026-02-02", 200.0)
        report = self.nightly_run("2026-02-03")
        self.assertFalse(report["full"])
        self.assertEqual(report["aggregated"], 1)
        self.assertFacts({"order_count": 1, "revenue": 200.0})

    def test_an_invoice_in_a_foreign_currency_counts_at_its_own_rate(self):
        currency = self.env.ref("base.EUR")
        currency.active = True
        self.env["res.currency.rate"].create(
            [
                {"currency_id": currency.id, "name": "2026-01-01", "rate": 0.8},
                {"currency_id": currency.id, "name": "2026-02-01", "rate": 0.9},
            ]
        )
        first = self.direct_invoice("2026-01-15", 100.0, currency=currency)
        second = self.direct_invoice("2026-02-15", 123.45, currency=currency)
        # 100 / 0.8 and 123.45 / 0.9 = 137.1666...
        self.assertEqual(
            (first.amount_untaxed_signed, second.amount_untaxed_signed), (125.0, 137.17)
        )
        self.nightly_run("2026-03-01")
        self.assertFacts({"order_count": 2, "invoice_orders": 2, "revenue": 262.17})

    def test_switching_direct_invoices_off_removes_their_revenue_at_the_next_run(self):
        self.order(self.customer, "2026-01-10", amount=1000.0)
        self.direct_invoice("2026-02-02", 300.0)
        self.nightly_run("2026-02-03")
        self.assertFacts({"order_count": 2, "invoice_orders": 1, "revenue": 1300.0})
        self.assertEqual(self.customer.lifecycle_stage_id, self.stage("customer"))

        settings = self.env["res.config.settings"].create({})
        self.assertTrue(settings.lifecycle_count_invoices)
        settings.lifecycle_count_invoices = False
        settings.execute()
        self.assertFalse(self.company.lifecycle_count_invoices)
        self.assertFalse(self.company.lifecycle_last_full_run, "the next run is a full one")
        report = self.nightly_run("2026-02-04")
        self.assertTrue(report["full"])
        self.assertFacts({"order_count": 1, "invoice_orders": 0, "revenue": 1000.0})
        self.assertEqual(self.customer.lifecycle_stage_id, self.stage("buyer"))
        # while off, a new direct invoice counts nothing, at once or at night
        self.direct_invoice("2026-02-05", 40.0)
        self.assertFacts({"order_count": 1, "revenue": 1000.0})

        settings = self.env["res.config.settings"].create({"lifecycle_count_invoices": True})
        settings.execute()
        self.assertFalse(self.company.lifecycle_last_full_run)
        self.nightly_run("2026-02-06")
        self.assertFacts({"order_count": 3, "invoice_orders": 2, "revenue": 1340.0})
        self.assertEqual(self.customer.lifecycle_stage_id, self.stage("customer"))

    def test_the_invoice_and_the_customer_value_analysis_show_the_invoice_revenue(self):
        invoice = self.direct_invoice("2026-01-15", 700.0)
        self.direct_invoice("2025-01-15", 300.0)
        self.nightly_run("2026-03-01")
        with freeze_time("2026-03-01"):
            self.assertRecordValues(
                invoice,
                [
                    {
                        "lifecycle_stage_id": self.stage("customer").id,
                        "lifecycle_revenue_total": 1000.0,
                        "lifecycle_revenue_12m": 700.0,
                    }
                ],
            )
            self.assertIn(
                "$\xa01,000.00 revenue", invoice.alerts["customer_lifecycle_value"]["message"]
            )
        row = self.env["customer.lifecycle.value.report"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertRecordValues(
            row, [{"order_count": 2, "revenue_total": 1000.0, "revenue_12m": 700.0}]
        )


@tagged("post_install", "-at_install")
class TestHistoryAndBacktestCountInvoices(PurchaseCase):
    def test_the_backtest_counts_direct_invoices_as_purchases(self):
        self.direct_invoice("2025-10-01", 100.0)
        self.direct_invoice("2025-11-01", 100.0)
        self.direct_invoice("2026-01-20", 100.0)
        self.order(self.customer, "2026-01-27", amount=100.0)
        self.direct_invoice("2025-12-01", 100.0, move_type="out_refund")  # no purchase
        with freeze_time("2026-03-01"):
            wizard = self.env["customer.lifecycle.backtest"].create({"cutoff_date": "2026-01-01"})
            self.assertEqual(str(wizard.date_end), "2026-02-26")
            orders, recency, age, holdout = wizard._cohort()
            weeks = wizard._holdout_orders_per_week()
        self.assertEqual(
            (list(orders), list(recency), list(age), list(holdout)), ([2], [31], [92], [2])
        )
        self.assertEqual(weeks, {3: 1, 4: 1})

    def test_the_history_rebuilt_at_install_counts_direct_invoices(self):
        with deferred_reevaluation():
            with freeze_time("2022-12-01"):
                customer = self.Partner.create({"name": "Officina Rossi"})
            self.direct_invoice("2023-01-10", 100.0, partner=customer)
            self.direct_invoice("2023-02-10", 100.0, partner=customer)
            # a credit note is no purchase: no move of its own
            self.direct_invoice("2023-02-20", 30.0, partner=customer, move_type="out_refund")
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner SET lifecycle_stage_id = NULL, lifecycle_stage_date = NULL "
                "WHERE id = %s",
                customer.id,
            )
        )
        self.env.invalidate_all()
        with freeze_time("2023-03-01 12:00:00"):
            post_init_hook(self.env)
        history = self.env["customer.lifecycle.history"].search(
            [("partner_id", "=", customer.id)], order="date, id"
        )
        self.assertEqual(
            [(h.stage_from_id.code, h.stage_to_id.code, str(h.date), h.trigger) for h in history],
            [
                ("potential", "buyer", "2023-01-10 00:00:00", "order"),
                ("buyer", "customer", "2023-02-10 00:00:00", "order"),
            ],
        )
        self.assertTrue(all(history.mapped("reconstructed")))
        self.assertEqual(str(customer.lifecycle_stage_date), "2023-02-10 00:00:00")
