"""Everyone's next best offers ranked in numpy (tools/offer_ranking.py), without Odoo, against a
hand ranking; the Odoo test (tests/test_offer_ranking_numpy.py) holds it equal to the SQL
definition (offer._ranked_query). Products 1-6, categories 10 (products 1, 2), 20 (3, 4) and
30 (5, 6). Customers:

    101: 1        102: 1, 2      103: 3       104: 5
"""

import math

import numpy as np
import pytest

from .conftest import load_addon_module

CATEGORIES = {1: 10, 2: 10, 3: 20, 4: 20, 5: 30, 6: 30}
BOUGHT = [(101, 1), (102, 1), (102, 2), (103, 3), (104, 5)]
P, C = 0, 1
# (kind, antecedent, consequent category, offer, confidence, lift, popularity)
RULES = [
    (P, 1, 0, 3, 0.5, 2.0, 4),  # 3, 4, 5 tie from 1 on confidence and lift: popularity, then id
    (P, 1, 0, 4, 0.5, 2.0, 4),
    (P, 1, 0, 5, 0.5, 2.0, 7),
    (P, 2, 0, 3, 0.5, 2.0, 4),  # ties with 1 -> 3: the basis is the smaller antecedent (1)
    (P, 2, 0, 6, 0.6, 1.0, 2),  # the best confidence first, whatever its lift
    (P, 3, 0, 1, 0.4, 3.0, 9),  # from 3: the higher lift first
    (P, 3, 0, 2, 0.4, 2.0, 9),
    (P, 3, 0, 4, 0.4, 2.0, math.nan),  # a NULL popularity sorts first among equals
    (C, 30, 10, 1, 0.9, 1.0, 9),  # category rules: after the product rules' offers
    (C, 30, 20, 3, 0.8, 1.0, 4),
    (C, 10, 30, 5, 0.2, 1.0, 7),  # outranked by 1 -> 5 for 101 (a product rule)
    (C, 20, 10, 1, 0.5, 1.0, 9),  # outranked for 103 by the product rule 3 -> 1
]
EXPECTED = [
    # customer, rank, offer, confidence, lift, basis product, basis category
    (101, 1, 5, 0.5, 2.0, 1, None),
    (101, 2, 3, 0.5, 2.0, 1, None),
    (101, 3, 4, 0.5, 2.0, 1, None),
    (102, 1, 6, 0.6, 1.0, 2, None),
    (102, 2, 5, 0.5, 2.0, 1, None),
    (102, 3, 3, 0.5, 2.0, 1, None),
    (103, 1, 1, 0.4, 3.0, 3, None),
    (103, 2, 4, 0.4, 2.0, 3, None),
    (103, 3, 2, 0.4, 2.0, 3, None),
    (104, 1, 1, 0.9, 1.0, None, 30),
    (104, 2, 3, 0.8, 1.0, None, 30),
]


@pytest.fixture(scope="module")
def ranking():
    return load_addon_module("tools/offer_ranking.py")


def rules(rows=RULES):
    columns = list(zip(*rows, strict=True))
    names = ("kind", "antecedent", "consequent_category", "offer", "confidence", "lift",
             "popularity")  # fmt: skip
    return {name: np.array(values) for name, values in zip(names, columns, strict=True)}


@pytest.mark.parametrize("chunk", [1, 2, 1000])
def test_ranking_matches_the_hand_ranking(ranking, chunk):
    assert list(ranking.rank_offers(BOUGHT, CATEGORIES, rules(), chunk=chunk)) == EXPECTED
    # in any order of the pairs (the engine's come by customer)
    shuffled = BOUGHT[2:] + BOUGHT[:2]
    assert list(ranking.rank_offers(shuffled, CATEGORIES, rules(), chunk=chunk)) == EXPECTED


def test_a_category_rule_never_offers_in_a_category_bought(ranking):
    # 104 buys 2 (in 10) too: 30 -> 10 proposes nothing to it (though it never bought 1); 2's
    # rules come first, 3 from 2 outranks 30 -> 20's 3; 10 -> 30 offers 5, bought
    result = list(ranking.rank_offers([*BOUGHT, (104, 2)], CATEGORIES, rules(), chunk=1000))
    assert [row for row in result if row[0] == 104] == [
        (104, 1, 6, 0.6, 1.0, 2, None),
        (104, 2, 3, 0.5, 2.0, 2, None),
    ]


def test_nothing_bought_or_no_rules(ranking):
    assert list(ranking.rank_offers([], CATEGORIES, rules())) == []
    empty = {name: np.array([]) for name in rules()}
    assert list(ranking.rank_offers(BOUGHT, CATEGORIES, empty)) == []
