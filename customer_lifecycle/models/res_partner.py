import re
import secrets
from contextvars import ContextVar
from datetime import date

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import SUPERUSER_ID, Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, Query, format_date
from odoo.tools.mail import generate_tracking_message_id

from odoo.addons.phone_validation.tools import phone_validation

from ..tools import referral_code
from ..tools.lifecycle_rules import RFM_SEGMENTS

# The addon's stored columns on res.partner load together, and only when one of them is read:
# Odoo's own screens (the Contacts list and kanban, a save) read a partner's prefetchable
# columns at once, and sixty more made them measurably slower at a million customers.
LIFECYCLE_PREFETCH = "customer_lifecycle"
HEALTH = [("on_track", "On Track"), ("due", "Due"), ("overdue", "Overdue")]
VALUE_CLASSES = [("A", "A"), ("B", "B"), ("C", "C")]
SATISFACTION_CATEGORIES = [
    ("promoter", "Promoter"),
    ("passive", "Passive"),
    ("detractor", "Detractor"),
]
GENDERS = [
    ("female", "Female"),
    ("male", "Male"),
    ("other", "Other"),
    ("undisclosed", "Prefer Not to Say"),
]
MARITAL_STATUSES = [
    ("single", "Single"),
    ("married", "Married"),
    ("partnership", "Civil Partnership"),
    ("divorced", "Divorced"),
    ("widowed", "Widowed"),
    ("undisclosed", "Prefer Not to Say"),
]
EDUCATION_LEVELS = [
    ("primary", "Primary School"),
    ("secondary", "Secondary School"),
    ("vocational", "Vocational Training"),
    ("bachelor", "Bachelor's Degree"),
    ("master", "Master's Degree"),
    ("doctorate", "Doctorate"),
]
SIZE_BANDS = [
    ("micro", "1-9 Employees"),
    ("small", "10-49 Employees"),
    ("medium", "50-249 Employees"),
    ("large", "250+ Employees"),
]
TURNOVER_BANDS = [
    ("under_2m", "Under 2 Million"),
    ("2m_10m", "2 to 10 Million"),
    ("10m_50m", "10 to 50 Million"),
    ("over_50m", "Over 50 Million"),
]
CONTACT_TIMES = [
    ("morning", "Morning"),
    ("lunch", "Lunch Time"),
    ("afternoon", "Afternoon"),
    ("evening", "Evening"),
    ("any", "Any Time"),
]
PAYMENT_PREFERENCES = [
    ("bank_transfer", "Bank Transfer"),
    ("card", "Card"),
    ("cash", "Cash"),
    ("direct_debit", "Direct Debit"),
    ("online", "Online Payment"),
    ("other", "Other"),
]
# Sensitive: visible to lifecycle users only, not to every internal user.
SENSITIVE = "customer_lifecycle.group_lifecycle_user"
# Money figures about a customer (margin, predicted value): lifecycle and accounting users.
MONEY = (
    "customer_lifecycle.group_lifecycle_user,account.group_account_invoice,"
    "account.group_account_readonly"
)
ACQUISITION_CHANNELS = [
    ("advertising", "Advertising"),
    ("referral", "Referral"),
    ("networking", "Networking"),
    ("partner_promotion", "Partner Company Promotion"),
    ("strategic_alliance", "Strategic Alliance"),
    ("walk_in", "Walk-in"),
    ("web", "Web"),
    ("event", "Event / Fair"),
    ("other", "Other"),
]

# The values the engine computes per commercial entity, mirrored on its contacts.
METRIC_FIELDS = (
    "lifecycle_order_count",
    "lifecycle_first_order_date",
    "lifecycle_last_order_date",
    "lifecycle_last_quotation_date",
    "lifecycle_revenue_total",
    "lifecycle_revenue_12m",
    "lifecycle_avg_order_value",
    "lifecycle_mean_interval",
    "lifecycle_median_interval",
    "lifecycle_next_order_date",
    "lifecycle_health",
    "lifecycle_margin",
    "lifecycle_margin_percent",
    "lifecycle_discount_percent",
    "lifecycle_cancel_rate",
    "lifecycle_referrals_converted",
    "lifecycle_referrals_brought",
    "lifecycle_referral_revenue",
    # the purchase and spend models' predictions (customer.lifecycle.prediction._predict)
    "lifecycle_probability_active",
    "lifecycle_expected_orders_12m",
    "lifecycle_predicted_revenue_12m",
    "lifecycle_total_value",
)
# Scores that depend on the whole customer base: only the nightly run writes them.
SCORE_FIELDS = (
    "rfm_recency",
    "rfm_frequency",
    "rfm_monetary",
    "rfm_segment",
    "lifecycle_value_class",
)
# What the nightly run keeps of a customer's previous segment.
SEGMENT_HISTORY_FIELDS = ("rfm_segment_previous", "rfm_segment_date")
STAGE_FIELDS = (
    "lifecycle_stage_id",
    "lifecycle_stage_date",
    "lifecycle_stage_manual",
    "lifecycle_lost_reason_id",
)
# What a move records beside the stage: written by ResPartner._lifecycle_move only.
STAGE_PROOF_FIELDS = STAGE_FIELDS[1:]
# The customer's last satisfaction answer: written by the answering paths only (with elevated
# rights, customer.satisfaction.request._record_answer), never by a user's write.
SATISFACTION_FIELDS = (
    "lifecycle_satisfaction_score",
    "lifecycle_satisfaction_category",
    "lifecycle_satisfaction_date",
    "lifecycle_satisfaction_comment",
)
# What the engine computes and writes in SQL: read-only in the views, and refused to every user's
# create and write (over RPC as through an import), which would show forged figures until the
# next run.
ENGINE_FIELDS = (
    METRIC_FIELDS
    + SCORE_FIELDS
    + SEGMENT_HISTORY_FIELDS
    + ("lifecycle_offer_product_id", "lifecycle_top_categories")
)
# What Odoo's merge does not copy onto the survivor (see MERGING): a stage changes by a move only,
# the last answer is the newest request's, the figures are the engine's; the re-evaluation after
# the merge sets them.
MERGE_SKIPPED_FIELDS = frozenset(STAGE_FIELDS + SATISFACTION_FIELDS + ENGINE_FIELDS)
# Everything a contact shows of its commercial entity's lifecycle.
MIRRORED_FIELDS = STAGE_FIELDS + METRIC_FIELDS + SCORE_FIELDS + SEGMENT_HISTORY_FIELDS
# What a lifecycle user keeps on the customers they may read, even without Odoo's right to edit
# contacts: the addon's own profile, referral and acquisition fields, and nothing else (special
# dates are records of their own, with their own access rights).
REP_FIELDS = frozenset(
    {
        "lifecycle_birthdate",
        "lifecycle_gender",
        "lifecycle_marital_status",
        "lifecycle_children",
        "lifecycle_profession",
        "lifecycle_education",
        "lifecycle_size_band",
        "lifecycle_turnover_band",
        "lifecycle_interest_ids",
        "lifecycle_preferred_channel_id",
        "lifecycle_preferred_time",
        "lifecycle_preferred_payment",
        "lifecycle_expectations",
        "lifecycle_reason_id",
        "lifecycle_referred_by_id",
        "lifecycle_acquisition_channel",
        "lifecycle_source_id",
    }
)
# The context a rep's elevated write keeps: the language and time zone of messages, no flag.
REP_WRITE_CONTEXT_KEYS = ("lang", "tz")
# True only while Odoo's merge wizard runs (wizard/base_partner_merge_automatic_wizard.py): the
# survivor may keep a referrer although it has orders, and the values Odoo copies onto it leave
# out MERGE_SKIPPED_FIELDS. A ContextVar, not a context key: an RPC caller chooses every context
# key, never this.
MERGING = ContextVar("customer_lifecycle_merging", default=False)
# Bounds of what a profile can say.
EARLIEST_BIRTHDATE = date(1900, 1, 1)
MAX_CHILDREN = 30


def check_date_texts(env, vals, names):
    """Dates sent as text (over RPC, an import) that are no calendar day (31 April, 30
    February) are refused with what is expected, not left to fail as a server error."""
    for name in names:
        value = vals.get(name)
        if isinstance(value, str) and value:
            try:
                fields.Date.to_date(value)
            except ValueError:
                raise ValidationError(
                    env._(
                        "%(value)s is not a date: give a day that exists in the calendar, as "
                        "YYYY-MM-DD (for example 1985-02-28).",
                        value=value,
                    )
                ) from None


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "mail.tracking.duration.mixin"]
    _track_duration_field = "lifecycle_stage_id"

    # ==== DEFAULTS ===============================================================================
    def _default_lifecycle_currency_id(self):
        # The figures are in the currency of the company whose orders they count.
        return self.env["res.company"]._lifecycle_company().currency_id

    # ==== FIELDS (grouped by theme) ==============================================================
    lifecycle_stage_id = fields.Many2one(
        "customer.lifecycle.stage",
        string="Lifecycle Stage",
        tracking=True,
        ondelete="set null",  # only at uninstall: stages cannot be deleted otherwise
        copy=False,
        group_expand="_read_group_lifecycle_stage_ids",
        prefetch=LIFECYCLE_PREFETCH,
    )
    lifecycle_stage_date = fields.Datetime(
        string="In Stage Since", copy=False, readonly=True, prefetch=LIFECYCLE_PREFETCH
    )
    # The name Odoo's rotting feature (mail.tracking.duration.mixin) reads. Not stored (a second
    # column written on every move): the "stale" search below reads lifecycle_stage_date.
    date_last_stage_update = fields.Datetime(
        string="Last Stage Update", related="lifecycle_stage_date"
    )
    lifecycle_stage_manual = fields.Boolean(
        string="Stage Set by Hand",
        copy=False,
        readonly=True,
        help="A user chose this stage. It holds until an order, a quotation or the lost "
        "threshold comes after that move.",
        prefetch=LIFECYCLE_PREFETCH,
    )
    lifecycle_lost_reason_id = fields.Many2one(
        "customer.lifecycle.lost.reason",
        string="Lost Reason",
        copy=False,
        readonly=True,
        help="Why the customer left, as given when it was moved to Lost by hand.",
        prefetch=LIFECYCLE_PREFETCH,
    )
    lifecycle_history_ids = fields.One2many(
        "customer.lifecycle.history", "partner_id", string="Stage History", readonly=True
    )
    lifecycle_segment_history_ids = fields.One2many(
        "customer.lifecycle.segment.history",
        "partner_id",
        string="Segment History",
        readonly=True,
        groups="customer_lifecycle.group_lifecycle_user",
    )
    # Stored, not computed: the standard partner form shows the figures and must stay free of
    # computed fields. At install Odoo fills the column from the default.
    lifecycle_currency_id = fields.Many2one(
        "res.currency",
        string="Lifecycle Currency",
        default=lambda self: self._default_lifecycle_currency_id(),
        readonly=True,
        help="The currency of the lifecycle figures: the lifecycle company's.",
        prefetch=LIFECYCLE_PREFETCH,
    )

    lifecycle_order_count = fields.Integer(
        string="Purchases", readonly=True, copy=False, prefetch=LIFECYCLE_PREFETCH
    )
    lifecycle_first_order_date = fields.Date(
        string="First Order", readonly=True, copy=False, prefetch=LIFECYCLE_PREFETCH
    )
    lifecycle_last_order_date = fields.Date(
        string="Last Order", readonly=True, copy=False, prefetch=LIFECYCLE_PREFETCH
    )
    lifecycle_last_quotation_date = fields.Date(
        string="Last Quotation", readonly=True, copy=False, prefetch=LIFECYCLE_PREFETCH
    )
    lifecycle_revenue_total = fields.Monetary(
        string="Lifetime Revenue",
        currency_field="lifecycle_currency_id",
        readonly=True,
        copy=False,
        help="Untaxed total of the confirmed orders, in company currency.",
        prefetch=LIFECYCLE_PREFETCH,
    )
    lifecycle_revenue_12m = fields.Monetary(
        string="12-Month Revenue",
        currency_field="lifecycle_currency_id",
        readonly=True,
        copy=False,
        prefetch=LIFECYCLE_PREFETCH,
    )
    lifecycle_avg_order_value = fields.Monetary(
        string="Average Order",
        currency_field="lifecycle_currency_id",
        readonly=True,
        copy=False,
        prefetch=LIFECYCLE_PREFETCH,
    )
    lifecycle_mean_interval = fields.Float(
        string="Mean Days Between Orders",
        digits=(16, 1),
        readonly=True,
        copy=False,
        prefetch=LIFECYCLE_PREFETCH,
    )
    lifecycle_median_interval = fields.Float(
        string="Median Days Between Orders",
        digits=(16, 1),
        readonly=True,
        copy=False,
        prefetch=LIFECYCLE_PREFETCH,
    )
    lifecycle_next_order_date = fields.Date(
        string="Next Order Expected", readonly=True, copy=False, prefetch=LIFECYCLE_PREFETCH
    )
    lifecycle_health = fields.Selection(
        HEALTH, string="Health", readonly=True, copy=False, prefetch=LIFECYCLE_PREFETCH
    )
    lifecycle_margin = fields.Monetary(
        string="Margin",
        currency_field="lifecycle_currency_id",
        readonly=True,
        copy=False,
        groups=MONEY,
        prefetch=LIFECYCLE_PREFETCH,
    )
    lifecycle_margin_percent = fields.Float(
        string="Margin (%)",
        digits=(16, 1),
        readonly=True,
        copy=False,
        groups=MONEY,
        prefetch=LIFECYCLE_PREFETCH,
    )
    lifecycle_discount_percent = fields.Float(
        string="Average Discount (%)",
        digits=(16, 1),
        readonly=True,
        copy=False,
        prefetch=LIFECYCLE_PREFETCH,
    )
    lifecycle_cancel_rate = fields.Float(
        string="Cancelled Orders (%)",
        digits=(16, 1),
        readonly=True,
        copy=False,
        prefetch=LIFECYCLE_PREFETCH,
    )
    lifecycle_referrals_converted = fields.Integer(
        string="Referrals Who Bought",
        readonly=True,
        copy=False,
        prefetch=LIFECYCLE_PREFETCH,
    )
    # Predictions: empty while the company's history is too short (see the settings).
    lifecycle_probability_active = fields.Float(
        string="Probability Still Active",
        digits=(16, 2),
        readonly=True,
        copy=False,
        groups=MONEY,
        help="How likely the customer is still buying, from the purchase model (BG/NBD) fitted "
        "every week on the company's orders and applied every night: their number of orders, "
        "the time of the last one and how long they have been a customer. Shown for repeat "
        "customers only: the model cannot tell for a customer who bought once.",
        prefetch=LIFECYCLE_PREFETCH,
    )
    lifecycle_expected_orders_12m = fields.Float(
        string="Expected Orders (12 Months)",
        digits=(16, 1),
        readonly=True,
        copy=False,
        groups=MONEY,
        help="Orders the purchase model expects from the customer in the next 12 months.",
        prefetch=LIFECYCLE_PREFETCH,
    )
    lifecycle_predicted_revenue_12m = fields.Monetary(
        string="Predicted Revenue (12 Months)",
        currency_field="lifecycle_currency_id",
        readonly=True,
        copy=False,
        groups=MONEY,
        help="Expected orders times the order value the spend model (Gamma-Gamma) expects from "
        "this customer, untaxed.",
        prefetch=LIFECYCLE_PREFETCH,
    )
    lifecycle_total_value = fields.Monetary(
        string="Total Value",
        currency_field="lifecycle_currency_id",
        readonly=True,
        copy=False,
        groups=MONEY,
        help="Revenue so far plus the predicted revenue of the next 12 months.",
        prefetch=LIFECYCLE_PREFETCH,
    )
    rfm_recency = fields.Integer(
        string="Recency Score", readonly=True, copy=False, prefetch=LIFECYCLE_PREFETCH
    )
    rfm_frequency = fields.Integer(
        string="Frequency Score", readonly=True, copy=False, prefetch=LIFECYCLE_PREFETCH
    )
    rfm_monetary = fields.Integer(
        string="Monetary Score", readonly=True, copy=False, prefetch=LIFECYCLE_PREFETCH
    )
    rfm_segment = fields.Selection(
        list(RFM_SEGMENTS),
        string="RFM Segment",
        readonly=True,
        copy=False,
        index=True,
        prefetch=LIFECYCLE_PREFETCH,
    )
    rfm_segment_previous = fields.Selection(
        list(RFM_SEGMENTS),
        string="Previous RFM Segment",
        readonly=True,
        copy=False,
        prefetch=LIFECYCLE_PREFETCH,
    )
    rfm_segment_date = fields.Date(
        string="RFM Segment Since", readonly=True, copy=False, prefetch=LIFECYCLE_PREFETCH
    )
    lifecycle_value_class = fields.Selection(
        VALUE_CLASSES,
        string="Value Class",
        readonly=True,
        copy=False,
        index=True,
        help="A: the customers making the first 80% of revenue; B: the next 15%; C: the rest "
        "(cut-offs in the settings).",
        prefetch=LIFECYCLE_PREFETCH,
    )
    # the lifecycle company's first next best offer (customer.lifecycle.offer), written by the
    # engine when it changes: the funnel card shows it without a query per card
    lifecycle_offer_product_id = fields.Many2one(
        "product.product",
        string="Next Best Offer",
        readonly=True,
        copy=False,
        ondelete="set null",
        groups=SENSITIVE,
        prefetch=LIFECYCLE_PREFETCH,
    )
    lifecycle_offer_ids = fields.One2many(
        "customer.lifecycle.offer",
        "partner_id",
        string="Next Best Offers",
        readonly=True,
        groups=SENSITIVE,
    )
    # what they buy per product category (customer.lifecycle.category.mix), and the funnel
    # card's two biggest, written by the mix's _refresh when they change, never per card
    lifecycle_category_mix_ids = fields.One2many(
        "customer.lifecycle.category.mix",
        "partner_id",
        string="What They Buy",
        readonly=True,
        groups=SENSITIVE,
    )
    lifecycle_top_categories = fields.Char(
        string="Top Categories",
        readonly=True,
        copy=False,
        groups=SENSITIVE,
        prefetch=LIFECYCLE_PREFETCH,
        help="The customer's two biggest product categories by revenue.",
    )

    lifecycle_referred_by_id = fields.Many2one(
        "res.partner",
        string="Referred By",
        index="btree_not_null",
        ondelete="set null",
        help="The customer who brought this one.",
        prefetch=LIFECYCLE_PREFETCH,
    )
    lifecycle_referral_ids = fields.One2many(
        "res.partner", "lifecycle_referred_by_id", string="Referrals", readonly=True
    )
    lifecycle_referrals_brought = fields.Integer(
        string="Referrals Brought",
        readonly=True,
        copy=False,
        help="Customers this one brought (its referrals), whether they bought yet or not.",
        prefetch=LIFECYCLE_PREFETCH,
    )
    lifecycle_referral_revenue = fields.Monetary(
        string="Revenue from Referrals",
        currency_field="lifecycle_currency_id",
        readonly=True,
        copy=False,
        help="Untaxed total of the confirmed orders of the customers this one brought.",
        prefetch=LIFECYCLE_PREFETCH,
    )
    # A function of the id (tools/referral_code.py), stored so that it can be searched and shown
    # on the standard form; computed once, when the partner is created.
    lifecycle_referral_code = fields.Char(
        string="Referral Code",
        compute="_compute_lifecycle_referral_code",
        store=True,
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Give it to the customer: a new customer who brings it, typed on a quotation, is "
        "recorded as referred by this one.",
        prefetch=LIFECYCLE_PREFETCH,
    )
    lifecycle_acquisition_channel = fields.Selection(
        ACQUISITION_CHANNELS,
        string="Acquisition Channel",
        copy=False,
        help="How the customer came to the business. Set to Referral when a referrer is recorded.",
        prefetch=LIFECYCLE_PREFETCH,
    )
    lifecycle_source_id = fields.Many2one(
        "utm.source",
        string="Source",
        ondelete="set null",
        copy=False,
        help="The campaign, ad or site the customer came from.",
        prefetch=LIFECYCLE_PREFETCH,
    )

    # -- Profile -------------------------------------------------------------------------------
    lifecycle_birthdate = fields.Date(
        string="Birthdate", groups=SENSITIVE, copy=False, prefetch=LIFECYCLE_PREFETCH
    )
    lifecycle_age = fields.Integer(
        string="Age",
        compute="_compute_lifecycle_age",
        search="_search_lifecycle_age",
        groups=SENSITIVE,
        help="From the birthdate, today.",
    )
    lifecycle_birthday_this_month = fields.Boolean(
        string="Birthday This Month",
        compute="_compute_lifecycle_birthday_this_month",
        search="_search_lifecycle_birthday_this_month",
        groups=SENSITIVE,
    )
    lifecycle_gender = fields.Selection(
        GENDERS, string="Gender", groups=SENSITIVE, copy=False, prefetch=LIFECYCLE_PREFETCH
    )
    lifecycle_marital_status = fields.Selection(
        MARITAL_STATUSES,
        string="Marital Status",
        groups=SENSITIVE,
        copy=False,
        prefetch=LIFECYCLE_PREFETCH,
    )
    lifecycle_children = fields.Integer(
        string="Children", groups=SENSITIVE, copy=False, prefetch=LIFECYCLE_PREFETCH
    )
    lifecycle_profession = fields.Char(string="Profession", copy=False, prefetch=LIFECYCLE_PREFETCH)
    lifecycle_education = fields.Selection(
        EDUCATION_LEVELS, string="Education", copy=False, prefetch=LIFECYCLE_PREFETCH
    )
    lifecycle_size_band = fields.Selection(
        SIZE_BANDS, string="Company Size", copy=False, prefetch=LIFECYCLE_PREFETCH
    )
    lifecycle_turnover_band = fields.Selection(
        TURNOVER_BANDS, string="Turnover", copy=False, prefetch=LIFECYCLE_PREFETCH
    )
    lifecycle_interest_ids = fields.Many2many(
        "customer.lifecycle.interest", string="Interests", copy=False
    )
    lifecycle_preferred_channel_id = fields.Many2one(
        "customer.consent.channel",
        string="Preferred Channel",
        copy=False,
        help="How the customer prefers to be contacted. Flagged when there is no granted "
        "consent for it.",
        prefetch=LIFECYCLE_PREFETCH,
    )
    lifecycle_preferred_time = fields.Selection(
        CONTACT_TIMES, string="Preferred Time", copy=False, prefetch=LIFECYCLE_PREFETCH
    )
    lifecycle_preferred_payment = fields.Selection(
        PAYMENT_PREFERENCES,
        string="Preferred Payment",
        copy=False,
        prefetch=LIFECYCLE_PREFETCH,
    )
    lifecycle_expectations = fields.Text(
        string="Expectations",
        groups=SENSITIVE,
        copy=False,
        help="What the customer expects from the business, in the rep's words.",
        prefetch=LIFECYCLE_PREFETCH,
    )
    lifecycle_reason_id = fields.Many2one(
        "customer.lifecycle.lost.reason",
        string="Why Not Buying",
        copy=False,
        help="Why the customer did not buy, or left: the same list as the reasons for Lost.",
        prefetch=LIFECYCLE_PREFETCH,
    )
    lifecycle_special_date_ids = fields.One2many(
        "customer.special.date", "partner_id", string="Special Dates", copy=False
    )
    lifecycle_profile_completeness = fields.Integer(
        string="Profile Completeness (%)",
        compute="_compute_lifecycle_profile_completeness",
        store=True,
        help="Share of what matters to contact the customer that is known: email, phone, "
        "address, birthdate (people) or industry (companies), and at least one consent.",
        prefetch=LIFECYCLE_PREFETCH,
    )
    lifecycle_profile_reviewed_on = fields.Date(
        string="Profile Reviewed On",
        readonly=True,
        copy=False,
        prefetch=LIFECYCLE_PREFETCH,
    )
    lifecycle_profile_review_date = fields.Date(
        string="Profile Review Due",
        compute="_compute_lifecycle_profile_review_date",
        store=True,
        help="When the profile should be checked with the customer again: a period after the "
        "last review (or after the customer was created), set in the settings.",
        prefetch=LIFECYCLE_PREFETCH,
    )

    lifecycle_consent_token = fields.Char(
        string="Consent Page Token",
        copy=False,
        readonly=True,
        index="btree_not_null",
        groups="customer_lifecycle.group_lifecycle_user",
        help="The secret of the customer's private consent page link; renewing it revokes the "
        "old link.",
        prefetch=LIFECYCLE_PREFETCH,
    )
    lifecycle_consent_ids = fields.One2many(
        "customer.consent", "partner_id", string="Consent Log", readonly=True
    )
    # For filters and mailing domains ('contactable by email'); never read on a view.
    lifecycle_contactable_channel_ids = fields.Many2many(
        "customer.consent.channel",
        string="Contactable By",
        compute="_compute_lifecycle_contactable_channel_ids",
        search="_search_lifecycle_contactable_channel_ids",
        groups=SENSITIVE,
        help="Channels with a granted, still valid marketing consent and the address they need.",
    )
    lifecycle_consent_expired = fields.Boolean(
        string="Consent Expired",
        compute="_compute_lifecycle_consent_expired",
        search="_search_lifecycle_consent_expired",
        groups=SENSITIVE,
        help="A granted consent ran out: not contactable on that channel until asked again.",
    )
    # Only on the funnel's cards (one query per page of cards), never on the standard views.
    lifecycle_consent_states = fields.Json(
        string="Consent by Channel", compute="_compute_lifecycle_consent_states", groups=SENSITIVE
    )

    # -- Satisfaction: the customer's last answer (customer.satisfaction.request keeps them all) --
    # Written only when an answer is recorded (customer.satisfaction.request), on the commercial
    # entity the funnel shows. The engine reads the category: a detractor is never a Fan.
    lifecycle_satisfaction_score = fields.Integer(
        string="Last Satisfaction Score",
        readonly=True,
        copy=False,
        groups=SENSITIVE,
        help="0-10, the answer to 'How likely are you to recommend us to a friend?'. Meaningful "
        "only when the category is set.",
        prefetch=LIFECYCLE_PREFETCH,
    )
    lifecycle_satisfaction_category = fields.Selection(
        SATISFACTION_CATEGORIES,
        string="Satisfaction",
        readonly=True,
        copy=False,
        groups=SENSITIVE,
        help="Promoter 9-10, passive 7-8, detractor 0-6, from the last answer.",
        prefetch=LIFECYCLE_PREFETCH,
    )
    lifecycle_satisfaction_date = fields.Datetime(
        string="Last Satisfaction Answer",
        readonly=True,
        copy=False,
        groups=SENSITIVE,
        prefetch=LIFECYCLE_PREFETCH,
    )
    lifecycle_satisfaction_comment = fields.Text(
        string="Last Satisfaction Comment",
        readonly=True,
        copy=False,
        groups=SENSITIVE,
        prefetch=LIFECYCLE_PREFETCH,
    )
    # The funnel card's title on its score and the filter "Detractors not yet called back".
    lifecycle_satisfaction_label = fields.Char(
        string="Last Satisfaction Answer Label",
        compute="_compute_lifecycle_satisfaction_label",
        groups=SENSITIVE,
    )
    lifecycle_awaiting_callback = fields.Boolean(
        string="Detractor Not Yet Called Back",
        compute="_compute_lifecycle_awaiting_callback",
        search="_search_lifecycle_awaiting_callback",
        groups=SENSITIVE,
        help="The customer's last satisfaction answer is a detractor's and its call-back "
        "activity is not done yet.",
    )

    # -- The funnel card (issue 15): what to do next, when we last spoke, how late ----------
    # Not stored and read on the cards only: each is computed for a page of cards at once.
    lifecycle_stage_code = fields.Selection(related="lifecycle_stage_id.code", string="Stage Rule")
    lifecycle_last_contact = fields.Datetime(
        string="Last Contact",
        compute="_compute_lifecycle_last_contact",
        groups=SENSITIVE,
        help="The last message or note written on the customer or its contacts, e-mail "
        "received or sent there, or activity done (a logged call is one).",
    )
    lifecycle_overdue_days = fields.Integer(
        string="Days Overdue",
        compute="_compute_lifecycle_overdue",
        help="Days past the next expected order, for the customers overdue for repurchase.",
    )
    lifecycle_overdue_label = fields.Char(
        string="Overdue For", compute="_compute_lifecycle_overdue"
    )
    lifecycle_phone_withdrawn = fields.Boolean(
        string="Phone Consent Withdrawn",
        compute="_compute_lifecycle_channel_withdrawn",
        groups=SENSITIVE,
    )
    lifecycle_email_withdrawn = fields.Boolean(
        string="Email Consent Withdrawn",
        compute="_compute_lifecycle_channel_withdrawn",
        groups=SENSITIVE,
    )
    # Who is a customer: one definition for the funnel and the Customer Value analysis.
    lifecycle_is_customer = fields.Boolean(
        string="In the Customer Base",
        compute="_compute_lifecycle_is_customer",
        search="_search_lifecycle_is_customer",
    )
    # -- end of the funnel card fields --------------------------------------------------------

    # -- Recognise the caller (issue 19): any format of a number finds the customer --------------
    # Searched in the funnel's "Phone" box; never shown.
    lifecycle_phone_lookup = fields.Char(
        string="Phone (Any Format)", store=False, search="_search_lifecycle_phone_lookup"
    )

    # ==== INDEXES ================================================================================
    # The funnel's columns read stage by stage in res.partner's own order (complete_name, id
    # desc): this index answers each column's first cards without sorting the stage's customers.
    _lifecycle_stage_order_idx = models.Index("(lifecycle_stage_id, complete_name, id DESC)")
    # Odoo indexes no phone_sanitized on the partner (crm does on its leads): the caller
    # lookup is an equality on it.
    _lifecycle_phone_sanitized_idx = models.Index(
        "(phone_sanitized) WHERE phone_sanitized IS NOT NULL"
    )

    # ==== COMPUTE AND SEARCH METHODS, in the order of their fields ===============================
    @api.model
    def _read_group_lifecycle_stage_ids(self, stages, domain):
        return stages.search([])

    @api.depends("create_date")  # i.e. once, at creation: the code is a function of the id
    def _compute_lifecycle_referral_code(self):
        for partner in self:
            partner_id = partner._origin.id or partner.id
            partner.lifecycle_referral_code = (
                referral_code.encode(partner_id) if isinstance(partner_id, int) else False
            )

    @api.depends("lifecycle_birthdate")
    @api.depends_context("tz")
    def _compute_lifecycle_age(self):
        today = fields.Date.context_today(self)
        for partner in self:
            born = partner.lifecycle_birthdate
            partner.lifecycle_age = (
                today.year - born.year - ((today.month, today.day) < (born.month, born.day))
                if born
                else 0
            )

    def _search_lifecycle_age(self, operator, value):
        """Ages as birthdate ranges: 'age >= 40' is 'born on or before this day 40 years ago'."""
        self._check_field_access(self._fields["lifecycle_birthdate"], "read")
        if operator in ("in", "not in"):
            domain = Domain.OR(Domain(self._search_lifecycle_age("=", age)) for age in value)
            return domain if operator == "in" else ~domain
        if not isinstance(value, int):
            return NotImplemented
        # (lowest age, highest age) the condition allows
        ranges = {
            "=": (value, value),
            ">=": (value, None),
            ">": (value + 1, None),
            "<=": (None, value),
            "<": (None, value - 1),
        }
        if operator not in ranges:
            return NotImplemented
        lowest, highest = ranges[operator]
        today = fields.Date.context_today(self)
        domain = [("lifecycle_birthdate", "!=", False)]
        if lowest is not None:
            domain.append(("lifecycle_birthdate", "<=", today - relativedelta(years=lowest)))
        if highest is not None:
            domain.append(("lifecycle_birthdate", ">", today - relativedelta(years=highest + 1)))
        return domain

    @api.depends("lifecycle_birthdate")
    @api.depends_context("tz")
    def _compute_lifecycle_birthday_this_month(self):
        month = fields.Date.context_today(self).month
        for partner in self:
            born = partner.lifecycle_birthdate
            partner.lifecycle_birthday_this_month = bool(born and born.month == month)

    def _search_lifecycle_birthday_this_month(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        # the ORM checks field groups on the leaf it ends with, here ('id', 'in', ...)
        self._check_field_access(self._fields["lifecycle_birthdate"], "read")
        self.flush_model(["lifecycle_birthdate"])
        month = fields.Date.context_today(self).month
        query = SQL(
            "SELECT id FROM res_partner WHERE extract(month FROM lifecycle_birthdate) = %s", month
        )
        positive = (operator == "in") == (True in value)
        return [("id", "in" if positive else "not in", query)]

    @api.depends(
        "is_company", "email", "phone", "street", "city", "industry_id", "lifecycle_birthdate",
        "lifecycle_consent_ids",
    )  # fmt: skip
    def _compute_lifecycle_profile_completeness(self):
        for partner in self:
            known = [
                bool(partner.email),
                bool(partner.phone),
                bool(partner.street and partner.city),
                bool(partner.industry_id if partner.is_company else partner.lifecycle_birthdate),
                bool(partner.lifecycle_consent_ids),
            ]
            partner.lifecycle_profile_completeness = round(100 * sum(known) / len(known))

    @api.depends("lifecycle_profile_reviewed_on", "create_date")
    def _compute_lifecycle_profile_review_date(self):
        # The period of the partner's company, or the lifecycle company's for a shared partner
        # (res.company._lifecycle_reschedule_profile_reviews applies a changed one in SQL).
        lifecycle_company = self.env["res.company"]._lifecycle_company()
        for partner in self:
            company = partner.company_id or lifecycle_company
            start = partner.lifecycle_profile_reviewed_on or (
                partner.create_date and partner.create_date.date()
            )
            partner.lifecycle_profile_review_date = (
                start + relativedelta(months=company.lifecycle_profile_review_months)
                if start
                else False
            )

    def _compute_lifecycle_contactable_channel_ids(self):
        contactable = self.env["customer.consent"]._contactable_channel_ids(self._origin.ids)
        for partner in self:
            partner.lifecycle_contactable_channel_ids = [
                Command.set(list(contactable.get(partner._origin.id, ())))
            ]

    def _search_lifecycle_contactable_channel_ids(self, operator, value):
        if operator not in ("any", "not any", "in", "not in"):
            return NotImplemented
        # what it reveals is the consent log's: the field's groups, checked here because the
        # ORM checks them only on the leaf it ends with, ('id', 'in', ...)
        self._check_field_access(self._fields["lifecycle_contactable_channel_ids"], "read")
        self.env["customer.consent"].check_access("read")
        Channel = self.env["customer.consent.channel"].with_context(active_test=False)
        if operator in ("in", "not in"):
            channels = Channel.browse(value)
        elif isinstance(value, Query):
            channels = Channel.search([("id", "in", value)])
        else:
            channels = Channel.search(Domain(value))
        query = SQL(
            "SELECT partner_id FROM (%s) q",
            self.env["customer.consent"]._contactable_query(channels.ids),
        )
        return [("id", "in" if operator in ("any", "in") else "not in", query)]

    def _compute_lifecycle_consent_expired(self):
        states = self.env["customer.consent"]._current_states(self._origin.ids)
        for partner in self:
            known = states.get(partner._origin.id, {})
            partner.lifecycle_consent_expired = "expired" in known.values()

    def _search_lifecycle_consent_expired(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        self._check_field_access(self._fields["lifecycle_consent_expired"], "read")
        self.env["customer.consent"].check_access("read")
        query = self.env["customer.consent"]._expired_query()
        positive = (operator == "in") == (True in value)
        return [("id", "in" if positive else "not in", query)]

    def _compute_lifecycle_consent_states(self):
        by_partner = self._lifecycle_consent_state_lists()
        for partner in self:
            partner.lifecycle_consent_states = by_partner.get(partner._origin.id, [])

    @api.depends_context("lang", "tz")
    @api.depends(
        "lifecycle_satisfaction_score",
        "lifecycle_satisfaction_category",
        "lifecycle_satisfaction_date",
    )
    def _compute_lifecycle_satisfaction_label(self):
        labels = dict(
            self._fields["lifecycle_satisfaction_category"]._description_selection(self.env)
        )
        for partner in self:
            category = partner.lifecycle_satisfaction_category
            partner.lifecycle_satisfaction_label = category and self.env._(
                "Last satisfaction answer: %(score)s/10, %(category)s, %(date)s",
                score=partner.lifecycle_satisfaction_score,
                category=labels[category].lower(),
                date=format_date(
                    self.env,
                    fields.Datetime.context_timestamp(self, partner.lifecycle_satisfaction_date),
                    date_format="d MMM yyyy",
                ),
            )

    def _compute_lifecycle_awaiting_callback(self):
        awaiting = set(
            self.with_context(active_test=False)
            .search([("id", "in", self._origin.ids), ("lifecycle_awaiting_callback", "=", True)])
            .ids
        )
        for partner in self:
            partner.lifecycle_awaiting_callback = partner._origin.id in awaiting

    def _search_lifecycle_awaiting_callback(self, operator, value):
        """Customers whose newest answer (among the requests the user may read) is a
        detractor's not yet called back. The field's groups are checked here: the ORM checks
        them on the optimised leaf only."""
        if operator not in ("in", "not in"):
            return NotImplemented
        self._check_field_access(self._fields["lifecycle_awaiting_callback"], "read")
        Request = self.env["customer.satisfaction.request"]
        Request.check_access("read")
        Request.flush_model(["partner_id", "answered_date", "is_awaiting_callback"])
        answered = Request._search([("state", "=", "answered")])
        newest = SQL(
            """SELECT n.partner_id FROM (
                   SELECT DISTINCT ON (r.partner_id) r.partner_id, r.is_awaiting_callback
                     FROM customer_satisfaction_request r
                    WHERE r.id IN (%s)
                 ORDER BY r.partner_id, r.answered_date DESC, r.id DESC) n
                WHERE n.is_awaiting_callback""",
            answered.select(SQL.identifier(answered.table, "id")),
        )
        positive = (operator == "in") == (True in value)
        return [("id", "in" if positive else "not in", newest)]

    def _compute_lifecycle_last_contact(self):
        """One query for the page: the newest conversation on the customer or its contacts
        (comments, notes, e-mails; not the tracking and notifications the system writes) or
        done activity (what marking an activity done leaves: a message with its type)."""
        commercial = self._origin.commercial_partner_id
        last = {}
        if commercial:
            self.env["mail.message"].flush_model(
                ["model", "res_id", "date", "message_type", "mail_activity_type_id"]
            )
            rows = self.env.execute_query(
                SQL(
                    """SELECT p.commercial_partner_id, max(m.date)
                         FROM mail_message m
                         JOIN res_partner p ON p.id = m.res_id
                        WHERE m.model = 'res.partner'
                          AND p.commercial_partner_id = ANY(%(ids)s)
                          AND (m.mail_activity_type_id IS NOT NULL
                               OR m.message_type IN ('comment', 'email', 'email_outgoing'))
                     GROUP BY p.commercial_partner_id""",
                    ids=commercial.ids,
                )
            )
            last = dict(rows)
        for partner in self:
            partner.lifecycle_last_contact = last.get(
                partner._origin.commercial_partner_id.id, False
            )

    @api.depends("lifecycle_health", "lifecycle_next_order_date")
    @api.depends_context("tz")
    def _compute_lifecycle_overdue(self):
        today = fields.Date.context_today(self)
        for partner in self:
            days = 0
            if partner.lifecycle_health == "overdue" and partner.lifecycle_next_order_date:
                days = max((today - partner.lifecycle_next_order_date).days, 0)
            partner.lifecycle_overdue_days = days
            if not days:
                partner.lifecycle_overdue_label = False
            elif days == 1:
                partner.lifecycle_overdue_label = self.env._("Overdue by 1 day")
            else:
                partner.lifecycle_overdue_label = self.env._("Overdue by %(days)s days", days=days)

    def _compute_lifecycle_channel_withdrawn(self):
        """A customer who withdrew or refused the phone (e-mail) consent: the card's call
        (e-mail) link stays, muted - a service call is not marketing."""
        states = self.env["customer.consent"]._current_states(self._origin.ids)
        phone = self.env.ref("customer_lifecycle.consent_channel_phone").id
        email = self.env.ref("customer_lifecycle.consent_channel_email").id
        for partner in self:
            known = states.get(partner._origin.id, {})
            partner.lifecycle_phone_withdrawn = known.get(phone) in ("withdrawn", "refused")
            partner.lifecycle_email_withdrawn = known.get(email) in ("withdrawn", "refused")

    def _compute_lifecycle_is_customer(self):
        customers = self.filtered_domain(self._lifecycle_customer_domain())
        for partner in self:
            partner.lifecycle_is_customer = partner in customers

    def _search_lifecycle_is_customer(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        domain = self._lifecycle_customer_domain()
        return domain if (operator == "in") == (True in value) else ~domain

    def _search_lifecycle_phone_lookup(self, operator, value):
        """The funnel's "Phone" box: what is typed is normalised as a caller ID is. Text that
        reads as no phone number (a fragment, letters) falls back to Odoo's own phone search
        (digits anywhere in the number), on the customer or one of its contacts."""
        if operator == "in":  # "=" comes as "in"
            return Domain.OR(
                self._search_lifecycle_phone_lookup("ilike", typed)
                for typed in value
                if isinstance(typed, str) and typed.strip()
            )
        if operator != "ilike" or not isinstance(value, str):
            return NotImplemented
        try:
            return Domain("id", "in", self._lifecycle_find_by_phone(value).ids)
        except UserError:
            fragment = Domain("phone_mobile_search", "ilike", value)
            return fragment | Domain("child_ids", "any", fragment)

    def _search_is_rotting(self, operator, value):
        """Customers left in their stage longer than the stage's "Days Before Stale", as the
        card shows them (mail.tracking.duration.mixin's _compute_rotting, with no 12-month cap).

        The mixin's own search reads a stored date_last_stage_update column, which the partner
        has not: this one is a plain domain on lifecycle_stage_date, one branch per stage that
        can go stale, so the funnel's filter keeps its record rules and needs no raw SQL."""
        if operator != "in":
            return NotImplemented  # the ORM negates the positive form
        now = self.env.cr.now()
        Stage = self.env["customer.lifecycle.stage"].sudo()  # stages are configuration
        stages = Stage.search([("rotting_threshold_days", ">", 0)])
        branches = []
        for stage in stages:
            since = now - relativedelta(days=stage.rotting_threshold_days)
            entered_before = Domain("lifecycle_stage_date", "<", since) | (
                Domain("lifecycle_stage_date", "=", False) & Domain("create_date", "<", since)
            )
            branches.append(Domain("lifecycle_stage_id", "=", stage.id) & entered_before)
        stale = Domain.OR(branches)
        if True in value and False in value:
            return Domain.TRUE
        return stale if True in value else ~stale

    def _compute_application_statistics_hook(self):
        """The stage and value class as badges in Odoo's own contact list and kanban, from
        stored fields only."""
        data_list = super()._compute_application_statistics_hook()
        if not self.env.user.has_group("customer_lifecycle.group_lifecycle_user"):
            return data_list
        for partner in self.filtered("lifecycle_stage_id"):
            stage = partner.lifecycle_stage_id
            data_list[partner.id].append(
                {
                    "iconClass": "fa-filter",
                    "value": stage.name,
                    "label": self.env._("Lifecycle Stage"),
                    "tagClass": f"o_tag_color_{stage.color or 0}",
                }
            )
            if partner.lifecycle_value_class:
                data_list[partner.id].append(
                    {
                        "iconClass": "fa-diamond",
                        "value": partner.lifecycle_value_class,
                        "label": self.env._("Value Class"),
                        "tagClass": "o_tag_color_0",
                    }
                )
        return data_list

    # ==== CONSTRAINTS ============================================================================
    @api.constrains("lifecycle_referred_by_id")
    def _check_lifecycle_referral(self):
        """A referrer is recorded once, on a customer who has not bought yet, and is itself a
        customer (a company or a person, not a company's contact), never the customer again."""
        if self._has_cycle("lifecycle_referred_by_id"):
            raise ValidationError(
                self.env._("A customer cannot be referred, directly or through others, by itself.")
            )
        referred = self.filtered("lifecycle_referred_by_id")
        for partner in referred:
            referrer = partner.lifecycle_referred_by_id
            if partner.parent_id:
                raise ValidationError(
                    self.env._(
                        "%(contact)s is a contact of %(company)s: record the referrer on the "
                        "company.",
                        contact=partner.name,
                        company=partner.commercial_partner_id.name,
                    )
                )
            if referrer != referrer.commercial_partner_id:
                raise ValidationError(
                    self.env._(
                        "%(referrer)s is a contact of %(company)s: choose %(company)s as the "
                        "referrer.",
                        referrer=referrer.name,
                        company=referrer.commercial_partner_id.name,
                    )
                )
        if MERGING.get():  # the survivor of a merge keeps its referrer
            return
        bought = (
            self.env["sale.order"]
            .sudo()
            ._read_group(
                [("partner_id", "child_of", referred.ids), ("state", "=", "sale")],
                ["partner_id"],
            )
        )
        buyers = {partner.commercial_partner_id for (partner,) in bought}
        if buyers:
            raise ValidationError(
                self.env._(
                    "%(customer)s had already ordered before: a referrer can only be recorded for "
                    "a customer who has not bought yet.",
                    customer=next(iter(buyers)).name,
                )
            )

    @api.constrains("lifecycle_birthdate", "lifecycle_children")
    def _check_lifecycle_profile(self):
        today = fields.Date.context_today(self)
        for partner in self.sudo():  # the fields are sensitive; the check is for everyone
            born = partner.lifecycle_birthdate
            if born and not EARLIEST_BIRTHDATE <= born <= today:
                raise ValidationError(
                    self.env._(
                        "The birthdate of %(partner)s must be between %(earliest)s and today.",
                        partner=partner.display_name,
                        earliest=EARLIEST_BIRTHDATE.isoformat(),
                    )
                )
            if not 0 <= partner.lifecycle_children <= MAX_CHILDREN:
                raise ValidationError(
                    self.env._(
                        "The number of children of %(partner)s must be between 0 and %(max)s.",
                        partner=partner.display_name,
                        max=MAX_CHILDREN,
                    )
                )

    # ==== CRUD: what a create or a write may change, and as whom =================================
    @api.model_create_multi
    def create(self, vals_list):
        # A new customer starts as potential. No field default: when the module is installed,
        # existing partners get their first stage from the computation, not a blanket one.
        potential = self.env.ref("customer_lifecycle.stage_potential", raise_if_not_found=False)
        now = fields.Datetime.now()
        vals_list = [self._lifecycle_checked_vals(vals) for vals in vals_list]
        for vals in vals_list:
            if vals.get("lifecycle_referred_by_id"):
                vals.setdefault("lifecycle_acquisition_channel", "referral")
            if potential and not vals.get("parent_id") and not vals.get("lifecycle_stage_id"):
                vals.setdefault("lifecycle_stage_id", potential.id)
                vals.setdefault("lifecycle_stage_date", now)
        partners = super().create(vals_list)
        partners.filtered("parent_id")._lifecycle_copy_from_commercial()
        return partners

    def write(self, vals):
        """A rep's write of the addon's own fields goes its own way; the values are checked;
        a write of the stage is a move; a referrer or a company changed re-evaluates the
        customers concerned. No context key of the caller changes any of it."""
        if self._lifecycle_is_rep_write(vals):
            return self._lifecycle_write_as_rep(vals)
        vals = self._lifecycle_checked_vals(vals)
        if "lifecycle_stage_id" in vals:
            return self._lifecycle_write_stage(vals)
        # the previous referrers may lose a referral
        referrers = (
            self.lifecycle_referred_by_id if "lifecycle_referred_by_id" in vals else self.browse()
        )
        result = super().write(vals)
        self._lifecycle_after_write(vals, referrers)
        return result

    def _lifecycle_checked_vals(self, vals):
        """The values of a create or a write as the addon lets them through: dates sent as
        text checked; while Odoo's merge copies the merged partners' values (MERGING), without
        MERGE_SKIPPED_FIELDS; the record of a move, the last answer and the engine's figures
        refused to all but the superuser."""
        check_date_texts(self.env, vals, ["lifecycle_birthdate"])
        if MERGING.get():
            vals = {name: value for name, value in vals.items() if name not in MERGE_SKIPPED_FIELDS}
        if proof := self._lifecycle_refused_labels(vals, STAGE_PROOF_FIELDS):
            # readonly is a UI attribute: over RPC these would forge a move's record
            raise UserError(
                self.env._(
                    "%(fields)s are set by stage moves only: change the Lifecycle Stage instead.",
                    fields=proof,
                )
            )
        # the engine reads the last answer's category (a detractor is never a Fan)
        if answer := self._lifecycle_refused_labels(vals, SATISFACTION_FIELDS):
            raise UserError(
                self.env._(
                    "%(fields)s are the customer's own answer: record a score given by phone or "
                    "in the shop with Record Satisfaction on the Lifecycle tab.",
                    fields=answer,
                )
            )
        if figures := self._lifecycle_refused_labels(vals, ENGINE_FIELDS):
            raise UserError(
                self.env._(
                    "%(fields)s are computed by the lifecycle engine from the purchases: they "
                    "cannot be set by hand.",
                    fields=figures,
                )
            )
        return vals

    def _lifecycle_refused_labels(self, vals, names):
        """The labels of the fields of names that a user's create or write sets, "" when none:
        only the superuser (the move method, the answering paths) writes them through the ORM."""
        if self.env.su:
            return ""
        return ", ".join(self._fields[name].string for name in sorted(set(vals) & set(names)))

    def _lifecycle_write_stage(self, vals):
        """A user's write of the stage is a manual move, with the rights of any other write:
        no context key makes it the engine's (see _lifecycle_move). The other values are
        written first, as any write."""
        vals = dict(vals)
        stage = self.env["customer.lifecycle.stage"].browse(vals.pop("lifecycle_stage_id"))
        result = self.write(vals) if vals else True
        self.check_access("write")
        # import_file is Odoo's own key (base_import sets it on the rows it loads): it only
        # names the move's trigger in the history and grants nothing.
        trigger = "import" if self.env.context.get("import_file") else "manual"
        self._lifecycle_move(stage, trigger=trigger)
        return result

    def _lifecycle_after_write(self, vals, referrers):
        """What a written referrer or company changes beyond the partner itself."""
        if vals.get("lifecycle_referred_by_id"):
            self.filtered(
                lambda p: not p.lifecycle_acquisition_channel
            ).lifecycle_acquisition_channel = "referral"
        if "parent_id" in vals:  # a contact moved to another company shows that company's
            self.filtered("parent_id")._lifecycle_copy_from_commercial()
        if "lifecycle_referred_by_id" in vals or "parent_id" in vals:
            (self | referrers)._lifecycle_after_evidence("manual")

    def _lifecycle_is_rep_write(self, vals):
        """A lifecycle user without the right to edit contacts writing only REP_FIELDS."""
        return (
            vals
            and not self.env.su
            and set(vals) <= REP_FIELDS
            # the model's right, not the records': a write rule never gets elevated past
            and not self.env["res.partner"].has_access("write")
            and self.env.user.has_group("customer_lifecycle.group_lifecycle_user")
        )

    def _lifecycle_write_as_rep(self, vals):
        """Write the addon's own fields for a lifecycle user who may read these customers but
        not edit contacts: with elevated rights for these fields only, after checking that the
        user may read the customers and every record the values point to, with no context flag
        of the caller (an RPC caller chooses them all), and a note in the chatter saying who
        changed what, since Odoo's rights did not."""
        self.check_access("read")
        for name, value in vals.items():
            field = self._fields[name]
            if field.type == "many2one" and value:
                if not isinstance(value, int) or isinstance(value, bool):
                    raise UserError(
                        self.env._("%(field)s takes the id of one record.", field=field.string)
                    )
                self.env[field.comodel_name].browse(value).check_access("read")
            elif field.type == "many2many":
                self.env[field.comodel_name].browse(
                    self._lifecycle_linked_ids(field, value)
                ).check_access("read")
        context = {
            key: self.env.context[key] for key in REP_WRITE_CONTEXT_KEYS if key in self.env.context
        }
        partners = self.with_env(self.env(context=context, su=True))
        result = partners.write(vals)
        changed = ", ".join(sorted(self._fields[name].string for name in vals))
        for partner in partners:
            partner.message_post(
                body=self.env._(
                    "Profile updated by %(user)s: %(fields)s.",
                    user=self.env.user.name,
                    fields=changed,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return result

    def _lifecycle_linked_ids(self, field, value):
        """The ids a rep's many2many value links: only links (set, link, unlink, clear), never
        a command that creates or changes the linked records themselves."""
        if not isinstance(value, (list, tuple)):
            raise UserError(self.env._("%(field)s takes a list of ids.", field=field.string))
        ids = []
        for command in value:
            if isinstance(command, int) and not isinstance(command, bool):
                ids.append(command)
                continue
            if not isinstance(command, (list, tuple)) or not command:
                raise UserError(self.env._("%(field)s takes a list of ids.", field=field.string))
            if command[0] == Command.SET:
                ids.extend(command[2])
            elif command[0] in (Command.LINK, Command.UNLINK):
                ids.append(command[1])
            elif command[0] != Command.CLEAR:
                raise AccessError(
                    self.env._(
                        "You may choose among the existing %(field)s, not create or change them: "
                        "ask a Customer Lifecycle administrator.",
                        field=field.string,
                    )
                )
        if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            raise UserError(self.env._("%(field)s takes a list of ids.", field=field.string))
        return ids

    def _mail_get_operation_for_mail_message_operation(self, message_operation):
        """A lifecycle user plans the next step on the customers they may read: scheduling an
        activity or posting a message there needs read access, as Odoo lets its event
        registration desk post on events. Editing or deleting others' messages and
        activities still needs the right to edit the contact."""
        if message_operation == "create" and self.env.user.has_group(
            "customer_lifecycle.group_lifecycle_user"
        ):
            return dict.fromkeys(self, "read")
        return super()._mail_get_operation_for_mail_message_operation(message_operation)

    # ==== ACTIONS: the buttons and the public methods the UI calls ===============================
    def action_lifecycle_set_stage(self, stage_id):
        """A move from the funnel or the form's statusbar. Lost needs a reason: instead of
        moving, this returns the dialog that asks for it.

        Working the funnel is a lifecycle user's job even without the right to edit contacts:
        after checking that the user is one and may read these customers, the move alone is
        made with elevated rights, still as that user (history, chatter)."""
        self._lifecycle_check_funnel_user()
        # one stage id, as the funnel and the statusbar send it: a list or text over RPC is not
        stage = self.env["customer.lifecycle.stage"]
        if isinstance(stage_id, int) and not isinstance(stage_id, bool):
            stage = stage.browse(stage_id).exists()
        if not stage:
            raise UserError(self.env._("This lifecycle stage no longer exists."))
        self.check_access("read")
        if stage.code == "lost":
            action = self.env["ir.actions.act_window"]._for_xml_id(
                "customer_lifecycle.customer_lifecycle_lost_action"
            )
            action["context"] = {"default_partner_ids": self.ids}
            return action
        self.sudo()._lifecycle_move(stage)
        return True

    def action_view_lifecycle_history(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_lifecycle.customer_lifecycle_history_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"create": False}
        return action

    def action_view_lifecycle_orders(self):
        """The orders button: the purchases the lifecycle figures are computed from. A customer
        who bought from one source (sale orders, direct invoices, a bridge's) gets that source's
        documents; one who bought from several, a dialog with a button per source and its
        count (customer.lifecycle.purchases)."""
        self.ensure_one()
        self._lifecycle_check_funnel_user()
        self.check_access("read")
        sources = self._lifecycle_purchase_sources()
        if len(sources) > 1:
            customer = self.commercial_partner_id
            wizard = self.env["customer.lifecycle.purchases"].create({"partner_id": customer.id})
            return {
                "type": "ir.actions.act_window",
                "name": self.env._("Purchases of %(customer)s", customer=customer.name),
                "res_model": "customer.lifecycle.purchases",
                "res_id": wizard.id,
                "view_mode": "form",
                "views": [(False, "form")],
                "target": "new",
            }
        method = sources[0][1] if sources else "action_view_lifecycle_sale_orders"
        return getattr(self, method)()

    def action_view_lifecycle_sale_orders(self):
        """The confirmed sale orders the lifecycle figures count, as the user may read them.
        The figure counts all of them, whoever sold them (the stage rests on them all); a rep
        with "Own Documents Only" sees only theirs: the list's title then says how many of
        them it shows and why, rather than open other reps' orders with elevated rights."""
        self.ensure_one()
        self._lifecycle_check_funnel_user()
        self.check_access("read")
        Order = self.env["sale.order"]
        if not Order.has_access("read"):
            raise UserError(
                self.env._(
                    "You may not read sale orders: the button counts this customer's confirmed "
                    "orders, but opening them needs a Sales right. Ask an administrator."
                )
            )
        domain = [
            ("partner_id", "child_of", self.commercial_partner_id.id),
            ("state", "=", "sale"),
            ("company_id", "=", self.env["res.company"]._lifecycle_company().id),
        ]
        action = self.env["ir.actions.act_window"]._for_xml_id("sale.action_orders")
        action["name"] = self.env._("Confirmed Orders")
        action["domain"] = domain
        action["context"] = {"create": False}
        # the engine's own figure: nothing is read with elevated rights
        total = self._lifecycle_purchase_counts().get("sale", 0)
        shown = Order.search_count(domain)
        if shown < total:
            action["name"] = self.env._(
                "Confirmed Orders: %(shown)s of %(total)s (the others are not yours)",
                shown=shown,
                total=total,
            )
            action["help"] = Markup("<p>%s</p>") % self.env._(
                "The other confirmed orders of this customer belong to other salespeople: "
                "your access shows your own orders only. The lifecycle figures count them all."
            )
        action["display_name"] = action["name"]  # the title the web client shows
        return action

    def action_view_lifecycle_invoices(self):
        """The direct invoices the lifecycle figures count (posted customer invoices of the
        lifecycle company made from no order), as the user may read them: a salesperson with
        "Own Documents Only" sees the invoices that are theirs, and the title says how many of
        how many."""
        self.ensure_one()
        self._lifecycle_check_funnel_user()
        self.check_access("read")
        Move = self.env["account.move"]
        if not Move.has_access("read"):
            raise UserError(
                self.env._(
                    "You may not read invoices: the button counts this customer's direct "
                    "invoices, but opening them needs an Invoicing or Sales right. Ask an "
                    "administrator."
                )
            )
        domain = self._lifecycle_direct_invoice_domain()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice")
        action["name"] = self.env._("Direct Invoices")
        action["domain"] = domain
        action["context"] = {"create": False, "default_move_type": "out_invoice"}
        total = self._lifecycle_purchase_counts().get("invoice", 0)
        shown = Move.search_count(domain)
        if shown < total:
            action["name"] = self.env._(
                "Direct Invoices: %(shown)s of %(total)s (the others are not yours)",
                shown=shown,
                total=total,
            )
            action["help"] = Markup("<p>%s</p>") % self.env._(
                "The other direct invoices of this customer belong to other salespeople: your "
                "access shows your own invoices only. The lifecycle figures count them all."
            )
        action["display_name"] = action["name"]
        return action

    def _lifecycle_direct_invoice_domain(self):
        """The direct invoices of this customer in the lifecycle company: posted customer
        invoices with no line made from a sale order (the Point of Sale bridge also leaves
        out those made from its orders)."""
        return [
            ("partner_id", "child_of", self.commercial_partner_id.id),
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("company_id", "=", self.env["res.company"]._lifecycle_company().id),
            ("invoice_line_ids", "not any", [("sale_line_ids", "!=", False)]),
        ]

    def _lifecycle_purchase_sources(self):
        """[(source, the action method opening its documents, purchases counted from it)] of
        this customer, the sources it bought from only, in the order the buttons show them.
        The Point of Sale bridge adds its orders."""
        counts = self._lifecycle_purchase_counts()
        methods = [
            ("sale", "action_view_lifecycle_sale_orders"),
            ("invoice", "action_view_lifecycle_invoices"),
        ]
        return [
            (source, method, counts[source]) for source, method in methods if counts.get(source)
        ]

    def _lifecycle_purchase_counts(self):
        """{source: purchases counted from it} of this customer in the lifecycle company, from
        the engine's facts: 'sale' (sale orders), 'invoice' (direct invoices), 'pos' (the Point
        of Sale bridge's orders). Private: derived figures for a customer the caller may
        read."""
        company = self.env["res.company"]._lifecycle_company()
        customer = self.commercial_partner_id
        fact = self.env["customer.lifecycle.fact"]._for(customer.ids, company).get(customer.id)
        if not fact:
            return {}
        return {
            "sale": fact.order_count - fact.invoice_orders - fact.pos_orders,
            "invoice": fact.invoice_orders,
            "pos": fact.pos_orders,
        }

    def action_view_lifecycle_quotations(self):
        """The customer's open quotations in the lifecycle company, as the user may read them
        (the glance counts them all, whoever sent them: the title says when some are not
        shown)."""
        self.ensure_one()
        self._lifecycle_check_funnel_user()
        self.check_access("read")
        Order = self.env["sale.order"]
        if not Order.has_access("read"):
            raise UserError(
                self.env._(
                    "You may not read sale orders: opening the quotations needs a Sales right. "
                    "Ask an administrator."
                )
            )
        customer = self.commercial_partner_id
        company = self.env["res.company"]._lifecycle_company()
        domain = [
            ("partner_id", "child_of", customer.id),
            ("state", "in", ["draft", "sent"]),
            ("company_id", "=", company.id),
        ]
        action = self.env["ir.actions.act_window"]._for_xml_id("sale.action_quotations")
        action["name"] = self.env._("Open Quotations")
        action["domain"] = domain
        action["context"] = {"default_partner_id": customer.id}
        shown = Order.search_count(domain)
        # the glance's count, never another company's
        in_company = company in self.env.user.company_ids
        total = Order.sudo().search_count(domain) if in_company else shown
        if shown < total:
            action["name"] = self.env._(
                "Open Quotations: %(shown)s of %(total)s (the others are not yours)",
                shown=shown,
                total=total,
            )
        # the web client titles the list with display_name when the action has one
        action["display_name"] = action["name"]
        return action

    def action_view_lifecycle_overdue_invoices(self):
        """The customer's overdue invoices: the Invoiced button's list, filtered on Overdue."""
        self.ensure_one()
        self._lifecycle_check_funnel_user()
        self.check_access("read")
        if not self.env["account.move"].has_access("read"):
            raise UserError(
                self.env._(
                    "You may not read invoices: opening them needs an Invoicing or Sales "
                    "right. Ask an administrator."
                )
            )
        action = self.commercial_partner_id.action_view_partner_invoices()
        action["context"] = {
            **{
                key: value
                for key, value in action["context"].items()
                if key != "search_default_unpaid"
            },
            "search_default_late": 1,
        }
        return action

    def get_lifecycle_glance(self):
        """The line at the top of the form, as data for the lifecycle_glance widget.

        For lifecycle users, on a partner they may read; a contact shows its company's customer
        figures (its own consent: the person on the phone). Orders and quotations are the
        lifecycle company's, counted whoever sold them, as the orders button counts them; the
        number and products of the last order are shown only to who may open it. The overdue
        amount is the current company's, as on the Invoicing tab. Money figures (quotations
        amount, overdue) follow MONEY."""
        self.ensure_one()
        self._lifecycle_check_funnel_user()
        self.check_access("read")
        customer = self.commercial_partner_id
        if customer != self and not customer.has_access("read"):
            return False  # a shared contact of another company's customer: no line, no error
        today = fields.Date.context_today(self)
        may_see_money = self.env.su or self.env.user.has_groups(MONEY)
        stage = customer.lifecycle_stage_id
        glance = {
            "customer": {"id": customer.id, "name": customer.display_name},
            "is_contact": customer != self,
            "stage": {"name": stage.name, "color": stage.color or 0} if stage else False,
            "value_class": customer.lifecycle_value_class or False,
            "may_see_money": may_see_money,
            "consent": self._lifecycle_consent_state_lists()[self.id],
            "satisfaction": customer._lifecycle_glance_satisfaction(),
            "special_date": self._lifecycle_glance_special_date(today),
            **customer._lifecycle_glance_orders(may_see_money),
        }
        if may_see_money:
            glance["overdue"] = customer._lifecycle_glance_overdue(today)
        return glance

    def get_lifecycle_company_value(self):
        """What this customer is worth to the current company and how it pays it, for the
        Invoicing tab's widget (lifecycle_company_value), which asks when the tab is shown: the
        standard partner form carries no computed field of the addon. From the engine's
        per-company tables, refreshed every night; the stage and class are the customer's."""
        self.ensure_one()
        self.check_access("read")
        company = self.env.company
        customer = self.commercial_partner_id
        # margin and payment behaviour: for lifecycle and accounting users only, like the
        # partner's money fields (MONEY); the others get the stage, class and revenue
        may_see_money = self.env.su or self.env.user.has_groups(MONEY)
        fact = self.env["customer.lifecycle.fact"]._for(customer.ids, company).get(customer.id)
        payment = (
            self.env["customer.lifecycle.payment"]._for(customer.ids, company).get(customer.id)
        )
        customer = customer.sudo()
        value = {
            "company": company.name,
            "currency_id": company.currency_id.id,
            "stage": customer.lifecycle_stage_id.name or "",
            "value_class": customer.lifecycle_value_class or "",
            "order_count": fact.order_count if fact else 0,
            "revenue_total": fact.revenue if fact else 0.0,
            "revenue_12m": fact.revenue_12m if fact else 0.0,
        }
        if not may_see_money:
            return value
        # no invoice paid: no average (None), not 0.0 days ("on time")
        paid = payment.paid_invoice_count if payment else 0
        return {
            **value,
            "margin": fact.margin if fact else 0.0,
            "paid_invoice_count": paid,
            "days_to_pay": payment.days_to_pay if paid else None,
            "late_share": payment.late_share if paid else None,
            "overdue_amount": payment.overdue_amount if payment else 0.0,
            "overdue_since": fields.Date.to_string(payment.overdue_since) if payment else False,
        }

    @api.model
    def action_lifecycle_caller(self, number):
        """What /odoo/caller?number=... opens when the phone rings (the client action
        customer_lifecycle.caller): the customer's form; a list when several customers share
        the number; a new contact with the number (and its country) filled in when nobody has
        it (an empty list saying so to a user who may not create contacts). For lifecycle users,
        who find what they may read."""
        self._lifecycle_check_funnel_user()
        e164, customers = self._lifecycle_match_phone(number)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_lifecycle.res_partner_action_lifecycle_funnel"
        )
        form = (self.env.ref("base.view_partner_form").id, "form")
        funnel_list = self.env.ref("customer_lifecycle.res_partner_view_list_lifecycle_funnel")
        if len(customers) == 1:
            action.update(res_id=customers.id, view_mode="form", views=[form])
            return action
        if customers:
            action.update(
                name=self.env._("Customers with the Number %(number)s", number=e164),
                domain=[("id", "in", customers.ids)],
                view_mode="list,form",
                views=[(funnel_list.id, "list"), form],
            )
            return action
        # the funnel's address would reopen the funnel on a reload, not what is shown here
        action.pop("path", None)
        if not self.env["res.partner"].has_access("create"):
            # a new contact's form would only show Odoo's access error: say it instead
            action.update(
                name=self.env._("Nobody Has the Number %(number)s", number=e164),
                domain=[("id", "=", False)],
                view_mode="list",
                views=[(funnel_list.id, "list")],
                context={"create": False},
                help=Markup('<p class="o_view_nocontent_empty_folder">%s</p><p>%s</p>')
                % (
                    self.env._("No customer you may see has the number %(number)s.", number=e164),
                    self.env._(
                        "You may not create contacts: note the number and ask a colleague with "
                        "the Contact Creation right to add the caller."
                    ),
                ),
            )
            return action
        # nobody: a new contact, in the country the number belongs to (the company's for a
        # number dialled without prefix)
        region = phone_validation.phone_get_country_code_for_number(e164)
        country = self.env["res.country"].search([("code", "=", region)], limit=1)
        country = (region and country) or self.env.company.country_id
        action.update(
            name=self.env._("New Caller"),
            view_mode="form",
            views=[form],
            context={
                "default_phone": self._phone_format_number(
                    e164, country=country, force_format="INTERNATIONAL"
                ),
                "default_country_id": country.id,
            },
        )
        return action

    def action_lifecycle_mark_reviewed(self):
        """The rep checked the profile with the customer: the next review is due in a year (or
        the period set). Allowed to lifecycle users even without the right to edit contacts,
        on the customers they may read; that one field is written with elevated rights."""
        self._lifecycle_check_funnel_user()
        self.check_access("read")
        self.sudo().lifecycle_profile_reviewed_on = fields.Date.context_today(self)
        for partner in self.sudo():  # a note by the user, who may not post on contacts
            partner.message_post(
                body=self.env._("Profile reviewed with the customer."),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def action_lifecycle_update_profile(self):
        """The dialog where a lifecycle user keeps the customer's profile, referrer, channel and
        special dates, with or without the right to edit contacts."""
        self.ensure_one()
        self._lifecycle_check_funnel_user()
        self.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Update Profile of %(customer)s", customer=self.display_name),
            "res_model": "customer.lifecycle.profile",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_partner_id": self.id},
        }

    def action_lifecycle_anonymise(self):
        """Forget a customer who asked for it: the profile, special dates and what it wrote in
        its satisfaction answers (comments, address, browser, links) are cleared; the consent log
        (the proof), the scores and the sales figures (the business's statistics) stay.
        Lifecycle administrators only."""
        if not self.env.user.has_group("customer_lifecycle.group_lifecycle_manager"):
            raise UserError(self.env._("Only lifecycle administrators can anonymise a customer."))
        partners = self.sudo()
        partners.lifecycle_special_date_ids.unlink()
        partners.write(
            {
                "lifecycle_birthdate": False,
                "lifecycle_gender": False,
                "lifecycle_marital_status": False,
                "lifecycle_children": 0,
                "lifecycle_profession": False,
                "lifecycle_education": False,
                "lifecycle_interest_ids": [Command.clear()],
                "lifecycle_preferred_channel_id": False,
                "lifecycle_preferred_time": False,
                "lifecycle_preferred_payment": False,
                "lifecycle_expectations": False,
                "lifecycle_reason_id": False,
                # the private consent page link dies with the profile: an old link leads nowhere
                "lifecycle_consent_token": False,
            }
        )
        self.env["customer.satisfaction.request"]._forget(partners.ids)
        for partner in partners:
            partner.message_post(
                body=self.env._(
                    "Profile anonymised at the customer's request by %(user)s: personal profile "
                    "fields, special dates and satisfaction comments cleared, consent page and "
                    "satisfaction links revoked; consent log, scores and sales figures kept.",
                    user=self.env.user.name,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def action_lifecycle_record_consent(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Record Consent"),
            "res_model": "customer.consent",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_partner_id": self.id},
        }

    def action_lifecycle_consent_link(self):
        """The dialog with the customer's private consent page link (lifecycle users only)."""
        self.ensure_one()
        self.env["customer.consent.link"]._check_lifecycle_user()
        self.check_access("read")
        link = self.env["customer.consent.link"].create({"partner_id": self.id})
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Consent Page Link"),
            "res_model": "customer.consent.link",
            "res_id": link.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
        }

    def action_view_lifecycle_consents(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "customer_lifecycle.customer_consent_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action

    def get_lifecycle_consent_states(self):
        """The current consent per channel, for the Lifecycle tab's widget (read when the tab
        is shown: the standard form carries no computed field of the addon)."""
        self.ensure_one()
        self.check_access("read")
        return self._lifecycle_consent_state_lists()[self.id]

    # ==== BUSINESS METHODS: private, for the engine, the wizards, the pages ======================
    def _lifecycle_check_funnel_user(self):
        """Staff actions of the funnel are for lifecycle users, whatever the view shows."""
        if not self.env.su and not self.env.user.has_group(
            "customer_lifecycle.group_lifecycle_user"
        ):
            raise AccessError(
                self.env._(
                    "Only Customer Lifecycle users can do this: ask an administrator to add you "
                    "to the Customer Lifecycle / User group."
                )
            )

    def _lifecycle_move(
        self, stage, trigger="manual", reason=None, lost_reason=None, automatic=False
    ):
        """Move these customers to ``stage``: the one path of every stage change (a user's
        write, the funnel, the lost dialog, the engine), with the caller's rights. Records the
        history row (``trigger``, ``reason``, ``lost_reason``), tracks it in the chatter,
        schedules the stage's playbook and mirrors the stage on the contacts. A move by hand
        (``automatic`` False) sets the manual flag, and to Lost needs a reason; the engine's
        moves (``automatic``) are tracked in one batch. Private: not callable over RPC."""
        stage = stage.exists()
        if len(stage) != 1:
            raise UserError(self.env._("Choose one existing lifecycle stage to move to."))
        lost_reason = lost_reason or self.env["customer.lifecycle.lost.reason"]
        if not automatic and stage.code == "lost" and not (reason or lost_reason):
            raise UserError(
                self.env._("Moving a customer to %(stage)s needs a reason.", stage=stage.name)
            )
        # A contact's stage is its company's: a move on a contact moves the company.
        customers = self.commercial_partner_id
        # Customers already in the stage keep their date, flag and reason: nothing moved.
        moving = customers.filtered(lambda p: p.lifecycle_stage_id != stage)
        if not moving:
            return True
        previous = {partner.id: partner.lifecycle_stage_id for partner in moving}
        entered = {partner.id: partner.lifecycle_stage_date for partner in moving}
        now = fields.Datetime.now()
        vals = {
            "lifecycle_stage_id": stage.id,
            "lifecycle_stage_date": now,
            "lifecycle_stage_manual": not automatic,
            "lifecycle_lost_reason_id": stage.code == "lost" and lost_reason.id,
        }
        if automatic:  # many customers at once: one batch of chatter messages, below
            super(ResPartner, moving.with_context(mail_notrack=True)).write(vals)
        else:
            super(ResPartner, moving).write(vals)
        self.env["customer.lifecycle.history"].sudo().create(
            [
                {
                    "partner_id": partner.id,
                    "stage_from_id": previous[partner.id].id,
                    "stage_to_id": stage.id,
                    "trigger": trigger,
                    "reason": reason or False,
                    "lost_reason_id": lost_reason.id,
                    "days_in_stage": entered[partner.id]
                    and (now - entered[partner.id]).total_seconds() / 86400,
                }
                for partner in moving
            ]
        )
        moving._lifecycle_sync_contacts()
        moving._lifecycle_schedule_playbook(stage, previous, quiet=trigger == "schedule")
        if automatic:
            moving._lifecycle_post_stage_tracking(stage, previous)
        return True

    def _lifecycle_post_stage_tracking(self, stage, previous):
        """The chatter's stage-change messages for many customers in two statements: the rows
        Odoo's own tracking would write (_message_track logs them with _message_log: an internal
        note, its Message-Id, the author's reply-to; a tracking value per message, from which
        time in stage is read), which tests/test_engine_faults.py compares column by column.
        Posting them one by one through the ORM costs about 3 ms a customer, and core's
        _message_log_batch refuses tracking values on more than one record."""
        now = fields.Datetime.now()
        author_id, email_from = self._message_compute_author()
        reply_to = self.env["mail.thread"]._notify_get_reply_to(
            default=email_from, author_id=author_id
        )[False]
        moved = [(partner.id, previous[partner.id]) for partner in self]
        self.env["mail.message"].flush_model()
        self.env.cr.execute(
            SQL(
                """WITH moved AS (
                       SELECT * FROM unnest(%(ids)s::int[], %(old_ids)s::int[],
                                            %(old_names)s::varchar[], %(message_ids)s::varchar[])
                                  AS m(res_id, old_id, old_name, message_id)
                   ), messages AS (
                       INSERT INTO mail_message
                              (model, res_id, message_type, subtype_id, author_id, email_from,
                               reply_to, message_id, date, body, is_internal,
                               email_add_signature, create_uid, create_date, write_uid,
                               write_date)
                       SELECT 'res.partner', m.res_id, 'notification', %(subtype)s, %(author)s,
                              %(email_from)s, %(reply_to)s, m.message_id, %(now)s, '', TRUE,
                              FALSE, %(uid)s, %(now)s, %(uid)s, %(now)s
                         FROM moved m
                    RETURNING id, res_id
                   )
                   INSERT INTO mail_tracking_value
                          (field_id, old_value_integer, old_value_char, new_value_integer,
                           new_value_char, mail_message_id, create_uid, create_date, write_uid,
                           write_date)
                   SELECT %(field)s, m.old_id, m.old_name, %(new_id)s, %(new_name)s, msg.id,
                          %(uid)s, %(now)s, %(uid)s, %(now)s
                     FROM messages msg JOIN moved m ON m.res_id = msg.res_id""",
                ids=[pid for pid, _old in moved],
                old_ids=[old.id or None for _pid, old in moved],
                old_names=[old.display_name or None for _pid, old in moved],
                message_ids=[generate_tracking_message_id("message-notify") for _move in moved],
                subtype=self.env.ref("mail.mt_note").id,
                author=author_id or None,
                email_from=email_from or None,
                reply_to=reply_to or None,
                now=now,
                uid=self.env.uid,
                field=self.env["ir.model.fields"]._get(self._name, "lifecycle_stage_id").id,
                new_id=stage.id,
                new_name=stage.display_name,
            )
        )
        self.env["mail.message"].invalidate_model()

    def _lifecycle_after_evidence(self, trigger):
        """New evidence on these partners (a referrer set, a contact moved): re-evaluate them."""
        self.env["customer.lifecycle.engine"]._recompute_partners(self, trigger)

    def _lifecycle_copy_from_commercial(self):
        """Contacts show their commercial entity's lifecycle values."""
        self.commercial_partner_id._lifecycle_sync_contacts()

    def _lifecycle_sync_contacts(self):
        """Copy the lifecycle values of these commercial entities onto their contacts, in SQL:
        no tracking or history on contacts, whose lifecycle is their company's."""
        names = list(MIRRORED_FIELDS)
        self.flush_recordset(names)
        # a contact just created has its commercial_partner_id still waiting to be flushed
        self.flush_model(["commercial_partner_id"])
        columns = SQL(", ").join(SQL.identifier(name) for name in names)
        values = SQL(", ").join(SQL.identifier("c", name) for name in names)
        self.env.cr.execute(
            SQL(
                """UPDATE res_partner p SET (%(columns)s) = ROW(%(values)s)
                     FROM res_partner c
                    WHERE c.id = p.commercial_partner_id AND p.id != c.id
                      AND c.id = ANY(%(ids)s)""",
                columns=columns,
                values=values,
                ids=self.ids,
            )
        )
        self.invalidate_model(names)

    def _lifecycle_drop_previous_playbook(self, stage):
        """The stages left behind are done with: their playbook activities still open would
        stand as the card's next step (a quotation follow-up on a customer who just ordered).
        Only what a playbook scheduled goes (mail.activity.lifecycle_stage_id); a rep's own
        activities stay, whatever their type."""
        self.env["mail.activity"].sudo().search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "in", self.ids),
                ("lifecycle_stage_id", "not in", [False, stage.id]),
            ]
        ).unlink()

    def _lifecycle_schedule_playbook(self, stage, previous, quiet=False):
        """Schedule the stage's activity on every partner entering it; when a referral buys for
        the first time, thank its referrer."""
        self._lifecycle_drop_previous_playbook(stage)
        today = fields.Date.context_today(self)
        Activity = self.env["mail.activity"].sudo()
        if quiet:
            # The nightly run schedules hundreds at once: they appear in each rep's activities,
            # without one "assigned to you" message (and email) per activity.
            Activity = Activity.with_context(mail_activity_quick_update=True)
        model_id = self.env["ir.model"]._get_id("res.partner")
        vals_list = []
        if stage.activity_type_id:
            for partner in self:
                vals_list.append(
                    {
                        "res_model_id": model_id,
                        "res_id": partner.id,
                        "activity_type_id": stage.activity_type_id.id,
                        "summary": stage.activity_summary or stage.activity_type_id.summary,
                        "date_deadline": fields.Date.add(today, days=stage.activity_delay_days),
                        "user_id": (stage.activity_user_id or partner.user_id or self.env.user).id,
                        "lifecycle_stage_id": stage.id,
                    }
                )
        thank = self.env.ref("customer_lifecycle.activity_type_thank_referrer")
        if stage.code in ("buyer", "customer", "fan"):
            for partner in self:
                referrer = partner.lifecycle_referred_by_id
                if referrer and previous[partner.id].code == "referral":
                    vals_list.append(
                        {
                            "res_model_id": model_id,
                            "res_id": referrer.id,
                            "activity_type_id": thank.id,
                            "summary": self.env._(
                                "Thank %(referrer)s for bringing %(customer)s",
                                referrer=referrer.name,
                                customer=partner.name,
                            ),
                            "date_deadline": today,
                            "user_id": (referrer.user_id or self.env.user).id,
                        }
                    )
        Activity.create(vals_list)

    def _lifecycle_after_satisfaction_answer(self, request, previous_category):
        """What an answer changes in the funnel: called once per recorded answer (page or staff),
        on the customer (commercial entity) after its last-answer fields were written.
        `request` is the customer.satisfaction.request answered; `previous_category` the category
        the customer had before this answer (None when it never answered).

        A detractor's answer, or the first one after it, re-evaluates the customer at once with
        the trigger "feedback": a Fan who answers as a detractor leaves the Fan stage, a
        detractor whose new answer is not may become a Fan again. Other answers change no rule:
        they leave the stage (and its history) alone. Then the follow-up activities (call back
        a detractor, ask a promoter for a referral)."""
        # an answer on the public page: the moves and activities are the system's (OdooBot),
        # not the public user's
        partner = self if self.env.user._is_internal() else self.with_user(SUPERUSER_ID)
        if "detractor" in (request.category, previous_category):
            partner.env["customer.lifecycle.engine"].sudo()._recompute_partners(partner, "feedback")
        request.with_env(partner.env)._lifecycle_schedule_follow_up()

    @api.model
    def _lifecycle_customer_domain(self):
        """Who is a customer, for the funnel and the Customer Value analysis alike: a
        commercial entity with a stage, not an internal user, and not a pure vendor - a vendor
        who ordered or asked for a quotation is a customer too."""
        return Domain(
            [
                ("lifecycle_stage_id", "!=", False),
                "!",
                ("user_ids", "any", [("share", "=", False)]),
                "|",
                ("is_company", "=", True),
                ("parent_id", "=", False),
                "|",
                "|",
                "|",
                ("supplier_rank", "=", 0),
                ("customer_rank", ">", 0),
                ("lifecycle_order_count", ">", 0),
                ("lifecycle_last_quotation_date", "!=", False),
            ]
        )

    def _lifecycle_consent_state_lists(self):
        """The current consent per channel of each partner, the preferred channel marked."""
        Consent = self.env["customer.consent"]
        by_partner = Consent._channel_states(self._origin.ids)
        # the tooltip, in the user's language ("Email: Granted"), not the raw state
        states = {
            **dict(Consent._fields["state"]._description_selection(self.env)),
            "expired": self.env._("Expired"),
            "unknown": self.env._("Not recorded"),
        }
        for partner in self._origin:
            preferred = partner.lifecycle_preferred_channel_id.id
            for channel in by_partner[partner.id]:
                channel["preferred"] = channel["id"] == preferred
                channel["label"] = self.env._(
                    "%(channel)s: %(state)s",
                    channel=channel["name"],
                    state=states.get(channel["state"], channel["state"]),
                )
        return by_partner

    @api.model
    def _lifecycle_from_consent_token(self, token):
        """The partner whose consent page this token opens, or an empty recordset (also for
        anything that is not a token: not text, too short or too long)."""
        if not isinstance(token, str) or not 20 <= len(token) <= 64:
            return self.browse()
        return self.search([("lifecycle_consent_token", "=", token)], limit=1)

    def _lifecycle_consent_url(self, renew=False):
        """The private link to the customer's consent page (created on first use; renew
        revokes the previous one)."""
        self.ensure_one()
        partner = self.sudo()
        if renew or not partner.lifecycle_consent_token:
            partner.lifecycle_consent_token = secrets.token_urlsafe(24)
        return f"{partner.get_base_url()}/consent/{partner.lifecycle_consent_token}"

    @api.model
    def _lifecycle_find_by_referral_code(self, code):
        """The customer (commercial entity) a typed referral code stands for; a clear error when
        none does. Typed by a rep who may not read every customer: looked up with elevated
        rights, but only among the customers of the user's companies (or shared ones)."""
        if not isinstance(code, str):
            raise ValidationError(
                self.env._(
                    "A referral code is text: two groups of four letters and digits, like "
                    "7K3M-Q2XD."
                )
            )
        partner_id = referral_code.decode(code)
        partner = self.sudo().browse(partner_id).exists() if partner_id else self.browse()
        if partner.company_id and partner.company_id not in self.env.companies:
            partner = self.browse()
        if not partner or not partner.active:
            raise ValidationError(
                self.env._(
                    "No customer has the referral code %(code)s. Check it with the customer: a "
                    "code is two groups of four letters and digits, like 7K3M-Q2XD.",
                    code=code,
                )
            )
        return partner.commercial_partner_id

    @api.model
    def _lifecycle_phone_readings(self, number):
        """The E.164 numbers a caller ID `number` may stand for, the likeliest first, each
        formatted as phone_validation formats phone_sanitized.

        `+39 02 1234 5678`, `0039 02 1234 5678` and `02-1234-5678` all read as +390212345678
        in an Italian company: a number without international prefix is read in the country of
        the current company. Phone systems often drop the `+` (`48600100200`): the digits read
        as an international number come second, tried only when the first reading finds no one.
        Never read in any other country: a wrong card for a caller is worse than none."""
        # a JSON client may send the digits as a number
        text = str(number).strip() if isinstance(number, (str, int)) else ""
        digits = re.sub(r"\D", "", text)
        if len(digits) < 3 or isinstance(number, bool):
            raise UserError(
                self.env._(
                    '"%(number)s" is not a phone number: give the number as the phone shows '
                    "it, for example +39 02 1234 5678 or 600 100 200.",
                    number=text,
                )
            )
        # the country of the company's own address, read alone: company.country_id looks the
        # address up among the partner's contacts, and full company and partner rows cost more
        # than the whole lookup (the user's own company: no rule to check)
        company = self.env.company.sudo().with_context(prefetch_fields=False)
        country = company.partner_id.country_id.with_env(self.env)
        readings = [self._phone_format_number(text, country=country, force_format="E164")]
        if not text.startswith("+"):
            international = digits[2:] if digits.startswith("00") else digits
            readings.append(
                self._phone_format_number(f"+{international}", country=country, force_format="E164")
            )
        readings = list(dict.fromkeys(reading for reading in readings if reading))
        if not readings:
            raise UserError(
                self.env._(
                    'No phone number can be read in "%(number)s": give it with its country '
                    "prefix (+39 02 1234 5678, 0048 600 100 200) or as dialled in %(country)s.",
                    number=text,
                    country=country.name or self.env._("the company's country"),
                )
            )
        return readings

    @api.model
    def _lifecycle_find_by_phone(self, number):
        """The customers (commercial entities) whose number, or one of whose contacts' numbers,
        is the caller ID `number` in any format, as the current user may read them: record
        rules apply (a user of another company finds nothing of this one). Archived contacts
        are not found. Raises UserError when `number` cannot be read as a phone number."""
        return self._lifecycle_match_phone(number)[1]

    @api.model
    def _lifecycle_match_phone(self, number):
        """(E.164 number, customers) for a caller ID: the first reading of `number` (see
        _lifecycle_phone_readings) that finds someone and who it finds, by name; else the
        likeliest reading and no one. One indexed equality on phone_sanitized per reading."""
        readings = self._lifecycle_phone_readings(number)
        for e164 in readings:
            contacts = self.search_fetch(
                [("phone_sanitized", "=", e164)], ["commercial_partner_id"]
            )
            # their customers, as the user may read them, active (one narrow query)
            customers = contacts and self.search_fetch(
                [("id", "in", contacts.commercial_partner_id.ids)], ["name"], order="name, id"
            )
            if customers:
                return e164, customers
        return readings[0], self.browse()

    @api.model
    def _lifecycle_sanitize_phones(self, batch_size=5000):
        """Recompute phone_sanitized wherever it is not E.164, and return how many partners
        that was. Odoo without the phonenumbers library stores the number as typed
        (`+39 02 1234 5678`, `02-1234-5678`), which no caller lookup finds; run at install and
        by the 19.0.1.4.0 upgrade. Numbers that do not parse stay empty, as Odoo leaves them.
        The rows are picked in one query; Odoo's own compute formats them (the
        partner's country, else the company's), a batch at a time."""
        self.env.cr.execute(
            SQL(
                """SELECT id FROM res_partner
                    WHERE phone_sanitized IS NOT NULL AND phone_sanitized !~ %s
                    ORDER BY id""",
                r"^\+[1-9][0-9]{2,14}$",
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        field = self._fields["phone_sanitized"]
        for start in range(0, len(ids), batch_size):
            partners = self.with_context(active_test=False).browse(ids[start : start + batch_size])
            self.env.add_to_compute(field, partners)
            partners.flush_recordset(["phone_sanitized"])
            self.env.invalidate_all()
        return len(ids)

    def _lifecycle_glance_orders(self, may_see_money):
        """The last order (date; number and main products when the user may open it) and the
        open quotations of this customer (a commercial entity) in the lifecycle company, in the
        user's companies only."""
        company = self.env["res.company"]._lifecycle_company()
        Order = self.env["sale.order"]
        result = {
            "last_order": False,
            "quotations": {"count": 0},
            "currency_id": company.currency_id.id,
            "may_open_orders": Order.has_access("read"),
            "may_open_invoices": self.env["account.move"].has_access("read"),
        }
        if company not in self.env.user.company_ids:
            return result
        order_id, name, date_order, products, count, amount = (
            Order._lifecycle_last_order_and_quotations(self, company)
        )
        result["quotations"] = {"count": count}
        if may_see_money:
            result["quotations"]["amount"] = amount or 0.0
        order_day = order_id and fields.Datetime.context_timestamp(self, date_order).date()
        if order_id:
            order = Order.browse(order_id)
            readable = order.has_access("read")
            products = products or []
            result["last_order"] = {
                "date": fields.Date.to_string(order_day),
                "readable": readable,
                "name": readable and name,
                "product": readable and bool(products) and products[0],
                "more": max(len(products) - 1, 0) if readable else 0,
            }
        # a later purchase of another source (a direct invoice, a sale at the counter): its
        # day, as the engine counted it; the purchases button opens it
        last_purchase = self.sudo().lifecycle_last_order_date
        if last_purchase and (not order_id or last_purchase > order_day):
            result["last_order"] = {
                "date": fields.Date.to_string(last_purchase),
                "readable": True,
                "name": False,
                "product": False,
                "more": 0,
            }
        return result

    def _lifecycle_glance_overdue(self, today):
        """What this customer (a commercial entity) owes the current company past due."""
        company = self.env.company
        amount, since = self.env["customer.lifecycle.payment"]._overdue_now(self, company, today)
        return {
            "amount": amount,
            "since": fields.Date.to_string(since) if since else False,
            "currency_id": company.currency_id.id,
        }

    def _lifecycle_glance_satisfaction(self):
        """The customer's last answer, or False when it never answered."""
        if not self.lifecycle_satisfaction_category:
            return False
        categories = dict(
            self._fields["lifecycle_satisfaction_category"]._description_selection(self.env)
        )
        answered = self.lifecycle_satisfaction_date
        return {
            "score": self.lifecycle_satisfaction_score,
            "category": self.lifecycle_satisfaction_category,
            "title": self.env._(
                "Last satisfaction answer: %(score)s of 10, %(category)s",
                score=self.lifecycle_satisfaction_score,
                category=categories[self.lifecycle_satisfaction_category],
            ),
            "date": answered
            and fields.Date.to_string(fields.Datetime.context_timestamp(self, answered).date()),
        }

    def _lifecycle_glance_special_date(self, today):
        """The next special date of the partner or its company, on or after today, as the
        reminders count them (customer.special.date._next_occurrence_sql); the user's rights
        and the special dates' company rule apply."""
        Special = self.env["customer.special.date"]
        Special.flush_model(["partner_id", "date"])
        allowed = Special._search([("partner_id", "in", (self | self.commercial_partner_id).ids)])
        rows = self.env.execute_query(
            SQL(
                """SELECT d.id, %(next_day)s AS next_day
                     FROM customer_special_date d
                    WHERE d.id IN %(allowed)s
                 ORDER BY next_day, d.id
                    LIMIT 1""",
                next_day=Special._next_occurrence_sql(today),
                allowed=allowed.subselect(),
            )
        )
        if not rows:
            return False
        special_id, next_day = rows[0]
        special = Special.browse(special_id)
        return {
            "date": fields.Date.to_string(next_day),
            "days": (next_day - today).days,
            "name": special.display_name,
            "of_company": special.partner_id != self,
        }
