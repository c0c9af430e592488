"""What the lifecycle rules promise, pinned with values written out by hand.

Each expected value here was worked out from DESIGN.md and the segment definitions once and then
frozen as a literal: nothing is computed with the code under test. `make mutation` runs these
against small changes of tools/lifecycle_rules.py and expects them to notice.
"""

import pytest

# The RFM segment of every cell, one block per recency score R, rows frequency F = 1..5, columns
# monetary M = 1..5. FM is the mean of F and M rounded half up; the grid R x FM is the one of
# DESIGN.md (champions 5/4-5 and 4/5, loyal 4/4 and 3/4-5, ...).
CH, LO, PL, NE, PR = "champions", "loyal", "potential_loyalist", "new", "promising"
NA, AS, AR, CL = "need_attention", "about_to_sleep", "at_risk", "cannot_lose"
HI, LS = "hibernating", "lost"
RFM_TABLE = {
    5: [
        [NE, PL, PL, PL, PL],
        [PL, PL, PL, PL, CH],
        [PL, PL, PL, CH, CH],
        [PL, PL, CH, CH, CH],
        [PL, CH, CH, CH, CH],
    ],
    4: [
        [PR, PL, PL, PL, PL],
        [PL, PL, PL, PL, LO],
        [PL, PL, PL, LO, LO],
        [PL, PL, LO, LO, CH],
        [PL, LO, LO, CH, CH],
    ],
    3: [
        [AS, AS, AS, NA, NA],
        [AS, AS, NA, NA, LO],
        [AS, NA, NA, LO, LO],
        [NA, NA, LO, LO, LO],
        [NA, LO, LO, LO, LO],
    ],
    2: [
        [HI, HI, HI, AR, AR],
        [HI, HI, AR, AR, AR],
        [HI, AR, AR, AR, AR],
        [AR, AR, AR, AR, CL],
        [AR, AR, AR, CL, CL],
    ],
    1: [
        [LS, LS, LS, AR, AR],
        [LS, LS, AR, AR, AR],
        [LS, AR, AR, AR, AR],
        [AR, AR, AR, AR, CL],
        [AR, AR, AR, CL, CL],
    ],
}
# FM for each (F, M): the mean rounded half up (1.5 -> 2, 2.5 -> 3, ...)
FM_TABLE = [
    [1, 2, 2, 3, 3],
    [2, 2, 3, 3, 4],
    [2, 3, 3, 4, 4],
    [3, 3, 4, 4, 5],
    [3, 4, 4, 5, 5],
]


@pytest.mark.parametrize("recency", [5, 4, 3, 2, 1])
def test_each_of_the_125_rfm_cells_has_the_segment_written_out(rules, recency):
    got = [[rules.rfm_segment(recency, f, m) for m in range(1, 6)] for f in range(1, 6)]
    assert got == RFM_TABLE[recency]


def test_fm_is_the_mean_of_f_and_m_rounded_half_up(rules):
    assert [[rules.rfm_fm(f, m) for m in range(1, 6)] for f in range(1, 6)] == FM_TABLE


def test_segment_codes_labels_and_the_top_cell(rules):
    assert rules.RFM_SEGMENTS == (
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
    assert rules.TOP_RFM_SEGMENT == "champions"
    for scores in [(0, 3, 3), (6, 3, 3), (3, 0, 0), (3, 6, 6)]:
        with pytest.raises(ValueError, match="RFM scores out of range"):
            rules.rfm_segment(*scores)


@pytest.mark.parametrize(
    ("values", "scores"),
    [
        ([3, 1, 2], [4, 1, 2]),  # 1 + floor(5 x smaller / 3): 0 -> 1, 1 -> 2, 2 -> 4
        ([10, 20, 30, 40], [1, 2, 3, 4]),  # 0, 1.25, 2.5, 3.75 -> 1, 2, 3, 4
        # ties share the score of the first of them: 0 x4 -> 1, 1 -> 3, 5 x2 -> 3, 9 x3 -> 4
        ([5, 5, 9, 9, 9, 1, 0, 0, 0, 0], [3, 3, 4, 4, 4, 3, 1, 1, 1, 1]),
        ([2.5, 2.5], [1, 1]),
        (list(range(20, 0, -1)), [5, 5, 5, 5, 4, 4, 4, 4, 3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1]),
    ],
)
def test_quintile_scores_written_out(rules, values, scores):
    assert rules.quintile_scores(values) == scores


# -- Lost, health, expected interval: the boundaries at exactly the factor ---------------------


def test_lost_strictly_after_the_threshold_and_the_threshold_itself_not_lost(rules):
    # 90 days expected x factor 3.0 = 270 (above the minimum of 180)
    assert rules.is_lost(270, 90, 3.0, 180) is False
    assert rules.is_lost(270.5, 90, 3.0, 180) is True
    # the minimum wins over 2.0 x 60 = 120
    assert rules.is_lost(180, 60, 2.0, 180) is False
    assert rules.is_lost(181, 60, 2.0, 180) is True
    assert rules.is_lost(0, 0, 3.0, 0) is False
    assert rules.is_lost(None, 1, 3.0, 0) is False
    assert rules.lost_threshold_days(100, 1.5, 149) == 150.0
    assert rules.lost_threshold_days(100, 1.5, 151) == 151.0


@pytest.mark.parametrize(
    ("days", "expected", "health"),
    [
        (0, 30, "on_track"),
        (30, 30, "on_track"),  # exactly the interval: still on track
        (30.5, 30, "due"),
        (60, 30, "due"),  # exactly twice the interval: due, not yet overdue
        (60.5, 30, "overdue"),
        (45, 30, "due"),  # 1.5 x: a factor 1.5 would call this overdue
        (200, 100, "due"),
        (201, 100, "overdue"),
        (30, None, None),
        (None, None, None),
    ],
)
def test_health_boundaries_at_exactly_one_and_two_intervals(rules, days, expected, health):
    assert rules.health(days, expected) == health


def test_health_factors_are_one_and_two(rules):
    assert (rules.HEALTH_DUE_FACTOR, rules.HEALTH_OVERDUE_FACTOR) == (1.0, 2.0)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((2, 10.0, 50.0, 90), 10.0),  # two orders: its own mean
        ((1, 10.0, 50.0, 90), 50.0),  # one order: the company median even if a mean is given
        ((3, 0.0, 50.0, 90), 50.0),  # a zero mean (same-day orders) is not a rhythm
        ((3, None, 0.0, 90), 90.0),
        ((0, None, None, 1), 1.0),
    ],
)
def test_expected_interval_written_out(rules, args, expected):
    value = rules.expected_interval_days(*args)
    assert value == expected and isinstance(value, float)


# -- Stages ------------------------------------------------------------------------------------


def test_stage_defaults_are_factor_three_minimum_180_and_three_referrals(rules):
    # defaults: lost after max(180, 3.0 x expected); fan with 3 converted referrals
    assert rules.stage_for(order_count=1, days_since_last_order=180, expected_days=10) == "buyer"
    assert rules.stage_for(order_count=1, days_since_last_order=181, expected_days=10) == "lost"
    assert rules.stage_for(order_count=2, days_since_last_order=300, expected_days=100) == (
        "customer"
    )
    assert rules.stage_for(order_count=2, days_since_last_order=301, expected_days=100) == "lost"
    assert rules.stage_for(order_count=1, converted_referrals=3) == "fan"
    assert rules.stage_for(order_count=1, converted_referrals=2) == "buyer"
    assert rules.stage_for(order_count=0) == "potential"
    # by default a customer has converted nobody: one referral needed is not yet reached
    assert rules.stage_for(order_count=1, fan_referrals=1) == "buyer"


def test_stage_boundaries(rules):
    # without an expected interval nobody is lost, however long ago
    assert rules.stage_for(order_count=5, days_since_last_order=9999) == "customer"
    # exactly the fan threshold of converted referrals makes a fan; a top cell needs 2 orders
    assert rules.stage_for(order_count=1, converted_referrals=5, fan_referrals=5) == "fan"
    assert rules.stage_for(order_count=1, converted_referrals=4, fan_referrals=5) == "buyer"
    assert rules.stage_for(order_count=2, rfm_segment="champions") == "fan"
    assert rules.stage_for(order_count=1, rfm_segment="champions") == "buyer"
    assert rules.stage_for(order_count=2, rfm_segment="loyal") == "customer"
    # no orders: converted referrals or a top cell do not make a fan
    assert (
        rules.stage_for(order_count=0, converted_referrals=9, rfm_segment="champions")
        == "potential"
    )
    assert rules.stage_for(order_count=0, referred=True) == "referral"
    assert rules.stage_for(order_count=0, showed_interest=True) == "prospect"
    assert rules.STAGE_CODES[0] == "potential" and len(rules.STAGE_CODES) == 7
    assert rules.BUYING_STAGES == {"buyer", "customer", "fan", "lost"}
    assert rules.PRE_PURCHASE_STAGES == {"potential", "prospect", "referral"}


# -- Value classes and settings --------------------------------------------------------------


def test_value_class_cut_offs_are_strict_at_exactly_80_and_95_percent(rules):
    # before the 2nd customer exactly 80 % is done: B; before the 3rd exactly 95 %: C
    assert rules.value_classes([80, 15, 5]) == ["A", "B", "C"]
    assert rules.value_classes([79, 15, 5, 1]) == ["A", "A", "B", "C"]
    assert rules.value_classes([50, 30, 10, 5, 5], 50, 90) == ["A", "B", "B", "C", "C"]
    # negative and zero revenue are C and do not count in the total
    assert rules.value_classes([-50, 10, 0, 40]) == ["C", "B", "C", "A"]
    assert rules.value_classes([-5]) == ["C"]
    # small amounts count like large ones (cents, a sample sold for 0.50)
    assert rules.value_classes([0.5, 0.5]) == ["A", "A"]
    assert rules.value_classes([1, 1]) == ["A", "A"]
    # a refund (negative revenue) is not in the total: 20.2 comes after 79.8 % of 100
    assert rules.value_classes([79.8, 20.2, -0.5]) == ["A", "A", "C"]
    # the share is a percentage: 79.5 % done before the second customer
    assert rules.value_classes([79.5, 20.5]) == ["A", "A"]
    # refunds are C even when the cut-off for B is 100 %
    assert rules.value_classes([10, -0.5, -0.5], 80, 100) == ["A", "C", "C"]


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({}, []),
        ({"lost_factor": 1.0}, ["lost_factor"]),
        ({"lost_factor": 1.01}, []),
        ({"min_lost_days": 0}, []),
        ({"min_lost_days": -1}, ["min_lost_days"]),
        ({"default_interval": 1}, []),
        ({"default_interval": 0}, ["default_interval"]),
        ({"fan_referrals": 1}, []),
        ({"fan_referrals": 0}, ["fan_referrals"]),
        ({"rfm_months": 0}, []),
        ({"rfm_months": -1}, ["rfm_months"]),
        ({"class_a": 0.0}, ["class_cutoffs"]),
        ({"class_a": 0.5}, []),
        ({"class_a": 95.0}, ["class_cutoffs"]),
        ({"class_b": 100.0}, []),
        ({"class_b": 100.5}, ["class_cutoffs"]),
        (
            {"lost_factor": 0.5, "fan_referrals": 0, "class_b": 50.0},
            ["lost_factor", "fan_referrals", "class_cutoffs"],
        ),
    ],
)
def test_settings_errors_at_each_boundary(rules, changes, errors):
    good = {
        "lost_factor": 3.0,
        "min_lost_days": 180,
        "default_interval": 90,
        "fan_referrals": 3,
        "rfm_months": 24,
        "class_a": 80.0,
        "class_b": 95.0,
    }
    assert rules.settings_errors(**{**good, **changes}) == errors


def test_a_fan_stays_one_while_champions_or_loyal(rules):
    # becoming a fan takes the top segment; staying one, champions or loyal
    assert rules.stage_for(order_count=3, rfm_segment="loyal") == "customer"
    assert rules.stage_for(order_count=3, rfm_segment="loyal", fan_now=True) == "fan"
    assert rules.stage_for(order_count=3, rfm_segment="champions", fan_now=True) == "fan"
    for segment in ("potential_loyalist", "need_attention", "at_risk", "cannot_lose", None):
        assert rules.stage_for(order_count=3, rfm_segment=segment, fan_now=True) == "customer"
    # the hold is for repeat customers, and a detractor or a lost customer is no fan anyway
    assert rules.stage_for(order_count=1, rfm_segment="loyal", fan_now=True) == "buyer"
    assert rules.stage_for(order_count=3, rfm_segment="loyal", fan_now=True, detractor=True) == (
        "customer"
    )
    assert (
        rules.stage_for(
            order_count=3,
            rfm_segment="loyal",
            fan_now=True,
            days_since_last_order=400,
            expected_days=30,
        )
        == "lost"
    )
    assert rules.FAN_HOLD_SEGMENTS == {"champions", "loyal"}
