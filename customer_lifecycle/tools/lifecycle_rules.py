"""The lifecycle rules as plain functions.

The test oracle of the engine's SQL: the engine classifies every customer in one SQL statement
(models/customer_lifecycle_engine.py, CLASSIFY) and takes from here only the constants (the RFM
grid, the segments, the health factors, the settings' bounds); the Odoo tests compare its results
with these functions, and the Odoo-free part of the suite pins them. No Odoo import here. Days
are numbers of days (int or float); ``None`` means "not known".
"""

# Funnel order. The codes drive the rules; the stage names shown to users are data.
STAGE_CODES = ("potential", "prospect", "referral", "buyer", "customer", "fan", "lost")

# Stages reached with confirmed orders, and stages of partners that never ordered.
BUYING_STAGES = frozenset({"buyer", "customer", "fan", "lost"})
PRE_PURCHASE_STAGES = frozenset({"potential", "prospect", "referral"})

# Net Promoter Score: the answer to "how likely are you to recommend us" (0-10) falls in one of
# three categories; NPS is the share of promoters minus the share of detractors, in points.
SATISFACTION_SCORES = range(0, 11)
PROMOTER_MIN_SCORE = 9
PASSIVE_MIN_SCORE = 7


def satisfaction_category(score):
    """'promoter' (9-10), 'passive' (7-8) or 'detractor' (0-6); None for no answer."""
    if score is None:
        return None
    if score not in SATISFACTION_SCORES:
        raise ValueError(f"A satisfaction score is a whole number from 0 to 10, not {score!r}.")
    if score >= PROMOTER_MIN_SCORE:
        return "promoter"
    if score >= PASSIVE_MIN_SCORE:
        return "passive"
    return "detractor"


def expected_interval_days(order_count, own_mean_days, company_median_days, default_days):
    """Days we expect between two orders of this customer.

    The customer's own mean gap once it has two orders or more; else the company-wide median gap
    of repeat customers; else the configured default.
    """
    if order_count >= 2 and own_mean_days:
        return float(own_mean_days)
    if company_median_days:
        return float(company_median_days)
    return float(default_days)


def lost_threshold_days(expected_days, lost_factor, min_lost_days):
    """Days without an order after which a customer who bought before counts as lost."""
    return max(float(min_lost_days), lost_factor * float(expected_days))


def is_lost(days_since_last_order, expected_days, lost_factor, min_lost_days):
    """True when the last order is further back than the lost threshold."""
    if days_since_last_order is None:
        return False
    return days_since_last_order > lost_threshold_days(expected_days, lost_factor, min_lost_days)


def stage_for(
    *,
    order_count,
    days_since_last_order=None,
    expected_days=None,
    lost_factor=3.0,
    min_lost_days=180,
    rfm_segment=None,
    fan_now=False,
    converted_referrals=0,
    fan_referrals=3,
    referred=False,
    showed_interest=False,
    detractor=False,
):
    """The stage code the evidence points to.

    With orders the rules are tried in the order lost, fan, customer, buyer; without orders
    referral, prospect, potential. A repeat customer becomes a fan in the top RFM segment and,
    once a fan (fan_now), stays one while the segment is one of FAN_HOLD_SEGMENTS. detractor:
    the customer's last satisfaction answer is a detractor's (0-6); fans are very satisfied
    customers, so a detractor is never a fan, whatever its RFM segment or referrals.
    """
    if order_count > 0:
        if expected_days is not None and is_lost(
            days_since_last_order, expected_days, lost_factor, min_lost_days
        ):
            return "lost"
        is_repeat = order_count >= 2
        fan_segments = FAN_HOLD_SEGMENTS if fan_now else {TOP_RFM_SEGMENT}
        by_segment = is_repeat and rfm_segment in fan_segments
        if not detractor and (by_segment or converted_referrals >= fan_referrals):
            return "fan"
        return "customer" if is_repeat else "buyer"
    if referred:
        return "referral"
    if showed_interest:
        return "prospect"
    return "potential"


# -- Health -----------------------------------------------------------------------------------

HEALTH_DUE_FACTOR = 1.0  # past the expected interval: due for the next order
HEALTH_OVERDUE_FACTOR = 2.0  # past twice the expected interval: overdue


def health(days_since_last_order, expected_days):
    """'on_track', 'due' or 'overdue' for a customer who ordered; None for one who never did."""
    if days_since_last_order is None or expected_days is None:
        return None
    if days_since_last_order > HEALTH_OVERDUE_FACTOR * expected_days:
        return "overdue"
    if days_since_last_order > HEALTH_DUE_FACTOR * expected_days:
        return "due"
    return "on_track"


# -- RFM --------------------------------------------------------------------------------------


def quintile_scores(values):
    """Scores 1-5 by quintile of each value in ``values`` (higher value, higher score).

    Equal values always share a score: the score of a value is decided by how many values are
    strictly smaller, ``1 + floor(5 * smaller / n)``. A plain NTILE would split a tie across
    buckets, which is wrong when most customers bought exactly once. The SQL engine uses the same
    formula with ``rank()``.
    """
    ordered = sorted(values)
    n = len(ordered)
    smaller = {}
    for position, value in enumerate(ordered):
        smaller.setdefault(value, position)
    return [1 + (5 * smaller[value]) // n for value in values]


# Segment codes with their labels, in the order a manager reads them.
RFM_SEGMENTS = (
    ("champions", "Champions"),
    ("loyal", "Loyal"),
    ("potential_loyalist", "Potential Loyalist"),
    ("new", "New Customers"),
    ("promising", "Promising"),
    ("need_attention", "Need Attention"),
    ("about_to_sleep", "About to Sleep"),
    ("at_risk", "At Risk"),
    ("cannot_lose", "Cannot Lose Them"),
    ("hibernating", "Hibernating"),
    ("lost", "Lost Customers"),
)

# Each segment as the cells it covers on the grid recency (R) x frequency-and-monetary (FM),
# FM being the mean of F and M rounded half up. The test walks all 125 (R, F, M) cells and finds
# exactly one segment for each.
RFM_SEGMENT_CELLS = {
    "champions": {(5, 4), (5, 5), (4, 5)},
    "loyal": {(4, 4), (3, 4), (3, 5)},
    "potential_loyalist": {(5, 2), (5, 3), (4, 2), (4, 3)},
    "new": {(5, 1)},
    "promising": {(4, 1)},
    "need_attention": {(3, 3)},
    "about_to_sleep": {(3, 1), (3, 2)},
    "at_risk": {(2, 3), (2, 4), (1, 3), (1, 4)},
    "cannot_lose": {(2, 5), (1, 5)},
    "hibernating": {(2, 1), (2, 2)},
    "lost": {(1, 1), (1, 2)},
}

# The segment that, for a repeat customer, makes a fan.
TOP_RFM_SEGMENT = "champions"
# Once a fan, a repeat customer stays one while in these segments: the quintile edges move every
# day, and a stage flipping between Customer and Fan schedules the Fan playbook each time.
FAN_HOLD_SEGMENTS = frozenset({"champions", "loyal"})


def rfm_fm(frequency, monetary):
    """The combined frequency-and-monetary score: the mean of F and M, rounded half up."""
    return (frequency + monetary + 1) // 2


def rfm_segment(recency, frequency, monetary):
    """The named segment of a cell of scores 1-5."""
    cell = (recency, rfm_fm(frequency, monetary))
    for code, cells in RFM_SEGMENT_CELLS.items():
        if cell in cells:
            return code
    raise ValueError(f"RFM scores out of range: {recency}, {frequency}, {monetary}")


# -- Value class (Pareto / ABC) ---------------------------------------------------------------


def value_classes(revenues, class_a_percent=80.0, class_b_percent=95.0):
    """'A', 'B' or 'C' for each revenue.

    Customers are taken from the largest revenue down (equal revenues in the given order); a
    customer is A while the revenue of the customers before it is under class_a_percent of the
    total, so the customer that crosses the line is still A; B likewise up to class_b_percent;
    the rest and anyone without revenue are C.
    """
    total = sum(r for r in revenues if r > 0)
    classes = ["C"] * len(revenues)
    if total <= 0:
        return classes
    running = 0.0
    for index in sorted(range(len(revenues)), key=lambda i: -revenues[i]):
        revenue = revenues[index]
        if revenue <= 0:
            break
        share_before = 100.0 * running / total
        classes[index] = (
            "A"
            if share_before < class_a_percent
            else "B"
            if share_before < class_b_percent
            else "C"
        )
        running += revenue
    return classes


# -- Settings ---------------------------------------------------------------------------------


# Upper bounds of the settings: beyond them the date arithmetic (dates up to year 9999,
# PostgreSQL intervals) overflows, and no business waits that long anyway.
MAX_LOST_FACTOR = 100
MAX_DAYS = 3650  # ten years: minimum days before lost, default interval
MAX_FAN_REFERRALS = 1000
MAX_MONTHS = 240  # twenty years: RFM window, consent validity, profile review


def settings_errors(
    *, lost_factor, min_lost_days, default_interval, fan_referrals, rfm_months, class_a, class_b
):
    """The settings that cannot be used, as codes (the Odoo side words the message)."""
    checks = {
        "lost_factor": 1 < lost_factor <= MAX_LOST_FACTOR,
        "min_lost_days": 0 <= min_lost_days <= MAX_DAYS,
        "default_interval": 1 <= default_interval <= MAX_DAYS,
        "fan_referrals": 1 <= fan_referrals <= MAX_FAN_REFERRALS,
        "rfm_months": 0 <= rfm_months <= MAX_MONTHS,
        "class_cutoffs": 0 < class_a < class_b <= 100,
    }
    return [code for code, ok in checks.items() if not ok]
