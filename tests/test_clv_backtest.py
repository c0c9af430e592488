"""The value model backtest: the model fitted on the orders before a past cut-off date, its
forecast compared with what the customers then ordered, and who may run it."""

from datetime import date, datetime, time, timedelta
from itertools import pairwise

import numpy as np
from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.customer_lifecycle.wizard.customer_lifecycle_backtest import naive_forecast

from .common import LifecycleCase

TODAY = date(2025, 7, 1)
CUTOFF = TODAY - timedelta(weeks=26)  # 2024-12-31, the wizard's default
HISTORY_START = date(2024, 1, 8)


INTERVALS = [21, 30, 45, 60, 90, 120]


def schedule(index):
    """The order days of the index-th generated customer, at a regular pace of 3 weeks to 4
    months: one in three keeps ordering until today, the others stop after 1 to 4 orders.
    Both kinds are needed: the model learns from their mix how often customers stop."""
    first = HISTORY_START + timedelta(days=(index * 37) % 330)
    interval = INTERVALS[(index * 5) % len(INTERVALS)]
    count = 20 if index % 3 == 0 else 1 + index % 4
    days = [first + timedelta(days=k * interval) for k in range(count)]
    return [day for day in days if day < TODAY]


@tagged("post_install", "-at_install")
class TestClvBacktest(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.days = {}
        for index in range(36):
            customer = cls.Partner.create({"name": f"Backtest Customer {index:02d}"})
            cls.days[customer] = schedule(index)
        # New after the cut-off: not in the cohort, whatever it ordered since.
        cls.newcomer = cls.Partner.create({"name": "Late Newcomer"})
        cls.days[cls.newcomer] = [date(2025, 2, 3), date(2025, 3, 3), date(2025, 5, 5)]
        # Orders by a contact count for its company.
        cls.company_customer = cls.Partner.create({"name": "Bar Centrale", "is_company": True})
        cls.contact = cls.Partner.create({"name": "Lucia", "parent_id": cls.company_customer.id})
        cls.days[cls.company_customer] = [date(2024, 9, 2), date(2024, 11, 4), date(2025, 1, 13)]
        # The history is built once for all the tests. The generated customers' orders are
        # created and confirmed in one batch (the order helper, under freezegun, takes 0.1 s an
        # order), then dated; the special cases below go through the helper.
        generated = [customer for customer in cls.days if customer != cls.company_customer]
        cls.confirm_orders_on(generated)
        for day in cls.days[cls.company_customer]:
            cls.order(cls, cls.contact, day)
        # Neither a cancelled order nor a quotation is an order.
        cls.order(cls, cls.company_customer, date(2025, 2, 10), state="cancel")
        cls.order(cls, cls.company_customer, date(2025, 3, 10), state="draft")
        cls.manager = cls.sales_manager

    @classmethod
    def confirm_orders_on(cls, customers):
        """One confirmed order of each customer on each of its days of cls.days."""
        vals_list = [
            {
                "partner_id": customer.id,
                "order_line": [
                    Command.create(
                        {"product_id": cls.product.id, "product_uom_qty": 1, "price_unit": 100}
                    )
                ],
            }
            for customer in customers
            for _day in cls.days[customer]
        ]
        orders = cls.env["sale.order"].create(vals_list)
        orders.action_confirm()
        days = [day for customer in customers for day in cls.days[customer]]
        for order, day in zip(orders, days, strict=True):
            order.date_order = datetime.combine(day, time(10))

    def cohort(self):
        """{customer: (orders before the cut-off, orders in the test period)}, from the test's
        own schedule."""
        return {
            customer: (
                sum(day < CUTOFF for day in days),
                sum(CUTOFF <= day < TODAY for day in days),
            )
            for customer, days in self.days.items()
            if days and days[0] < CUTOFF
        }

    def run_backtest(self, **vals):
        with freeze_time(TODAY):
            backtest = self.env["customer.lifecycle.backtest"].with_user(self.manager).create(vals)
            backtest.action_compute()
        return backtest

    def test_history_covers_the_cases(self):
        """The generated history has one-time buyers, customers who stopped and customers who
        kept ordering through the test period."""
        cohort = self.cohort()
        self.assertIn((1, 0), cohort.values())
        self.assertTrue(any(before > 1 and not after for before, after in cohort.values()))
        self.assertTrue(any(before > 1 and after > 1 for before, after in cohort.values()))
        self.assertGreaterEqual(len(cohort), 30)

    def test_cohort_and_totals(self):
        backtest = self.run_backtest()
        cohort = self.cohort()
        self.assertEqual(backtest.cutoff_date, CUTOFF)
        self.assertEqual(backtest.holdout_weeks, 26)
        self.assertEqual(backtest.state, "done", backtest.message)
        self.assertNotIn(self.newcomer, cohort)
        self.assertEqual(backtest.customer_count, len(cohort))
        self.assertEqual(
            backtest.repeat_customer_count,
            sum(before > 1 for before, _after in cohort.values()),
        )
        actual = sum(after for _before, after in cohort.values())
        self.assertEqual(backtest.actual_orders, actual)
        self.assertGreater(backtest.predicted_orders, 0)
        self.assertAlmostEqual(
            backtest.difference_percent,
            100 * (backtest.predicted_orders - actual) / actual,
            delta=0.1,
        )
        self.assertGreater(backtest.param_r, 0)
        self.assertGreater(backtest.param_alpha, 0)
        self.assertGreater(backtest.param_a, 0)
        self.assertGreater(backtest.param_b, 0)
        self.assertTrue(backtest.conclusion)

    def test_weekly_curve(self):
        backtest = self.run_backtest()
        predicted = backtest.week_ids.filtered(lambda line: line.series == "predicted")
        actual = backtest.week_ids.filtered(lambda line: line.series == "actual")
        self.assertEqual(predicted.mapped("week"), list(range(1, 27)))
        self.assertEqual(actual.mapped("week"), list(range(1, 27)))
        self.assertEqual(actual[0].date_start, CUTOFF)
        self.assertEqual(actual[-1].date_start, CUTOFF + timedelta(weeks=25))
        cumulative = predicted.mapped("cumulative_orders")
        self.assertTrue(all(b >= a for a, b in pairwise(cumulative)))
        self.assertAlmostEqual(cumulative[-1], backtest.predicted_orders, delta=0.1)
        for before, line in zip([0.0, *cumulative], predicted, strict=False):
            self.assertAlmostEqual(line.orders, line.cumulative_orders - before, delta=0.11)
        # The cancelled order and the quotation of the test period are not counted.
        self.assertEqual(actual[-1].cumulative_orders, backtest.actual_orders)
        self.assertEqual(sum(actual.mapped("orders")), backtest.actual_orders)
        # Week 7 starts on 2025-02-11: the newcomer's orders are never counted, the contact's
        # order of 2025-01-13 is counted in week 2 for its company.
        week_2 = sum(
            CUTOFF + timedelta(weeks=1) <= day < CUTOFF + timedelta(weeks=2)
            for customer, days in self.days.items()
            if customer in self.cohort()
            for day in days
        )
        self.assertGreaterEqual(week_2, 1)
        self.assertEqual(actual[1].orders, week_2)

        action = backtest.with_user(self.manager).action_open_weeks()
        self.assertEqual(action["res_model"], "customer.lifecycle.backtest.week")
        self.assertEqual(
            self.env["customer.lifecycle.backtest.week"].search(action["domain"]),
            backtest.week_ids,
        )

    def test_errors_per_customer(self):
        backtest = self.run_backtest()
        horizon = 7 * 26
        # A customer who ordered on 2024-07-01, 2024-09-01 and 2024-11-01 had 2 repeat orders
        # in the 183 days from its first order to the cut-off of 2024-12-31: "same as before"
        # expects 2 / 183 per day, so 2 * 182 / 183 over the test period.
        forecast = naive_forecast(np.array([2.0, 0.0]), np.array([183.0, 40.0]), horizon)
        self.assertAlmostEqual(forecast[0], 2 * 182 / 183)
        self.assertEqual(forecast[1], 0.0)

        errors = []
        for days in self.days.values():
            if days[0] >= CUTOFF:
                continue
            before = [day for day in days if day < CUTOFF]
            after = sum(CUTOFF <= day < TODAY for day in days)
            repeat = len(before) - 1
            age = (CUTOFF - before[0]).days
            errors.append(abs(repeat * horizon / age - after))
        self.assertAlmostEqual(backtest.naive_mae, sum(errors) / len(errors), delta=0.005)
        self.assertGreater(backtest.model_mae, 0)
        # The model's error is |forecast - actual| per customer, so its mean is at least the
        # gap between the totals, spread over the cohort.
        self.assertGreaterEqual(
            backtest.model_mae + 1e-9,
            abs(backtest.predicted_orders - backtest.actual_orders) / backtest.customer_count,
        )
        better = "model was more" if backtest.model_mae < backtest.naive_mae else "naive forecast"
        self.assertIn(better, backtest.conclusion)

    def test_not_enough_history(self):
        # On 2024-02-01 four customers had ordered, one of them twice.
        backtest = self.run_backtest(cutoff_date=date(2024, 2, 1))
        self.assertEqual(backtest.state, "failed")
        self.assertIn("Not enough history before the cut-off", backtest.message)
        self.assertIn("there were 1.", backtest.message)
        self.assertEqual(backtest.customer_count, 4)
        self.assertFalse(backtest.week_ids)
        self.assertFalse(backtest.predicted_orders)
        self.assertFalse(backtest.model_mae)

    def test_rerun_replaces_the_weeks(self):
        backtest = self.run_backtest()
        with freeze_time(TODAY):
            backtest.cutoff_date = TODAY - timedelta(weeks=10)
            backtest.action_compute()
        self.assertEqual(backtest.holdout_weeks, 10)
        self.assertEqual(len(backtest.week_ids), 20)

    def test_salesperson_cannot_run_it(self):
        with freeze_time(TODAY), self.assertRaises(AccessError):
            self.env["customer.lifecycle.backtest"].with_user(self.salesperson).create({})
