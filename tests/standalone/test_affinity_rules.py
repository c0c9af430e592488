"""The co-purchase pairs counted by a sparse matrix product (tools/affinity_rules.py), without
Odoo, against a hand computation. Five customers (ids 11-15) and items 1, 2, 3:

    11: 1, 2, 3    12: 1, 2    13: 1, 2    14: 1, 3    15: 2

Customers per item: 1 -> 4, 2 -> 4, 3 -> 2. Pairs: 1+2 -> 3 (11, 12, 13), 1+3 -> 2 (11, 14),
2+3 -> 1 (11). N = 5."""

import numpy as np
import pytest

from .conftest import load_addon_module

BASKETS = {11: (1, 2, 3), 12: (1, 2), 13: (1, 2), 14: (1, 3), 15: (2,)}


@pytest.fixture(scope="module")
def affinity():
    return load_addon_module("tools/affinity_rules.py")


def pairs():
    rows = [(customer, item) for customer, items in BASKETS.items() for item in items]
    array = np.array(rows, dtype=np.int64)
    return array[:, 0], array[:, 1]


def test_rules_with_a_floor_of_two_match_the_hand_computation(affinity):
    rules = {(a, b): tuple(rest) for a, b, *rest in affinity.pair_rules(*pairs(), floor=2)}
    # (customers, support, confidence, lift, consequent customers)
    assert rules == {
        (1, 2): (3, 3 / 5, 3 / 4, (3 / 4) / (4 / 5), 4),
        (2, 1): (3, 3 / 5, 3 / 4, (3 / 4) / (4 / 5), 4),
        (1, 3): (2, 2 / 5, 2 / 4, (2 / 4) / (2 / 5), 2),
        (3, 1): (2, 2 / 5, 2 / 2, (2 / 2) / (4 / 5), 4),
    }


def test_the_floor_drops_pairs_and_items_under_it(affinity):
    rules = affinity.pair_rules(*pairs(), floor=3)
    assert sorted((a, b, n) for a, b, n, *_ in rules) == [(1, 2, 3), (2, 1, 3)]
    assert affinity.pair_rules(*pairs(), floor=4) == []


def test_no_purchases_no_rules(affinity):
    empty = np.zeros(0, dtype=np.int64)
    assert affinity.pair_rules(empty, empty, floor=1) == []


def test_customers_of_each_item(affinity):
    assert affinity.customers_of(pairs()[1]) == {1: 4, 2: 4, 3: 2}
