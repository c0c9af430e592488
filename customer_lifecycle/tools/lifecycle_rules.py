"""The lifecycle rules as plain functions.

No Odoo import here: the engine calls these, and the Odoo-free part of the test suite checks them
directly. Days are numbers of days (int or float); ``None`` means "not known".
"""

# Funnel order. The codes drive the rules; the stage names shown to users are data.
STAGE_CODES = ("potential", "prospect", "referral", "buyer", "customer", "fan", "lost")

# Stages reached with confirmed orders, and stages of partners that never ordered.
BUYING_STAGES = frozenset({"buyer", "customer", "fan", "lost"})
PRE_PURCHASE_STAGES = frozenset({"potential", "prospect", "referral"})


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
    top_rfm_cell=False,
    converted_referrals=0,
    fan_referrals=3,
    referred=False,
    showed_interest=False,
):
    """The stage code the evidence points to.

    With orders the rules are tried in the order lost, fan, customer, buyer; without orders
    referral, prospect, potential.
    """
    if order_count > 0:
        if expected_days is not None and is_lost(
            days_since_last_order, expected_days, lost_factor, min_lost_days
        ):
            return "lost"
        is_repeat = order_count >= 2
        if (is_repeat and top_rfm_cell) or converted_referrals >= fan_referrals:
            return "fan"
        return "customer" if is_repeat else "buyer"
    if referred:
        return "referral"
    if showed_interest:
        return "prospect"
    return "potential"
