"""Customer value where accountants work: payment behaviour from posted invoices, the figures on
the invoice and in the partner's Invoicing tab, and what an accountant may do."""

from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import LifecycleCase


@tagged("post_install", "-at_install")
class TestPaymentBehaviour(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.Partner.create({"name": "Trattoria Da Gino"})
        cls.accountant = new_test_user(
            cls.env,
            login="clc_accountant",
            name="Agata Accountant",
            groups="account.group_account_invoice",
        )

    def pay(self, invoice, when, amount):
        with freeze_time(when):
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create({"payment_date": when, "amount": amount})._create_payments()

    def behaviour(self, partner=None):
        return self.env["customer.lifecycle.payment"].search(
            [("partner_id", "=", (partner or self.customer).id)]
        )

    def test_an_invoice_paid_ten_days_late_counts_ten_days(self):
        invoice = self.invoice("2026-01-01", "2026-01-31", 1000.0)
        self.pay(invoice, "2026-02-10", 1000.0)
        self.nightly_run("2026-03-01")
        row = self.behaviour()
        self.assertRecordValues(
            row,
            [
                {
                    "company_id": self.company.id,
                    "paid_invoice_count": 1,
                    "days_to_pay": 10.0,
                    "late_share": 100.0,
                    "overdue_amount": 0.0,
                    "overdue_since": False,
                }
            ],
        )
        with freeze_time("2026-03-01"):
            self.assertEqual(self.customer.get_lifecycle_company_value()["days_to_pay"], 10.0)

    def test_partial_payments_weigh_by_amount(self):
        invoice = self.invoice("2026-01-01", "2026-01-31", 1000.0)
        self.pay(invoice, "2026-01-21", 250.0)  # 10 days early
        self.pay(invoice, "2026-02-20", 750.0)  # 20 days late
        self.nightly_run("2026-03-01")
        # (250 x -10 + 750 x 20) / 1000
        self.assertEqual(self.behaviour().days_to_pay, 12.5)
        # an invoice on time alone: early days count as negative
        other = self.invoice("2026-01-05", "2026-02-04", 500.0)
        self.pay(other, "2026-01-30", 500.0)  # 5 days early
        self.nightly_run("2026-03-02")
        row = self.behaviour()
        self.assertEqual(row.paid_invoice_count, 2)
        self.assertEqual(row.late_share, 50.0)
        self.assertAlmostEqual(row.days_to_pay, round((12500 - 2500) / 1500, 1))

    def test_a_credit_note_is_not_a_late_payment(self):
        invoice = self.invoice("2026-01-01", "2026-01-31", 1000.0)
        self.pay(invoice, "2026-01-31", 700.0)  # on the day
        refund = self.invoice("2026-03-15", "2026-03-15", 300.0, move_type="out_refund")
        (invoice.line_ids | refund.line_ids).filtered(
            lambda line: line.display_type == "payment_term"
        ).reconcile()
        self.assertEqual(invoice.payment_state, "paid")
        self.nightly_run("2026-04-01")
        self.assertRecordValues(
            self.behaviour(),
            [{"paid_invoice_count": 1, "days_to_pay": 0.0, "late_share": 0.0}],
        )

    def test_overdue_in_a_foreign_currency_is_converted(self):
        eur = self.env.ref("base.EUR")
        eur.active = True
        self.env["res.currency.rate"].create(
            {
                "currency_id": eur.id,
                "name": "2026-01-01",
                "rate": 0.5,
                "company_id": self.company.id,
            }
        )
        self.invoice("2026-02-01", "2026-03-01", 1000.0, currency=eur)
        self.invoice("2026-02-15", "2026-04-15", 100.0)  # not due yet
        self.nightly_run("2026-03-20")
        self.assertRecordValues(
            self.behaviour(),
            [
                {
                    "paid_invoice_count": 0,
                    "overdue_amount": 2000.0,  # 1,000 EUR at 0.5 EUR per dollar
                    "overdue_since": date(2026, 3, 1),
                }
            ],
        )

    def test_a_second_run_writes_nothing_and_a_payment_is_seen_the_next_night(self):
        invoice = self.invoice("2026-01-01", "2026-01-31", 1000.0)
        self.nightly_run("2026-02-05")
        self.assertEqual(self.behaviour().overdue_amount, 1000.0)
        self.env.cr.execute("SELECT xmin FROM customer_lifecycle_payment")
        before = self.env.cr.fetchall()
        self.nightly_run("2026-02-05")
        self.env.cr.execute("SELECT xmin FROM customer_lifecycle_payment")
        self.assertEqual(self.env.cr.fetchall(), before, "an unchanged row was rewritten")
        self.pay(invoice, "2026-02-06", 1000.0)
        self.nightly_run("2026-02-07")
        self.assertRecordValues(
            self.behaviour(), [{"paid_invoice_count": 1, "overdue_amount": 0.0, "days_to_pay": 6.0}]
        )

    def test_only_invoices_paid_in_the_last_24_months_count(self):
        old = self.invoice("2023-06-01", "2023-07-01", 1000.0)
        self.pay(old, "2023-07-21", 1000.0)  # 20 days late, 32 months before the run
        inside = self.invoice("2024-03-01", "2024-03-05", 1000.0)
        self.pay(inside, "2024-03-15", 1000.0)  # 10 days late, 23.5 months before
        recent = self.invoice("2026-01-01", "2026-01-31", 500.0)
        self.pay(recent, "2026-01-31", 500.0)  # on the day
        self.nightly_run("2026-03-01")
        # (1,000 x 10 + 500 x 0) / 1,500; one of the two late
        self.assertRecordValues(
            self.behaviour(),
            [{"paid_invoice_count": 2, "days_to_pay": 6.7, "late_share": 50.0}],
        )

    def test_an_installment_falling_due_is_picked_up_by_a_daily_run(self):
        self.invoice("2026-01-05", "2026-02-03", 800.0)
        self.assertTrue(self.nightly_run("2026-02-01")["full"])
        self.assertFalse(self.behaviour(), "nothing paid, nothing due yet")
        daily = self.nightly_run("2026-02-05")
        self.assertFalse(daily["full"])
        self.assertRecordValues(
            self.behaviour(), [{"overdue_amount": 800.0, "overdue_since": date(2026, 2, 3)}]
        )

    def test_the_accountant_sees_the_figures_on_the_invoice_not_the_funnel_actions(self):
        first = self.order(self.customer, "2026-01-02", amount=1000.0)
        second = self.order(self.customer, "2026-01-20", amount=500.0)
        invoice = self.invoice_of(first, "2026-01-02", "2026-01-31")
        self.pay(invoice, "2026-02-04", 1000.0)
        self.invoice_of(second, "2026-02-01", "2026-02-15", amount=200.0)
        self.nightly_run("2026-03-01")
        with freeze_time("2026-03-01"):
            move = invoice.with_user(self.accountant)
            self.assertFalse(self.accountant.has_group("customer_lifecycle.group_lifecycle_user"))
            self.assertRecordValues(
                move,
                [
                    {
                        "lifecycle_stage_id": self.stage("customer").id,
                        "lifecycle_revenue_total": 1500.0,
                        "lifecycle_revenue_12m": 1500.0,
                        "lifecycle_days_to_pay": 4.0,
                        "lifecycle_overdue_amount": 200.0,
                    }
                ],
            )
            alert = move.alerts["customer_lifecycle_value"]
            self.assertIn("Customer", alert["message"])
            self.assertIn("pays 4.0 days late on average", alert["message"])
            self.assertEqual(alert["action"]["res_id"], self.customer.id)
            # the Invoicing tab of the partner, for the accountant
            partner = self.customer.with_user(self.accountant)
            value = partner.get_lifecycle_company_value()
            self.assertEqual(
                {key: value[key] for key in ("stage", "revenue_total", "days_to_pay")},
                {"stage": self.stage("customer").name, "revenue_total": 1500.0, "days_to_pay": 4.0},
            )
            self.assertEqual(
                (value["overdue_amount"], value["overdue_since"]), (200.0, "2026-02-15")
            )
            arch = partner.get_views([(False, "form")])["views"]["form"]["arch"]
            self.assertIn('widget="lifecycle_company_value"', arch)
            # grouped by the customer's stage in the invoice list
            groups = (
                self.env["account.move"]
                .with_user(self.accountant)
                .formatted_read_group(
                    [("partner_id", "=", self.customer.id), ("move_type", "=", "out_invoice")],
                    ["lifecycle_stage_id"],
                    ["__count"],
                )
            )
            self.assertEqual(groups[0]["lifecycle_stage_id"][0], self.stage("customer").id)
            self.assertEqual(groups[0]["__count"], 2)
            with self.assertRaises(AccessError):
                partner.action_lifecycle_set_stage(self.stage("fan").id)
            with self.assertRaises(AccessError):
                self.env["customer.lifecycle.history"].with_user(self.accountant).search([])

    def test_each_company_sees_its_own_figures_never_a_sum(self):
        other = self.env["res.company"].create({"name": "Gino Export"})
        self.env.user.company_ids |= other
        here = self.order(self.customer, "2026-01-01", amount=1000.0)
        self.invoice_of(here, "2026-01-01", "2026-01-31")
        with freeze_time("2026-01-01"):
            self.env["account.chart.template"].try_loading("generic_coa", other, install_demo=False)
            Order = self.env["sale.order"].with_company(other)
            order = Order.create(
                {
                    "partner_id": self.customer.id,
                    "company_id": other.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.product.id,
                                "price_unit": 300.0,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
            order.action_confirm()
        foreign = self.invoice_of(order.with_company(other), "2026-01-01", "2026-01-15")
        self.nightly_run("2026-03-01")
        self.assertEqual(len(self.behaviour()), 2)
        with freeze_time("2026-03-01"):
            here = self.customer.with_company(self.company).get_lifecycle_company_value()
            there = self.customer.with_company(other).get_lifecycle_company_value()
            self.assertEqual((here["overdue_amount"], there["overdue_amount"]), (1000.0, 300.0))
            self.assertEqual((here["revenue_total"], there["revenue_total"]), (1000.0, 300.0))
            self.assertEqual(there["currency_id"], other.currency_id.id)
            # the stored lifecycle figures are the lifecycle company's alone
            self.assertEqual(self.customer.lifecycle_revenue_total, 1000.0)
            self.assertEqual(self.customer.lifecycle_order_count, 1)
            self.assertRecordValues(
                foreign, [{"lifecycle_overdue_amount": 300.0, "lifecycle_revenue_total": 300.0}]
            )


@tagged("post_install", "-at_install")
class TestCustomerValueAnalysis(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Report = cls.env["customer.lifecycle.value.report"]

    def test_ten_customers_give_exact_concentration_figures(self):
        customers = self.Partner.create([{"name": f"Bar {n}"} for n in range(1, 11)])
        for n, customer in enumerate(customers, start=1):
            self.order(customer, "2026-02-01", amount=100.0 * n)  # 100 ... 1,000
        lapsed = self.Partner.create({"name": "Bar Chiuso"})
        self.order(lapsed, "2024-01-10", amount=50_000.0)  # not in the last 12 months
        self.nightly_run("2026-03-01")
        summary = self.Report.get_concentration([("partner_id", "in", (customers | lapsed).ids)])
        self.assertEqual(summary["customers"], 10)
        self.assertEqual(summary["revenue"], 5500.0)
        self.assertEqual(summary["top_fifth_count"], 2)
        self.assertEqual(summary["top_fifth_share"], 34.5)  # 1,900 / 5,500
        self.assertEqual(summary["top_ten_share"], 100.0)
        self.assertEqual(summary["largest_share"], 18.2)  # 1,000 / 5,500
        self.assertEqual(summary["largest_name"], "Bar 10")
        # the search narrows it: the five smallest
        summary = self.Report.get_concentration([("partner_id", "in", customers[:5].ids)])
        self.assertEqual(summary["top_fifth_share"], 33.3)  # 500 / 1,500
        # seven customers: the top fifth is 2 of them (rounded up), 1,300 / 2,800
        summary = self.Report.get_concentration([("partner_id", "in", customers[:7].ids)])
        self.assertEqual(summary["top_fifth_count"], 2)
        self.assertEqual(summary["top_fifth_share"], 46.4)
        self.assertEqual(summary["largest_share"], 25.0)  # 700 / 2,800

    def test_the_analysis_totals_equal_the_customers_stored_figures(self):
        customers = self.Partner.create([{"name": f"Hotel {n}"} for n in range(4)])
        for n, customer in enumerate(customers):
            self.order(customer, "2025-01-15", amount=300.0 + n)
            self.order(customer, "2026-02-10", amount=200.0 * n + 1)
        self.order(customers[0], "2026-02-11", amount=80.0, state="cancel")
        self.nightly_run("2026-03-01")
        totals = self.Report._read_group(
            [("partner_id", "in", customers.ids)],
            [],
            ["revenue_total:sum", "revenue_12m:sum", "margin:sum", "customer_count:sum"],
        )[0]
        self.assertEqual(
            list(totals),
            [
                sum(customers.mapped("lifecycle_revenue_total")),
                sum(customers.mapped("lifecycle_revenue_12m")),
                sum(customers.mapped("lifecycle_margin")),
                4,
            ],
        )
        self.assertEqual(totals[0], sum(300.0 + n + 200.0 * n + 1 for n in range(4)))
        # known values, not only the stored ones: 12 months back from 2026-03-01 holds the
        # February orders (1 + 201 + 401 + 601); margin is each order less its cost of 60
        self.assertEqual(list(totals[1:]), [1204.0, 2410.0 - 8 * 60.0, 4])
        row = self.Report.search([("partner_id", "=", customers[0].id)])
        self.assertEqual(row.cancel_rate, customers[0].lifecycle_cancel_rate)
        self.assertEqual(row.lifecycle_stage_id, customers[0].lifecycle_stage_id)
        self.assertEqual(row.value_class, customers[0].lifecycle_value_class)

    def test_a_salesperson_reads_the_analysis_and_cannot_write_it(self):
        self.order(self.Partner.create({"name": "Pizzeria"}), "2026-02-01")
        self.nightly_run("2026-03-01")
        report = self.Report.with_user(self.salesperson)
        self.assertTrue(report.search([]))
        with self.assertRaises(AccessError):
            report.search([], limit=1).write({"revenue_12m": 1.0})
        with self.assertRaises(AccessError):
            self.Report.with_user(self.employee).search([])
