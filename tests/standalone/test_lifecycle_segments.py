"""RFM scores, segments, value classes, health and settings, as plain functions."""

import itertools

import pytest


def test_equal_values_share_a_quintile_even_when_most_customers_bought_once(rules):
    orders = [1] * 70 + [2] * 15 + [3] * 10 + [8] * 5
    scores = rules.quintile_scores(orders)
    by_value = {
        value: {s for v, s in zip(orders, scores, strict=True) if v == value} for value in orders
    }
    assert all(len(buckets) == 1 for buckets in by_value.values()), by_value
    # 1: nobody below; 2: 70 % below -> 1 + floor(5 x 0.70); 3: 85 % below; 8: 95 % below
    assert by_value == {1: {1}, 2: {4}, 3: {5}, 8: {5}}


def test_distinct_values_spread_over_five_buckets(rules):
    assert rules.quintile_scores(list(range(10))) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert rules.quintile_scores([50, 10, 40, 20, 30]) == [5, 1, 4, 2, 3]


def test_quintiles_of_an_empty_population_and_a_single_customer(rules):
    assert rules.quintile_scores([]) == []
    assert rules.quintile_scores([42.0]) == [1]
    assert rules.quintile_scores([7, 7, 7]) == [1, 1, 1]


def test_every_rfm_cell_has_exactly_one_segment(rules):
    codes = {code for code, _label in rules.RFM_SEGMENTS}
    assert set(rules.RFM_SEGMENT_CELLS) == codes
    for r, f, m in itertools.product(range(1, 6), repeat=3):
        cell = (r, rules.rfm_fm(f, m))
        owners = [code for code, cells in rules.RFM_SEGMENT_CELLS.items() if cell in cells]
        assert len(owners) == 1, (r, f, m, owners)
        assert rules.rfm_segment(r, f, m) == owners[0]
    assert rules.rfm_segment(5, 5, 5) == rules.TOP_RFM_SEGMENT == "champions"
    assert rules.rfm_segment(1, 1, 1) == "lost"
    assert rules.rfm_segment(1, 5, 5) == "cannot_lose"
    with pytest.raises(ValueError):
        rules.rfm_segment(0, 3, 3)


def test_value_classes_split_revenue_at_80_and_95_percent(rules):
    # 10 customers: 50 + 20 + 10 = 80 % of 100; then 5 + 5 + 5 = 95 %; the rest is C.
    revenue = [20, 5, 50, 1, 10, 5, 2, 5, 1, 1]
    assert rules.value_classes(revenue) == ["A", "B", "A", "C", "A", "B", "C", "B", "C", "C"]


def test_the_customer_crossing_the_cut_off_is_still_class_a(rules):
    assert rules.value_classes([90, 10]) == ["A", "B"]
    assert rules.value_classes([70, 20, 10], 80, 95) == ["A", "A", "B"]


def test_value_classes_without_revenue(rules):
    assert rules.value_classes([]) == []
    assert rules.value_classes([0, 0]) == ["C", "C"]
    assert rules.value_classes([100]) == ["A"]


@pytest.mark.parametrize(
    ("days", "expected", "health"),
    [
        (10, 30, "on_track"),
        (30, 30, "on_track"),
        (31, 30, "due"),
        (61, 30, "overdue"),
        (None, 30, None),
    ],
)
def test_health_against_the_expected_interval(rules, days, expected, health):
    assert rules.health(days, expected) == health


def test_settings_are_checked_with_what_is_wrong(rules):
    good = {
        "lost_factor": 3.0,
        "min_lost_days": 180,
        "default_interval": 90,
        "fan_referrals": 3,
        "rfm_months": 24,
        "class_a": 80.0,
        "class_b": 95.0,
    }
    assert rules.settings_errors(**good) == []
    assert rules.settings_errors(**{**good, "lost_factor": 1.0}) == ["lost_factor"]
    assert rules.settings_errors(**{**good, "min_lost_days": -1}) == ["min_lost_days"]
    assert rules.settings_errors(**{**good, "class_a": 96.0}) == ["class_cutoffs"]
    assert rules.settings_errors(**{**good, "class_b": 101.0}) == ["class_cutoffs"]
    assert rules.settings_errors(**{**good, "rfm_months": 0}) == []
