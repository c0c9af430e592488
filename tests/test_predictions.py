"""Probability still active and predicted value (issue 8), computed by the nightly run from the
company's orders: nothing until the history is long enough (and the form says why), then per
customer; a fit that fails keeps the last parameters; the lost rule may use the probability."""

from datetime import date, timedelta
from unittest.mock import patch

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from odoo.addons.customer_lifecycle.tools import clv_model

from .common import LifecycleCase

RUN_DAY = "2026-06-30"


@tagged("post_install", "-at_install")
class TestPredictions(LifecycleCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the same customers and orders for every test (each test's changes are rolled back)
        names = [f"Regular {n}" for n in range(8)] + [f"Once {n}" for n in range(6)]
        names += [f"Twice {n}" for n in range(6)]
        cls.people = dict(zip(names, cls.Partner.create([{"name": n} for n in names]), strict=True))
        start = date(2025, 7, 1)
        for n in range(8):
            # four buy every month to this day, four stopped in November
            last = date(2026, 6, 15) if n < 4 else date(2025, 11, 1)
            day, k = start + timedelta(days=3 * n), 0
            while day <= last:
                # amounts that vary from order to order, around a level of each customer's own
                amount = (100.0 + 25 * n) * (0.7 + 0.15 * (k % 5))
                cls.order_in(cls.env, cls.people[f"Regular {n}"], day.isoformat(), amount=amount)
                day, k = day + timedelta(days=30), k + 1
        for n in range(6):
            once = date(2025, 8, 10) + timedelta(days=30 * n)
            cls.order_in(cls.env, cls.people[f"Once {n}"], once.isoformat(), amount=80.0)
            twice = date(2025, 7, 20) + timedelta(days=30 * n)
            cls.order_in(cls.env, cls.people[f"Twice {n}"], twice.isoformat(), amount=50.0 + 15 * n)
            later = twice + timedelta(days=90)
            cls.order_in(cls.env, cls.people[f"Twice {n}"], later.isoformat(), amount=80.0 + 25 * n)

    def enough_history(self):
        self.company.write(
            {
                "lifecycle_prediction_min_customers": 10,
                "lifecycle_prediction_min_repeat": 5,
                "lifecycle_prediction_min_months": 6,
            }
        )

    def test_nothing_is_predicted_before_enough_history_and_the_form_says_why(self):
        self.nightly_run(RUN_DAY)
        regular = self.people["Regular 0"]
        self.assertIn("100 customers with orders", self.company.lifecycle_prediction_status)
        self.assertIn("it has 20, 14 and 11", self.company.lifecycle_prediction_status)
        form = self.Partner.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("Nothing is predicted yet", form)
        self.assertFalse(regular.lifecycle_probability_active)
        self.assertFalse(regular.lifecycle_predicted_revenue_12m)

    def test_a_fitted_model_predicts_and_a_failed_fit_keeps_the_last_one(self):
        self.enough_history()
        self.nightly_run(RUN_DAY)
        self.assertFalse(self.company.lifecycle_prediction_status)
        params = self.company.lifecycle_prediction_params
        self.assertEqual(set(params["purchases"]), {"r", "alpha", "a", "b"})
        self.assertEqual(params["customers"], 20)
        active, silent, once = (self.people[n] for n in ("Regular 0", "Regular 4", "Once 0"))
        self.assertGreater(active.lifecycle_probability_active, silent.lifecycle_probability_active)
        self.assertEqual(once.lifecycle_probability_active, 1.0, "the model keeps one-time buyers")
        self.assertGreater(active.lifecycle_expected_orders_12m, 5)
        self.assertLess(silent.lifecycle_expected_orders_12m, active.lifecycle_expected_orders_12m)
        self.assertAlmostEqual(
            active.lifecycle_total_value,
            active.lifecycle_revenue_total + active.lifecycle_predicted_revenue_12m,
        )
        # contacts show their company's figures
        contact = self.Partner.create({"name": "Ada at Regular 0", "parent_id": active.id})
        self.assertEqual(contact.lifecycle_probability_active, active.lifecycle_probability_active)
        self.assertEqual(contact.lifecycle_order_count, 12)
        # the analysis shows them too
        row = self.env["customer.lifecycle.value.report"].search([("partner_id", "=", active.id)])
        self.assertEqual(row.predicted_revenue_12m, active.lifecycle_predicted_revenue_12m)

        failed = clv_model.Fit(params=None, log_likelihood=float("nan"), converged=False,
                               message="test: no convergence")  # fmt: skip
        self.company.lifecycle_last_full_run = False  # the weekly run fits again
        with (
            patch.object(clv_model, "fit_bgnbd", return_value=failed),
            self.assertLogs("odoo.addons.customer_lifecycle", "WARNING") as logs,
        ):
            self.nightly_run("2026-07-01")
        self.assertIn("did not converge", logs.output[0])
        self.assertEqual(self.company.lifecycle_prediction_params, params)
        self.assertFalse(self.company.lifecycle_prediction_status)
        self.assertTrue(active.lifecycle_probability_active)

    def test_the_probability_rule_makes_silent_repeat_customers_lost(self):
        self.enough_history()
        self.company.write({"lifecycle_lost_rule": "probability", "lifecycle_lost_probability": 50})
        self.nightly_run(RUN_DAY)
        lost = self.stage("lost")
        for n in range(8):
            regular = self.people[f"Regular {n}"]
            self.assertEqual(regular.lifecycle_stage_id == lost, n >= 4, regular.name)
        self.assertEqual(self.history(self.people["Regular 4"])[-1].trigger, "schedule")
        # one-time buyers follow the days since their last order: lost after 180 days at least
        self.assertEqual(self.people["Once 0"].lifecycle_stage_id, lost)  # 324 days
        self.assertEqual(self.people["Once 5"].lifecycle_stage_id, self.stage("buyer"))  # 174 days
        # a second run the same day changes nothing
        again = self.nightly_run(RUN_DAY)
        self.assertEqual((again["rows"], again["stages"]), (0, 0))

    def test_prediction_settings_out_of_range_are_refused(self):
        Settings = self.env["res.config.settings"]
        for values, message in (
            ({"lifecycle_lost_probability": 0}, "between 0 and 100"),
            ({"lifecycle_lost_probability": 100}, "between 0 and 100"),
            ({"lifecycle_prediction_min_repeat": 0}, "at least 1 customer"),
        ):
            with (
                self.subTest(values=values),
                self.assertRaisesRegex(ValidationError, message),
                self.env.cr.savepoint(),
            ):
                Settings.create(values).execute()
            self.env.invalidate_all()

    def test_predicted_revenue_is_expected_orders_times_expected_spend(self):
        """Each customer's figures from the stored fit and its own history, in days: x repeat
        orders, t_x its age at the last one, T its age today, its mean order value."""
        self.enough_history()
        self.nightly_run(RUN_DAY)
        params = self.company.lifecycle_prediction_params
        purchases = clv_model.BgNbdParams(**params["purchases"])
        spend = clv_model.GammaGammaParams(**params["spend"])
        today = date.fromisoformat(RUN_DAY)
        for name in ("Regular 0", "Regular 5", "Twice 2", "Once 3"):
            person = self.people[name]
            first, last = person.lifecycle_first_order_date, person.lifecycle_last_order_date
            x, t_x = person.lifecycle_order_count - 1, (last - first).days
            age = (today - first).days
            mean = person.lifecycle_revenue_total / person.lifecycle_order_count
            orders = clv_model.expected_purchases(purchases, 365, x, t_x, age)[0]
            value = clv_model.expected_average_spend(spend, x, mean)[0]
            alive = clv_model.probability_alive(purchases, x, t_x, age)[0]
            with self.subTest(name=name):
                self.assertAlmostEqual(person.lifecycle_expected_orders_12m, orders, delta=0.05)
                self.assertAlmostEqual(
                    person.lifecycle_predicted_revenue_12m, orders * value, delta=0.5
                )
                if x:
                    self.assertAlmostEqual(person.lifecycle_probability_active, alive, delta=0.005)

    def test_no_fit_yet_is_retried_by_the_next_daily_run(self):
        first = self.nightly_run(RUN_DAY)
        self.assertTrue(first["full"])
        self.assertFalse(self.company.lifecycle_prediction_params, "not enough history")
        self.enough_history()
        daily = self.nightly_run("2026-07-01")
        self.assertFalse(daily["full"])
        self.assertEqual(self.company.lifecycle_prediction_params["customers"], 20)
        self.assertTrue(self.people["Regular 0"].lifecycle_expected_orders_12m)

    def test_an_order_is_scored_at_once_with_the_last_fit(self):
        self.enough_history()
        self.nightly_run(RUN_DAY)
        params = dict(self.company.lifecycle_prediction_params)
        once = self.people["Once 0"]  # first order 2025-08-10
        self.assertEqual(once.lifecycle_probability_active, 1.0)
        self.order(once, RUN_DAY, amount=120.0)
        purchases = clv_model.BgNbdParams(**params["purchases"])
        # now 1 repeat order at 324 days of age, today
        alive = clv_model.probability_alive(purchases, 1, 324, 324)[0]
        self.assertAlmostEqual(once.lifecycle_probability_active, alive, delta=0.005)
        self.assertEqual(self.company.lifecycle_prediction_params, params, "no new fit")

    def test_a_fit_at_the_homogeneous_limit_is_kept_and_scores(self):
        """a and b run off together (everyone drops out with probability 1/4): the model
        accepts the fit, and so must the engine, which then scores with its closed form."""
        self.enough_history()
        limit = clv_model.BgNbdParams(r=1.0, alpha=30.0, a=2e6, b=6e6)
        homogeneous = clv_model.Fit(limit, -1234.5, True, "precision loss")
        with patch.object(clv_model, "fit_bgnbd", return_value=homogeneous):
            self.nightly_run(RUN_DAY)
        self.assertFalse(self.company.lifecycle_prediction_status)
        self.assertEqual(
            self.company.lifecycle_prediction_params["purchases"],
            {"r": 1.0, "alpha": 30.0, "a": 2e6, "b": 6e6},
        )
        regular = self.people["Regular 0"]
        first, last = regular.lifecycle_first_order_date, regular.lifecycle_last_order_date
        x, t_x = regular.lifecycle_order_count - 1, (last - first).days
        age = (date.fromisoformat(RUN_DAY) - first).days
        orders = clv_model.expected_purchases(limit, 365, x, t_x, age)[0]
        self.assertTrue(0 < orders < 100)
        self.assertAlmostEqual(regular.lifecycle_expected_orders_12m, orders, delta=0.05)
