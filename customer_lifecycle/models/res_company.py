from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..tools.lifecycle_rules import (
    MAX_DAYS,
    MAX_FAN_REFERRALS,
    MAX_LOST_FACTOR,
    MAX_MONTHS,
    settings_errors,
)
from .customer_lifecycle_category_mix import MAX_CATEGORY_LEVEL
from .customer_lifecycle_offer_backtest import offer_backtest_summary

SETTING_FIELDS = (
    "lifecycle_lost_factor",
    "lifecycle_min_lost_days",
    "lifecycle_default_interval",
    "lifecycle_fan_referrals",
    "lifecycle_rfm_months",
    "lifecycle_class_a_percent",
    "lifecycle_class_b_percent",
)


class ResCompany(models.Model):
    _inherit = "res.company"

    lifecycle_lost_factor = fields.Float(
        string="Lost Factor",
        default=3.0,
        help="A customer who bought before is lost when the days since the last order exceed "
        "this factor times the usual interval between orders (and the minimum below).",
    )
    lifecycle_min_lost_days = fields.Integer(
        string="Minimum Days Before Lost",
        default=180,
        help="Nobody is lost earlier than this many days after the last order.",
    )
    lifecycle_default_interval = fields.Integer(
        string="Default Interval (Days)",
        default=90,
        help="Expected days between orders when neither the customer nor the company has "
        "enough repeat orders to tell.",
    )
    lifecycle_fan_referrals = fields.Integer(
        string="Referrals Making a Fan",
        default=3,
        help="Customers who brought this many buying customers become fans.",
    )
    lifecycle_referral_ask_days = fields.Integer(
        string="Ask for a Referral at Most Every (Days)",
        default=90,
        help="A promoter's satisfaction answer schedules 'Ask for a Referral' unless one is "
        "still open on the customer or was done within this many days.",
    )
    lifecycle_rfm_months = fields.Integer(
        string="RFM Window (Months)",
        default=24,
        help="Frequency and monetary scores count the orders of this many months; 0 = all time.",
    )
    lifecycle_class_a_percent = fields.Float(
        string="Class A Cut-off (%)",
        default=80.0,
        help="Class A: the customers making the first part of the revenue, up to this share.",
    )
    lifecycle_class_b_percent = fields.Float(
        string="Class B Cut-off (%)",
        default=95.0,
        help="Class B: the next customers, up to this share of revenue. The rest is class C.",
    )
    lifecycle_consent_months = fields.Integer(
        string="Consent Validity (Months)",
        default=36,
        help="A granted consent lasts this long after it was given or after the customer's "
        "last order, whichever is later; then the customer is no longer contactable and the "
        "salesperson is reminded to ask again.",
    )
    lifecycle_consent_double_opt_in = fields.Boolean(
        string="Double Opt-in for Email",
        help="Email consent granted on the customer's consent page stays pending until the "
        "customer clicks the confirmation link sent to that address.",
    )
    lifecycle_consent_confirm_days = fields.Integer(
        string="Confirmation Link Valid (Days)",
        default=7,
        help="A double opt-in confirmation link works once, for this many days, and only while "
        "the customer has not changed their choice since.",
    )
    lifecycle_special_date_days = fields.Integer(
        string="Special Date Reminder (Days Before)",
        default=7,
        help="The salesperson gets an activity this many days before a customer's birthday, "
        "name day or anniversary.",
    )
    lifecycle_profile_review_months = fields.Integer(
        string="Profile Review (Months)",
        default=12,
        help="A customer's profile is due for review this long after the last review.",
    )
    # Satisfaction survey (customer.satisfaction.request): off until the business opts in, so
    # that installing or upgrading the addon never starts e-mailing customers by itself.
    lifecycle_satisfaction_survey = fields.Boolean(
        string="Ask for Satisfaction",
        help="Some days after an order is delivered (or invoiced, for services), e-mail the "
        "customer 'How likely are you to recommend us to a friend?' with the scores 0-10 as "
        "links.",
    )
    lifecycle_satisfaction_delay_days = fields.Integer(
        string="Ask Days After Delivery",
        default=7,
        help="The question goes this many days after the delivery (the first posted invoice "
        "for orders with nothing to deliver).",
    )
    lifecycle_satisfaction_interval_days = fields.Integer(
        string="Ask at Most Once Every (Days)",
        default=90,
        help="A customer asked (or who gave a score to staff) is not asked again for this many "
        "days, whatever they order.",
    )
    lifecycle_satisfaction_legitimate_interest = fields.Boolean(
        string="Satisfaction on Legitimate Interest",
        help="Off: only customers with a valid e-mail consent are asked. On: the question is a "
        "service message about their own order, sent on the business's legitimate interest to "
        "every customer with an e-mail address who has not withdrawn or refused e-mail consent "
        "nor unsubscribed (blacklist). Check that this is allowed where you operate.",
    )
    lifecycle_count_invoices = fields.Boolean(
        string="Count Direct Invoices",
        default=True,
        help="Posted customer invoices made from no sale order count as purchases (a service "
        "invoiced directly), and credit notes lower the revenue of what they refund. An "
        "invoice made from a sale order is that order, never a second purchase. A change "
        "takes effect at the next computation, which then recomputes every customer.",
    )
    # What they buy (customer.lifecycle.category.mix)
    lifecycle_category_level = fields.Integer(
        string="Category Level",
        default=0,
        help="The product categories the customers' purchases are grouped in: 0 = each "
        "product's own category; 1 = the top categories of the tree, 2 = the level below, and "
        "so on (a category less deep counts as itself). A change takes effect at the next "
        "computation, which then recomputes every customer.",
    )
    lifecycle_category_overdue_activity = fields.Boolean(
        string="Activity When a Category Is Due",
        help="When a customer who bought a category at least twice passes the date their own "
        "rhythm expects the next purchase of it, schedule one 'Due for <category>' activity "
        "for their salesperson (once until they buy it again). Categories already overdue "
        "when this is switched on schedule nothing.",
    )
    lifecycle_lost_rule = fields.Selection(
        [("interval", "Days Since the Last Order"), ("probability", "Probability Still Active")],
        string="Lost Rule",
        default="interval",
        required=True,
        help="Days since the last order: the rule above. Probability still active: a repeat "
        "customer is lost when the purchase model gives them less than the probability below "
        "(customers who bought once keep the rule above: the model cannot tell for them).",
    )
    lifecycle_lost_probability = fields.Float(
        string="Lost Below Probability (%)",
        default=20.0,
        help="With the probability rule: a repeat customer less likely than this to still be "
        "buying is lost.",
    )
    lifecycle_prediction_min_customers = fields.Integer(
        string="Predictions: Minimum Customers",
        default=100,
        help="Customers with at least one order needed before anything is predicted.",
    )
    lifecycle_prediction_min_repeat = fields.Integer(
        string="Predictions: Minimum Repeat Customers",
        default=30,
        help="Customers with two orders or more needed before anything is predicted.",
    )
    lifecycle_prediction_min_months = fields.Integer(
        string="Predictions: Minimum Months of Orders",
        default=12,
        help="How far back the first order must go before anything is predicted.",
    )
    lifecycle_offer_min_support = fields.Float(
        string="Offers: Minimum Support (%)",
        default=1.0,
        help="Two products (or categories) count as bought together when at least this share "
        "of the company's buying customers, and at least 3 of them, bought both. Lower finds "
        "more pairs on a small customer base, and more chance ones. A change takes effect at "
        "the next computation, which then recomputes every customer.",
    )
    # Written by the nightly computation: the fitted purchase and spend models, kept when a
    # later fit does not converge, and why nothing is predicted (empty when predictions exist).
    lifecycle_prediction_params = fields.Json(string="Prediction Model", readonly=True)
    lifecycle_prediction_status = fields.Char(string="Predictions", readonly=True)
    # Written by the nightly computation: what the stage rules use between two runs.
    lifecycle_median_interval = fields.Float(
        string="Median Interval of Repeat Customers (Days)", readonly=True
    )
    lifecycle_last_run = fields.Datetime(string="Last Lifecycle Computation", readonly=True)
    lifecycle_last_full_run = fields.Datetime(
        string="Last Full Lifecycle Computation", readonly=True
    )
    lifecycle_last_message_id = fields.Integer(readonly=True)  # notes newer than this are new
    # Written by the next best offers' backtest (customer.lifecycle.offer.backtest), in the
    # full run or on demand: for lifecycle managers only.
    lifecycle_offer_backtest_customers = fields.Integer(
        string="Offers Backtest: Customers Tested",
        readonly=True,
        groups="customer_lifecycle.group_lifecycle_manager",
        help="Repeat customers whose last purchase contained a product new to them: the "
        "customers the backtest could test.",
    )
    lifecycle_offer_backtest_hit_rate = fields.Float(
        string="Offers Backtest: Hit Rate (%)",
        digits=(16, 1),
        readonly=True,
        groups="customer_lifecycle.group_lifecycle_manager",
        help="Share of the tested customers whose hidden last purchase contained one of the 3 "
        "products recommended from their history before it.",
    )
    lifecycle_offer_backtest_baseline_rate = fields.Float(
        string="Offers Backtest: Most Popular Hit Rate (%)",
        digits=(16, 1),
        readonly=True,
        groups="customer_lifecycle.group_lifecycle_manager",
        help="The same for the 3 most popular products the customer had not bought.",
    )
    lifecycle_offer_backtest_date = fields.Datetime(
        string="Offers Backtest: Date",
        readonly=True,
        groups="customer_lifecycle.group_lifecycle_manager",
    )
    lifecycle_offer_backtest_summary = fields.Char(
        string="Offers Backtest",
        compute="_compute_lifecycle_offer_backtest_summary",
        groups="customer_lifecycle.group_lifecycle_manager",
    )

    @api.depends(
        "lifecycle_offer_backtest_customers",
        "lifecycle_offer_backtest_hit_rate",
        "lifecycle_offer_backtest_baseline_rate",
        "lifecycle_offer_backtest_date",
    )
    def _compute_lifecycle_offer_backtest_summary(self):
        """One sentence for managers: do the next best offers beat the most popular products?
        (customer.lifecycle.offer.backtest; too few below MIN_TESTED_CUSTOMERS)."""
        for company in self:
            company.lifecycle_offer_backtest_summary = offer_backtest_summary(
                company.env,
                company.lifecycle_offer_backtest_date,
                company.lifecycle_offer_backtest_customers,
                company.lifecycle_offer_backtest_hit_rate,
                company.lifecycle_offer_backtest_baseline_rate,
            )

    @api.constrains(*SETTING_FIELDS)
    def _check_lifecycle_settings(self):
        messages = {
            "lost_factor": self.env._(
                "The lost factor must be greater than 1 and at most %(max)s: a customer is lost "
                "only after waiting longer than their usual interval between orders.",
                max=MAX_LOST_FACTOR,
            ),
            "min_lost_days": self.env._(
                "The minimum days before lost cannot be negative nor more than %(max)s.",
                max=MAX_DAYS,
            ),
            "default_interval": self.env._(
                "The default interval between orders must be at least 1 day and at most "
                "%(max)s days.",
                max=MAX_DAYS,
            ),
            "fan_referrals": self.env._(
                "The number of converted referrals that makes a fan must be at least 1 and at "
                "most %(max)s.",
                max=MAX_FAN_REFERRALS,
            ),
            "rfm_months": self.env._(
                "The RFM window cannot be negative nor longer than %(max)s months (0 means all "
                "time).",
                max=MAX_MONTHS,
            ),
            "class_cutoffs": self.env._(
                "The value-class cut-offs must be between 0 and 100 with class A below class B "
                "(for example 80 and 95)."
            ),
        }
        for company in self:
            errors = settings_errors(**company._lifecycle_settings())
            if errors:
                raise ValidationError("\n".join(messages[code] for code in errors))

    @api.constrains("lifecycle_category_level")
    def _check_lifecycle_category_level(self):
        for company in self:
            if not 0 <= company.lifecycle_category_level <= MAX_CATEGORY_LEVEL:
                raise ValidationError(
                    self.env._(
                        "The category level is 0 (each product's own category) or a level of "
                        "the category tree from 1 (the top) to %(max)s.",
                        max=MAX_CATEGORY_LEVEL,
                    )
                )

    @api.constrains("lifecycle_satisfaction_delay_days")
    def _check_lifecycle_satisfaction_delay(self):
        for company in self:
            if not 0 <= company.lifecycle_satisfaction_delay_days <= 365:
                raise ValidationError(
                    self.env._(
                        "The satisfaction question goes between 0 and 365 days after the "
                        "delivery (7 is usual)."
                    )
                )

    @api.constrains("lifecycle_satisfaction_interval_days")
    def _check_lifecycle_satisfaction_interval(self):
        for company in self:
            if not 1 <= company.lifecycle_satisfaction_interval_days <= 3650:
                raise ValidationError(
                    self.env._(
                        "A customer is asked for satisfaction at most once every 1 to 3650 days "
                        "(90 is usual)."
                    )
                )

    @api.constrains("lifecycle_consent_confirm_days")
    def _check_lifecycle_consent_confirm_days(self):
        for company in self:
            if not 1 <= company.lifecycle_consent_confirm_days <= 90:
                raise ValidationError(
                    self.env._("A confirmation link is valid between 1 and 90 days (7 is usual).")
                )

    @api.constrains("lifecycle_referral_ask_days")
    def _check_lifecycle_referral_ask_days(self):
        for company in self:
            if not 0 <= company.lifecycle_referral_ask_days <= MAX_DAYS:
                raise ValidationError(
                    self.env._(
                        "A referral is asked again after 0 to %(max)s days (90 is usual; 0 asks "
                        "after every promoter's answer once the last request is done).",
                        max=MAX_DAYS,
                    )
                )

    @api.constrains(
        "lifecycle_consent_months", "lifecycle_special_date_days", "lifecycle_profile_review_months"
    )
    def _check_lifecycle_profile_settings(self):
        for company in self:
            if not 1 <= company.lifecycle_consent_months <= MAX_MONTHS:
                raise ValidationError(
                    self.env._(
                        "A consent lasts at least one month and at most %(max)s months (36 is "
                        "the usual validity).",
                        max=MAX_MONTHS,
                    )
                )
            if not 0 <= company.lifecycle_special_date_days <= 60:
                raise ValidationError(
                    self.env._("Special date reminders come between 0 and 60 days before the date.")
                )
            if not 1 <= company.lifecycle_profile_review_months <= MAX_MONTHS:
                raise ValidationError(
                    self.env._(
                        "The profile review period must be at least 1 month and at most "
                        "%(max)s months (12 is usual).",
                        max=MAX_MONTHS,
                    )
                )

    @api.constrains(
        "lifecycle_lost_probability",
        "lifecycle_prediction_min_customers",
        "lifecycle_prediction_min_repeat",
        "lifecycle_prediction_min_months",
    )
    def _check_lifecycle_prediction_settings(self):
        for company in self:
            if not 0 < company.lifecycle_lost_probability < 100:
                raise ValidationError(
                    self.env._(
                        "The lost probability is a percentage between 0 and 100 (for example 20)."
                    )
                )
            if (
                min(
                    company.lifecycle_prediction_min_customers,
                    company.lifecycle_prediction_min_repeat,
                    company.lifecycle_prediction_min_months,
                )
                < 1
                or company.lifecycle_prediction_min_months > MAX_MONTHS
            ):
                raise ValidationError(
                    self.env._(
                        "The minimum history for predictions must be at least 1 customer, 1 "
                        "repeat customer and 1 month (at most %(max)s months).",
                        max=MAX_MONTHS,
                    )
                )

    @api.constrains("lifecycle_offer_min_support")
    def _check_lifecycle_offer_min_support(self):
        for company in self:
            if not 0 < company.lifecycle_offer_min_support <= 100:
                raise ValidationError(
                    self.env._(
                        "The minimum support of the next best offers is a percentage of the "
                        "buying customers above 0 and at most 100 (1 is usual)."
                    )
                )

    def write(self, vals):
        sources = [
            name
            for name in vals
            if name.startswith("lifecycle_count_")
            or name in ("lifecycle_category_level", "lifecycle_offer_min_support")
        ]
        changed = self.filtered(lambda c: any(c[name] != vals[name] for name in sources))
        result = super().write(vals)
        if "lifecycle_profile_review_months" in vals:
            self._lifecycle_reschedule_profile_reviews()
        if vals.get("lifecycle_category_overdue_activity"):
            self.env["customer.lifecycle.category.mix"]._announce_current(self)
        if changed:
            # what counts as a purchase changed: the next run recomputes every customer, the
            # daily one would only see the customers whose documents changed
            super(ResCompany, changed).write({"lifecycle_last_full_run": False})
        return result

    def _lifecycle_reschedule_profile_reviews(self):
        """A new review period moves the due dates it governs, stored on the partners: those of
        the company, and the shared ones for the lifecycle company. Set-based, like the
        compute it mirrors (res.partner._compute_lifecycle_profile_review_date)."""
        Partner = self.env["res.partner"]
        Partner.flush_model(["company_id", "lifecycle_profile_reviewed_on"])
        lifecycle_company = self._lifecycle_company()
        for company in self:
            due = SQL(
                "(COALESCE(lifecycle_profile_reviewed_on, create_date::date)"
                " + make_interval(months => %s))::date",
                company.lifecycle_profile_review_months,
            )
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE res_partner SET lifecycle_profile_review_date = %(due)s
                     WHERE (company_id = %(company)s OR (%(shared)s AND company_id IS NULL))
                       AND lifecycle_profile_review_date IS DISTINCT FROM %(due)s
                    """,
                    due=due,
                    company=company.id,
                    shared=company == lifecycle_company,
                )
            )
        Partner.invalidate_model(["lifecycle_profile_review_date"])

    @api.model
    def _lifecycle_company(self):
        """The company whose orders the lifecycle counts, in whose currency its figures are (see
        the README: one company)."""
        return self.env.ref("base.main_company")

    def _lifecycle_settings(self):
        """The settings the rules take, by the names of lifecycle_rules.settings_errors."""
        self.ensure_one()
        return {
            "lost_factor": self.lifecycle_lost_factor,
            "min_lost_days": self.lifecycle_min_lost_days,
            "default_interval": self.lifecycle_default_interval,
            "fan_referrals": self.lifecycle_fan_referrals,
            "rfm_months": self.lifecycle_rfm_months,
            "class_a": self.lifecycle_class_a_percent,
            "class_b": self.lifecycle_class_b_percent,
        }
