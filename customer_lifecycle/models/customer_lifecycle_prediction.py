"""The predictions (customer.lifecycle.prediction): each customer's probability of still
buying, expected orders and revenue over the next 12 months, from the purchase (BG/NBD) and
spend (Gamma-Gamma) models of tools/clv_model.py fitted on the lifecycle company's order facts.
They live for one run in the temporary table clc_prediction, which the classification reads."""

import io
import logging

import numpy as np

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import clv_model

_logger = logging.getLogger(__name__)

# What the purchase and spend models see of each customer who ordered in the lifecycle company,
# in days: repeat orders, age at the last order, age today, mean order value.
OBSERVATIONS = """
    SELECT f.partner_id, f.order_count - 1,
           f.last_order::date - f.first_order::date,
           %(today)s::date - f.first_order::date,
           f.revenue::float8 / f.order_count
      FROM customer_lifecycle_fact f
      JOIN (%(population)s) p ON p.id = f.partner_id
     WHERE f.company_id = %(company_id)s AND f.order_count > 0
"""
PREDICTION_DAYS = 365
DAYS_PER_MONTH = 365.25 / 12


class CustomerLifecyclePrediction(models.AbstractModel):
    """Fills clc_prediction for the engine's run (_predict), fitting the models once a week
    (_fit_models) and saying on the company why nothing is predicted."""

    _name = "customer.lifecycle.prediction"
    _description = "Customer Lifecycle Predictions"

    @api.model
    def _predict(self, ids, company, fit=False):
        """Fill clc_prediction with each customer's probability of still buying, expected
        orders and revenue in the next 12 months, and (with the probability lost rule) the age
        at which a repeat customer became lost. fit: the weekly full run (ids None) fits the
        models first; the daily runs and the re-evaluation of a few customers use the last fit."""
        cr = self.env.cr
        self.env["customer.lifecycle.engine"]._create_work_table(
            "clc_prediction",
            SQL(
                "partner_id int4 PRIMARY KEY, predicted_probability float8, "
                "predicted_orders float8, predicted_revenue float8, lost_age float8"
            ),
        )
        fit = fit or (ids is None and not company.lifecycle_prediction_params)
        params = not company.lifecycle_prediction_status and company.lifecycle_prediction_params
        if not (fit or params):  # nothing to fit, nothing to score with: no need to read
            return
        cr.execute(
            SQL(
                OBSERVATIONS,
                today=fields.Date.context_today(self),
                company_id=company.id,
                population=self.env["customer.lifecycle.fact"]._population_query(ids),
            )
        )
        observed = np.array(cr.fetchall(), dtype=float).reshape(-1, 5).T
        if fit:
            params = self._fit_models(company, *observed[1:])
        if not params or not observed.shape[1]:
            return
        partner_ids, x, t_x, age, mean_value = observed
        purchases = clv_model.BgNbdParams(**params["purchases"])
        spend = clv_model.GammaGammaParams(**params["spend"])
        probability = clv_model.probability_alive(purchases, x, t_x, age)
        orders = clv_model.expected_purchases(purchases, PREDICTION_DAYS, x, t_x, age)
        revenue = orders * clv_model.expected_average_spend(
            spend, x, np.maximum(np.nan_to_num(mean_value), 0.0)
        )
        lost_age = np.full_like(x, np.nan)
        if company.lifecycle_lost_rule == "probability":
            lost_age = clv_model.lost_age(
                purchases, company.lifecycle_lost_probability / 100, x, t_x
            )
        self._copy_predictions(partner_ids, probability, orders, revenue, lost_age)

    @api.model
    def _copy_predictions(self, partner_ids, *values):
        """COPY the predictions into clc_prediction in PostgreSQL's binary format, built by
        numpy in one go: formatting 100,000 rows of floats as text took a second in Python.
        Every row has the same width, so a value that is not finite is sent as NaN (not as
        NULL, which would change the row's width); the classification reads NaN as NULL."""
        fields_ = [("count", ">i2"), ("id_size", ">i4"), ("id", ">i4")]
        for index in range(len(values)):
            fields_ += [(f"size_{index}", ">i4"), (f"value_{index}", ">f8")]
        rows = np.zeros(len(partner_ids), dtype=np.dtype(fields_))
        rows["count"], rows["id_size"], rows["id"] = 1 + len(values), 4, partner_ids
        for index, value in enumerate(values):
            rows[f"size_{index}"] = 8
            rows[f"value_{index}"] = np.where(np.isfinite(value), value, np.nan)
        # the signature, no flags, no header extension; the rows; the end of the data
        data = b"PGCOPY\n\xff\r\n\x00" + bytes(8) + rows.tobytes() + b"\xff\xff"
        self.env.cr._obj.copy_expert(
            "COPY clc_prediction (partner_id, predicted_probability, predicted_orders, "
            "predicted_revenue, lost_age) FROM STDIN WITH (FORMAT binary)",
            io.BytesIO(data),
        )

    @api.model
    def _fit_models(self, company, x, t_x, age, mean_value):
        """Fit the purchase (BG/NBD) and spend (Gamma-Gamma) models on these observations when
        the history is long enough; store the parameters and why nothing is predicted on the
        company. A fit that does not converge keeps the previous parameters. Returns the
        parameters to predict with, or None."""
        customers, repeat = len(x), int(np.count_nonzero(x))
        months = (age.max() if customers else 0) / DAYS_PER_MONTH
        needs = {
            "customers": company.lifecycle_prediction_min_customers,
            "repeat": company.lifecycle_prediction_min_repeat,
            "months": company.lifecycle_prediction_min_months,
        }
        previous = company.lifecycle_prediction_params or None
        params, status = previous, ""
        if customers < needs["customers"] or repeat < needs["repeat"] or months < needs["months"]:
            params = None
            status = self.env._(
                "Nothing is predicted until the company has %(customers)s customers with orders, "
                "%(repeat)s of them repeat customers, and %(months)s months of orders; it has "
                "%(have_customers)s, %(have_repeat)s and %(have_months)s.",
                **needs,
                have_customers=customers,
                have_repeat=repeat,
                have_months=int(months),
            )
        else:
            # from last week's optimum: the same maximum, found in half the time at L; started
            # on the optimum itself (nothing changed), the optimiser may stop for precision
            # loss: then from the usual start, as without a previous fit
            purchases = clv_model.fit_bgnbd(
                x, t_x, age, start=previous and clv_model.BgNbdParams(**previous["purchases"])
            )
            if previous and not purchases.converged:
                purchases = clv_model.fit_bgnbd(x, t_x, age)
            spend = clv_model.fit_gamma_gamma(
                x,
                np.nan_to_num(mean_value),
                start=previous and clv_model.GammaGammaParams(**previous["spend"]),
            )
            if previous and not spend.converged:
                spend = clv_model.fit_gamma_gamma(x, np.nan_to_num(mean_value))
            if purchases.converged and spend.converged:
                params = {
                    "purchases": {
                        name: float(value) for name, value in vars(purchases.params).items()
                    },
                    "spend": {name: float(value) for name, value in vars(spend.params).items()},
                    "log_likelihood": float(purchases.log_likelihood),
                    "customers": customers,
                    "fitted_on": fields.Date.to_string(fields.Date.context_today(self)),
                }
            else:
                # a working model lost is the operator's concern; a first fit that does not
                # converge is the data's (too young, too uniform): its status tells the admin
                _logger.log(
                    logging.WARNING if previous else logging.INFO,
                    "Lifecycle predictions: the models did not converge (%s; %s); %s",
                    purchases.message, spend.message,
                    "the previous parameters stay" if previous else "nothing is predicted",
                )  # fmt: skip
                if not previous:
                    status = self.env._(
                        "The purchase and spend models did not converge on this company's "
                        "orders yet: nothing is predicted."
                    )
        values = {"lifecycle_prediction_params": params, "lifecycle_prediction_status": status}
        if any(company[name] != value for name, value in values.items()):
            company.sudo().write(values)
        return params
