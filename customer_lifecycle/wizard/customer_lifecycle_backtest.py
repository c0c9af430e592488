"""How far to trust the value model: fit it on the orders placed before a past cut-off date, and
compare what it predicted with what the customers then did, week by week and per customer."""

import logging
from datetime import timedelta

import numpy as np

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date

from ..tools import clv_model

_logger = logging.getLogger(__name__)

# Below two repeat customers the BG/NBD likelihood has no meaningful maximum.
MIN_REPEAT_CUSTOMERS = 2
DEFAULT_HOLDOUT_WEEKS = 26

# The company's purchases before the end of the test period, of every kind the engine counts
# (confirmed sale orders, direct invoices, a bridge's orders: customer.lifecycle.fact.
# _purchases_query), by commercial partner.
PURCHASES = """
    SELECT p.partner_id, p.date_order
      FROM (%(purchases)s) p
     WHERE p.state = 'sale' AND p.company_id = %(company_id)s AND p.date_order < %(end)s
"""

# Per customer of the calibration cohort (first purchase before the cut-off), in days: the
# model's observation (calibration orders, first and last purchase before the cut-off) and the
# purchases of the holdout period [cut-off, end).
COHORT = """
    WITH purchases AS (%(purchases)s)
    SELECT o.partner_id,
           count(*) FILTER (WHERE o.date_order < %(cutoff)s) AS calibration_orders,
           %(cutoff)s::date - min(o.date_order)::date AS age,
           (max(o.date_order) FILTER (WHERE o.date_order < %(cutoff)s))::date
               - min(o.date_order)::date AS recency,
           count(*) FILTER (WHERE o.date_order >= %(cutoff)s) AS holdout_orders
      FROM purchases o
  GROUP BY o.partner_id
    HAVING min(o.date_order) < %(cutoff)s
"""

# The cohort's holdout purchases per week after the cut-off (week 1 = the first 7 days).
HOLDOUT_WEEKS = """
    WITH purchases AS MATERIALIZED (%(purchases)s),
    cohort AS (
        SELECT partner_id FROM purchases WHERE date_order < %(cutoff)s GROUP BY partner_id
    )
    SELECT (o.date_order::date - %(cutoff)s::date) / 7 + 1 AS week, count(*) AS orders
      FROM purchases o
      JOIN cohort ON cohort.partner_id = o.partner_id
     WHERE o.date_order >= %(cutoff)s
  GROUP BY 1
"""


def naive_forecast(frequency, age, horizon):
    """The "same as before" forecast of the orders in the next ``horizon`` days: each customer
    keeps the pace of its repeat orders so far, x / T per day (0 without repeat order)."""
    return np.divide(frequency * horizon, age, out=np.zeros_like(frequency), where=age > 0)


class CustomerLifecycleBacktest(models.TransientModel):
    _name = "customer.lifecycle.backtest"
    _description = "Customer Value Model Backtest"

    cutoff_date = fields.Date(
        string="Cut-off Date",
        required=True,
        default=lambda self: self._default_cutoff_date(),
        help="The model is fitted only on the orders placed before this date, as if today were "
        "this date. Its forecast is then compared with the orders customers really placed "
        "between this date and today.",
    )
    holdout_weeks = fields.Integer(
        string="Test Period (Weeks)",
        compute="_compute_holdout_weeks",
        help="Whole weeks from the cut-off date to today: the period over which the forecast is "
        "checked. The last, incomplete week is left out so that every week counts seven days.",
    )
    date_end = fields.Date(
        string="Test Period End",
        compute="_compute_holdout_weeks",
        help="The day after the last day of the test period.",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self._default_company_id(),
        help="Only the purchases made from this company are used: its confirmed sale orders, "
        "and the direct invoices and counter sales it counts as purchases.",
    )
    state = fields.Selection(
        [("draft", "Not Run"), ("done", "Done"), ("failed", "Not Enough History")],
        default="draft",
        readonly=True,
    )
    message = fields.Text(readonly=True)
    week_ids = fields.One2many(
        "customer.lifecycle.backtest.week", "backtest_id", string="Weeks", readonly=True
    )
    customer_count = fields.Integer(
        string="Customers",
        readonly=True,
        help="Customers who had bought at least once (a confirmed order, a counted invoice) before "
        "the cut-off date. "
        "Customers who ordered for the first time after it are left out: the model knew "
        "nothing about them.",
    )
    repeat_customer_count = fields.Integer(
        string="Repeat Customers",
        readonly=True,
        help="Customers who had ordered more than once before the cut-off date. The model "
        "learns how often customers come back, and when they stop, from them.",
    )
    predicted_orders = fields.Float(
        string="Forecast Orders",
        digits=(16, 1),
        readonly=True,
        help="How many orders the model, knowing only the history before the cut-off date, "
        "expected these customers to place during the test period.",
    )
    actual_orders = fields.Integer(
        string="Actual Orders",
        readonly=True,
        help="How many purchases these customers really made during the test period.",
    )
    difference_percent = fields.Float(
        string="Forecast Difference (%)",
        digits=(16, 1),
        readonly=True,
        help="How far the forecast total was from the actual total, in percent of the actual "
        "total: positive when the model expected more orders than came, negative when fewer.",
    )
    model_mae = fields.Float(
        string="Model Error per Customer",
        digits=(16, 2),
        readonly=True,
        help="On average, by how many orders the model's forecast for one customer missed what "
        "that customer really ordered during the test period (lower is better).",
    )
    naive_mae = fields.Float(
        string="Naive Error per Customer",
        digits=(16, 2),
        readonly=True,
        help="The same error for a simple rule of thumb: each customer keeps ordering at the "
        "pace it had before the cut-off date (customers who had ordered only once: no more "
        "orders). The model is worth its complexity when its error is lower than this one.",
    )
    conclusion = fields.Char(readonly=True)
    param_r = fields.Float(
        string="Purchase Rate Shape (r)",
        digits=(16, 4),
        readonly=True,
        help="Together with alpha, describes how often active customers buy: their average "
        "number of orders per day is r / alpha.",
    )
    param_alpha = fields.Float(
        string="Purchase Rate Scale (alpha, days)",
        digits=(16, 4),
        readonly=True,
        help="Together with r, describes how often active customers buy: their average number "
        "of orders per day is r / alpha.",
    )
    param_a = fields.Float(
        string="Dropout a",
        digits=(16, 4),
        readonly=True,
        help="Together with b, describes how likely customers are to stop buying after an "
        "order: on average a / (a + b).",
    )
    param_b = fields.Float(
        string="Dropout b",
        digits=(16, 4),
        readonly=True,
        help="Together with a, describes how likely customers are to stop buying after an "
        "order: on average a / (a + b).",
    )

    def _compute_display_name(self):
        for backtest in self:
            backtest.display_name = self.env._("Value Model Backtest")

    def _default_cutoff_date(self):
        return fields.Date.context_today(self) - timedelta(weeks=DEFAULT_HOLDOUT_WEEKS)

    def _default_company_id(self):
        # the lifecycle company, when the user works in it; else the user's current company
        lifecycle_company = self.env["res.company"]._lifecycle_company()
        return lifecycle_company if lifecycle_company in self.env.companies else self.env.company

    @api.depends("cutoff_date")
    def _compute_holdout_weeks(self):
        today = fields.Date.context_today(self)
        for backtest in self:
            weeks = 0
            if backtest.cutoff_date:
                weeks = max((today - backtest.cutoff_date).days // 7, 0)
            backtest.holdout_weeks = weeks
            backtest.date_end = (
                backtest.cutoff_date + timedelta(weeks=weeks) if backtest.cutoff_date else False
            )

    @api.onchange("cutoff_date")
    def _onchange_cutoff_date(self):
        # Results of another cut-off date would be misread as this one's.
        if self.state != "draft":
            self.state = "draft"

    # ------------------------------------------------------------------
    # ACTIONS
    # ------------------------------------------------------------------

    def action_compute(self):
        """Fit the model on the history before the cut-off date and compare its forecast with
        the orders of the test period."""
        self.ensure_one()
        if self.holdout_weeks < 1:
            raise UserError(self.env._("The cut-off date must be at least one week before today."))
        self.week_ids.unlink()
        self.write(self._run_backtest())
        return True

    def action_open_weeks(self):
        """The weekly curve of this backtest: forecast and actual repeat orders per week."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_lifecycle.customer_lifecycle_backtest_week_action"
        )
        action["domain"] = [("backtest_id", "=", self.id)]
        return action

    # ------------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------------

    def _query_params(self):
        purchases = SQL(
            PURCHASES,
            purchases=self.env["customer.lifecycle.fact"]._purchases_query(None),
            company_id=self.company_id.id,
            end=self.date_end,
        )
        return {"purchases": purchases, "cutoff": self.cutoff_date}

    def _cohort(self):
        """Per customer of the cohort: (calibration orders, recency, age, holdout orders), as
        four arrays, recency and age in days."""
        self.env.flush_all()  # the purchases are read from several models' tables
        rows = self.env.execute_query(SQL(COHORT, **self._query_params()))
        if not rows:
            return tuple(np.zeros(0) for _index in range(4))
        _partners, orders, age, recency, holdout = np.array(rows, dtype=float).T
        return orders, recency, age, holdout

    def _holdout_orders_per_week(self):
        """{week number: orders of the cohort in that week of the test period}."""
        return dict(self.env.execute_query(SQL(HOLDOUT_WEEKS, **self._query_params())))

    def _run_backtest(self):
        """The values of the wizard's results, and the weekly lines, for its cut-off date."""
        orders, recency, age, holdout = self._cohort()
        frequency = np.maximum(orders - 1, 0)
        values = {
            "customer_count": len(orders),
            "repeat_customer_count": int(np.count_nonzero(frequency)),
            "predicted_orders": 0.0,
            "actual_orders": int(holdout.sum()),
            "difference_percent": 0.0,
            "model_mae": 0.0,
            "naive_mae": 0.0,
            "conclusion": False,
            "param_r": 0.0,
            "param_alpha": 0.0,
            "param_a": 0.0,
            "param_b": 0.0,
        }
        cutoff = format_date(self.env, self.cutoff_date)
        if values["repeat_customer_count"] < MIN_REPEAT_CUSTOMERS:
            message = self.env._(
                "Not enough history before the cut-off: to learn how often customers come back, "
                "the model needs at least %(minimum)s customers who ordered more than once "
                "before %(date)s, and there were %(repeat)s. Choose a later cut-off date.",
                repeat=values["repeat_customer_count"],
                date=cutoff,
                minimum=MIN_REPEAT_CUSTOMERS,
            )
            return {**values, "state": "failed", "message": message}
        fit = clv_model.fit_bgnbd(frequency, recency, age)
        if not fit.converged:
            _logger.info("Backtest at %s: the BG/NBD fit failed: %s", cutoff, fit.message)
            message = self.env._(
                "Not enough history before the cut-off: the model could not be fitted to the "
                "orders of the %(count)s customers who had ordered before %(date)s (their "
                "history does not show a clear buying pattern yet). Choose a later cut-off date.",
                count=values["customer_count"],
                date=cutoff,
            )
            return {**values, "state": "failed", "message": message}

        params = fit.params
        horizon = 7 * self.holdout_weeks
        expected = clv_model.expected_purchases(params, horizon, frequency, recency, age)
        naive = naive_forecast(frequency, age, horizon)
        model_mae = float(np.mean(np.abs(expected - holdout)))
        naive_mae = float(np.mean(np.abs(naive - holdout)))
        predicted = float(expected.sum())
        actual = values["actual_orders"]
        values.update(
            predicted_orders=predicted,
            difference_percent=100.0 * (predicted - actual) / actual if actual else 0.0,
            model_mae=model_mae,
            naive_mae=naive_mae,
            conclusion=self._conclusion(model_mae, naive_mae),
            param_r=params.r,
            param_alpha=params.alpha,
            param_a=params.a,
            param_b=params.b,
            state="done",
            message=False,
        )
        self.env["customer.lifecycle.backtest.week"].create(
            self._week_values(params, frequency, recency, age)
        )
        return values

    def _week_values(self, params, frequency, recency, age):
        """Two lines per week of the test period: the cohort's forecast and actual orders."""
        # Customers with the same history in days have the same forecast: compute it once.
        rows, weights = np.unique(
            np.column_stack([frequency, recency, age]), axis=0, return_counts=True
        )
        actual_per_week = self._holdout_orders_per_week()
        vals_list = []
        predicted_before = 0.0
        actual_cumulative = 0
        for week in range(1, self.holdout_weeks + 1):
            predicted_cumulative = float(
                weights @ clv_model.expected_purchases(params, 7 * week, *rows.T)
            )
            actual = actual_per_week.get(week, 0)
            actual_cumulative += actual
            common = {
                "backtest_id": self.id,
                "week": week,
                "date_start": self.cutoff_date + timedelta(weeks=week - 1),
            }
            vals_list += [
                {
                    **common,
                    "series": "predicted",
                    "orders": predicted_cumulative - predicted_before,
                    "cumulative_orders": predicted_cumulative,
                },
                {
                    **common,
                    "series": "actual",
                    "orders": actual,
                    "cumulative_orders": actual_cumulative,
                },
            ]
            predicted_before = predicted_cumulative
        return vals_list

    def _conclusion(self, model_mae, naive_mae):
        """One sentence: which forecast came closer to what customers did."""
        if np.isclose(model_mae, naive_mae):
            return self.env._("The model and the naive forecast were equally accurate.")
        if model_mae < naive_mae:
            return self.env._(
                "The model was more accurate than the naive forecast: its error per customer is "
                "%(percent)s%% smaller.",
                percent=round(100.0 * (naive_mae - model_mae) / naive_mae),
            )
        if not naive_mae:
            return self.env._(
                "The naive forecast was exact and the model was not: treat its forecasts with "
                "caution."
            )
        return self.env._(
            "The naive forecast was more accurate than the model: the model's error per customer "
            "is %(percent)s%% larger. Treat its forecasts with caution.",
            percent=round(100.0 * (model_mae - naive_mae) / naive_mae),
        )


class CustomerLifecycleBacktestWeek(models.TransientModel):
    _name = "customer.lifecycle.backtest.week"
    _description = "Customer Value Model Backtest Week"
    _order = "backtest_id, week, series desc"

    backtest_id = fields.Many2one(
        "customer.lifecycle.backtest", string="Backtest", required=True, ondelete="cascade"
    )
    week = fields.Integer(
        required=True, help="Week of the test period: week 1 starts on the cut-off date."
    )
    date_start = fields.Date(string="Week Start")
    series = fields.Selection(
        [("predicted", "Forecast"), ("actual", "Actual")],
        required=True,
        help="Forecast: what the model expected, knowing only the orders before the cut-off "
        "date. Actual: what the customers really ordered.",
    )
    orders = fields.Float(
        string="Repeat Orders",
        digits=(16, 1),
        aggregator="sum",
        help="Orders of the customers of the backtest in this week.",
    )
    cumulative_orders = fields.Float(
        string="Cumulative Repeat Orders",
        digits=(16, 1),
        # The total at the end of the period, when the weeks are grouped together.
        aggregator="max",
        help="Orders of the customers of the backtest from the cut-off date to the end of this "
        "week.",
    )
