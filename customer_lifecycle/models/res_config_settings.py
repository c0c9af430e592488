from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    lifecycle_count_invoices = fields.Boolean(
        related="company_id.lifecycle_count_invoices", readonly=False
    )
    lifecycle_category_level = fields.Integer(
        related="company_id.lifecycle_category_level", readonly=False
    )
    lifecycle_category_overdue_activity = fields.Boolean(
        related="company_id.lifecycle_category_overdue_activity", readonly=False
    )
    lifecycle_lost_factor = fields.Float(related="company_id.lifecycle_lost_factor", readonly=False)
    lifecycle_min_lost_days = fields.Integer(
        related="company_id.lifecycle_min_lost_days", readonly=False
    )
    lifecycle_default_interval = fields.Integer(
        related="company_id.lifecycle_default_interval", readonly=False
    )
    lifecycle_fan_referrals = fields.Integer(
        related="company_id.lifecycle_fan_referrals", readonly=False
    )
    lifecycle_referral_ask_days = fields.Integer(
        related="company_id.lifecycle_referral_ask_days", readonly=False
    )
    lifecycle_rfm_months = fields.Integer(related="company_id.lifecycle_rfm_months", readonly=False)
    lifecycle_class_a_percent = fields.Float(
        related="company_id.lifecycle_class_a_percent", readonly=False
    )
    lifecycle_class_b_percent = fields.Float(
        related="company_id.lifecycle_class_b_percent", readonly=False
    )

    lifecycle_consent_months = fields.Integer(
        related="company_id.lifecycle_consent_months", readonly=False
    )
    lifecycle_consent_double_opt_in = fields.Boolean(
        related="company_id.lifecycle_consent_double_opt_in", readonly=False
    )
    lifecycle_consent_confirm_days = fields.Integer(
        related="company_id.lifecycle_consent_confirm_days", readonly=False
    )

    lifecycle_special_date_days = fields.Integer(
        related="company_id.lifecycle_special_date_days", readonly=False
    )
    lifecycle_profile_review_months = fields.Integer(
        related="company_id.lifecycle_profile_review_months", readonly=False
    )

    lifecycle_satisfaction_survey = fields.Boolean(
        related="company_id.lifecycle_satisfaction_survey", readonly=False
    )
    lifecycle_satisfaction_delay_days = fields.Integer(
        related="company_id.lifecycle_satisfaction_delay_days", readonly=False
    )
    lifecycle_satisfaction_interval_days = fields.Integer(
        related="company_id.lifecycle_satisfaction_interval_days", readonly=False
    )
    lifecycle_satisfaction_legitimate_interest = fields.Boolean(
        related="company_id.lifecycle_satisfaction_legitimate_interest", readonly=False
    )

    lifecycle_lost_rule = fields.Selection(related="company_id.lifecycle_lost_rule", readonly=False)
    lifecycle_lost_probability = fields.Float(
        related="company_id.lifecycle_lost_probability", readonly=False
    )
    lifecycle_prediction_min_customers = fields.Integer(
        related="company_id.lifecycle_prediction_min_customers", readonly=False
    )
    lifecycle_prediction_min_repeat = fields.Integer(
        related="company_id.lifecycle_prediction_min_repeat", readonly=False
    )
    lifecycle_prediction_min_months = fields.Integer(
        related="company_id.lifecycle_prediction_min_months", readonly=False
    )
    lifecycle_prediction_status = fields.Char(related="company_id.lifecycle_prediction_status")
    lifecycle_offer_min_support = fields.Float(
        related="company_id.lifecycle_offer_min_support", readonly=False
    )

    lifecycle_offer_backtest_summary = fields.Char(
        related="company_id.lifecycle_offer_backtest_summary",
        groups="customer_lifecycle.group_lifecycle_manager",
    )

    def action_lifecycle_offer_backtest(self):
        return self.env["customer.lifecycle.offer.backtest"].action_run()

    def action_lifecycle_recompute_now(self):
        return self.env["customer.lifecycle.engine"].action_recompute_now()
