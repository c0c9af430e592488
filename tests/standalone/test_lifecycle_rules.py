"""The lifecycle rules, as plain functions."""

import pytest


def stage(rules, **evidence):
    settings = {"lost_factor": 3.0, "min_lost_days": 180, "fan_referrals": 3}
    return rules.stage_for(**{**settings, **evidence})


def test_stage_codes_are_the_seven_in_funnel_order(rules):
    assert rules.STAGE_CODES == (
        "potential",
        "prospect",
        "referral",
        "buyer",
        "customer",
        "fan",
        "lost",
    )
    assert rules.BUYING_STAGES | rules.PRE_PURCHASE_STAGES == set(rules.STAGE_CODES)
    assert not rules.BUYING_STAGES & rules.PRE_PURCHASE_STAGES


def test_without_orders_referral_beats_prospect_beats_potential(rules):
    assert stage(rules, order_count=0) == "potential"
    assert stage(rules, order_count=0, showed_interest=True) == "prospect"
    assert stage(rules, order_count=0, showed_interest=True, referred=True) == "referral"


def test_one_order_is_buyer_two_are_customer(rules):
    assert stage(rules, order_count=1, days_since_last_order=10, expected_days=60) == "buyer"
    assert stage(rules, order_count=2, days_since_last_order=10, expected_days=60) == "customer"


def test_orders_outrank_referral_and_interest(rules):
    assert (
        stage(
            rules,
            order_count=1,
            days_since_last_order=1,
            expected_days=30,
            referred=True,
            showed_interest=True,
        )
        == "buyer"
    )


def test_fan_needs_a_repeat_customer_in_the_top_cell_or_enough_converted_referrals(rules):
    assert (
        stage(
            rules, order_count=1, days_since_last_order=5, expected_days=60, rfm_segment="champions"
        )
        == "buyer"
    )
    assert (
        stage(
            rules, order_count=4, days_since_last_order=5, expected_days=60, rfm_segment="champions"
        )
        == "fan"
    )
    assert (
        stage(
            rules, order_count=1, days_since_last_order=5, expected_days=60, converted_referrals=3
        )
        == "fan"
    )
    assert (
        stage(
            rules, order_count=1, days_since_last_order=5, expected_days=60, converted_referrals=2
        )
        == "buyer"
    )


def test_a_detractor_is_never_a_fan_whatever_its_cell_or_referrals(rules):
    fan_evidence = {"days_since_last_order": 5, "expected_days": 60}
    # the top RFM cell of a repeat customer, or enough converted referrals: a fan, unless the
    # last answer is a detractor's; then the rule falls through to customer / buyer
    assert stage(rules, order_count=4, rfm_segment="champions", **fan_evidence) == "fan"
    assert stage(rules, order_count=4, rfm_segment="champions", detractor=True, **fan_evidence) == (
        "customer"
    )
    assert stage(rules, order_count=1, converted_referrals=3, **fan_evidence) == "fan"
    assert stage(rules, order_count=1, converted_referrals=9, detractor=True, **fan_evidence) == (
        "buyer"
    )
    assert (
        stage(
            rules,
            order_count=4,
            rfm_segment="champions",
            converted_referrals=9,
            detractor=True,
            **fan_evidence,
        )
        == "customer"
    )
    # being a detractor changes nothing else: lost stays lost, no orders stay before buying
    assert (
        stage(rules, order_count=4, days_since_last_order=999, expected_days=60, detractor=True)
        == "lost"
    )
    assert stage(rules, order_count=0, referred=True, detractor=True) == "referral"
    # a passive or promoter (detractor False, the default) is a fan again
    assert (
        stage(rules, order_count=4, rfm_segment="champions", detractor=False, **fan_evidence)
        == "fan"
    )


def test_the_satisfaction_categories_split_at_7_and_9(rules):
    assert [rules.satisfaction_category(score) for score in range(11)] == [
        *["detractor"] * 7,
        "passive",
        "passive",
        "promoter",
        "promoter",
    ]
    assert rules.satisfaction_category(None) is None
    for bad in (-1, 11, 7.5, "9"):
        with pytest.raises(ValueError, match="whole number from 0 to 10"):
            rules.satisfaction_category(bad)


def test_lost_comes_first_for_customers_with_orders(rules):
    # threshold = max(180, 3 x 90) = 270 days
    assert (
        stage(
            rules,
            order_count=9,
            days_since_last_order=271,
            expected_days=90,
            rfm_segment="champions",
            converted_referrals=5,
        )
        == "lost"
    )
    assert (
        stage(
            rules,
            order_count=9,
            days_since_last_order=270,
            expected_days=90,
            rfm_segment="champions",
        )
        == "fan"
    )


@pytest.mark.parametrize(
    ("expected_days", "factor", "min_days", "threshold"),
    [(30, 3.0, 180, 180.0), (90, 3.0, 180, 270.0), (100, 2.5, 0, 250.0), (0, 3.0, 45, 45.0)],
)
def test_lost_threshold_is_the_larger_of_minimum_and_factor_times_interval(
    rules, expected_days, factor, min_days, threshold
):
    assert rules.lost_threshold_days(expected_days, factor, min_days) == threshold


def test_never_ordered_is_never_lost(rules):
    assert not rules.is_lost(None, 30, 3.0, 180)


@pytest.mark.parametrize(
    ("order_count", "own_mean", "company_median", "default", "expected"),
    [
        (5, 40.0, 90.0, 120, 40.0),  # own rhythm once it has two orders or more
        (2, 12.5, 90.0, 120, 12.5),
        (1, None, 90.0, 120, 90.0),  # one order: the company's repeat customers' median
        (1, None, None, 120, 120.0),  # nobody bought twice yet: the configured default
        (0, None, 0, 75, 75.0),
    ],
)
def test_expected_interval_falls_back_from_own_to_company_to_default(
    rules, order_count, own_mean, company_median, default, expected
):
    assert rules.expected_interval_days(order_count, own_mean, company_median, default) == expected
