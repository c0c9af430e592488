"""Everyone's next best offers in numpy (Odoo-free): the ranking of customer.lifecycle.offer's
SQL (RANKED, the definition, which a test holds this equal to) for a whole company at once.

The SQL joins every product a customer bought to the rules it is the antecedent of and sorts
the candidates (12 million rows at L, 50 s). Here each rule gets two ordinals once: its place
as a basis (fallback, confidence DESC, lift DESC, antecedent) and its place as an offer
(fallback, confidence DESC, lift DESC, popularity DESC, product). Then, a chunk of customers at
a time, the candidates are integer keys: the smallest basis ordinal per customer and product is
the product's best rule, and the smallest offer ordinals per customer are the top offers. A
NULL figure sorts first in a descending SQL order: it is read here as +inf.
"""

import numpy as np

PRODUCT, CATEGORY = 0, 1
CUSTOMERS_PER_CHUNK = 5_000  # about 600,000 candidates at L: some 50 MB of arrays
HAVE_CELLS = 16_000_000  # the booleans of a chunk's customers x items matrix (16 MB)


def _places(order):
    """The place of each row in order (a permutation)."""
    place = np.empty(len(order), dtype=np.int64)
    place[order] = np.arange(len(order))
    return place


def _descending(values):
    """A key that sorts values DESC with NULLs (nan) first, as PostgreSQL's DESC does."""
    return -np.nan_to_num(np.asarray(values, dtype=np.float64), nan=np.inf)


def _first_of_groups(group):
    """Mask of the first row of each run of equal values in a sorted array."""
    first = np.ones(len(group), dtype=bool)
    first[1:] = group[1:] != group[:-1]
    return first


def _number(value):
    """A float of the rules, None for NULL (nan)."""
    return None if value != value else value  # noqa: PLR0124 (nan)


def rank_offers(bought, categories, rules, limit=3, chunk=CUSTOMERS_PER_CHUNK):  # noqa: PLR0915
    """The best `limit` offers of every customer of one company.

    bought: int array (n, 2) of distinct (customer, product) pairs: what each customer bought
    (sorted by customer, it is not copied).
    categories: {product: category} at the company's level (a product without one: absent).
    rules: the company's usable rules (RULES_PER_ANTECEDENT best offerable ones per antecedent),
    a dict of equal-length arrays: kind (PRODUCT or CATEGORY), antecedent (a product or a
    category id), consequent_category (category rules; 0 otherwise), offer, confidence, lift,
    popularity (floats, nan for NULL).
    Yields (customer, rank, offer, confidence, lift, basis_product_id, basis_category_id)
    (None where the basis is of the other kind), by customer and rank, a chunk of customers
    computed at a time."""
    bought = np.asarray(bought, dtype=np.int64).reshape(-1, 2)
    kind = np.asarray(rules["kind"], dtype=np.int64)
    if not len(bought) or not len(kind):
        return
    antecedent = np.asarray(rules["antecedent"], dtype=np.int64)
    consequent_category = np.asarray(rules["consequent_category"], dtype=np.int64)
    offer = np.asarray(rules["offer"], dtype=np.int64)
    confidence = np.asarray(rules["confidence"], dtype=np.float64)
    lift = np.asarray(rules["lift"], dtype=np.float64)
    basis_rule = np.lexsort((antecedent, _descending(lift), _descending(confidence), kind))
    offer_rule = np.lexsort(
        (offer, _descending(rules["popularity"]), _descending(lift), _descending(confidence), kind)
    )
    basis_place, offer_place = _places(basis_rule), _places(offer_rule)
    # one index space for the items a customer may have: products, then categories
    products = np.unique(np.concatenate([bought[:, 1], offer, antecedent[kind == PRODUCT]]))
    category_ids = np.unique(
        np.concatenate(
            [
                np.fromiter(categories.values(), dtype=np.int64, count=len(categories)),
                antecedent[kind == CATEGORY],
                consequent_category[kind == CATEGORY],
            ]
        )
    )
    n_products = len(products)
    n_items = n_products + len(category_ids)
    product_category = np.array(
        [categories.get(int(p), 0) for p in products], dtype=np.int64
    )  # each product's category, 0: none
    has_category = product_category > 0
    category_item = np.full(n_products, -1, dtype=np.int64)
    category_item[has_category] = n_products + np.searchsorted(
        category_ids, product_category[has_category]
    )
    rule_item = np.where(
        kind == PRODUCT,
        np.searchsorted(products, antecedent),
        n_products + np.searchsorted(category_ids, antecedent),
    )
    rule_offer = np.searchsorted(products, offer)
    rule_excluded = np.where(
        kind == CATEGORY, n_products + np.searchsorted(category_ids, consequent_category), -1
    )  # a category rule proposes nothing to a customer who buys in its consequent category
    # the rules of each item, as CSR: rules_of[start[i]:start[i + 1]]
    rules_of = np.argsort(rule_item, kind="stable")
    start = np.searchsorted(rule_item[rules_of], np.arange(n_items + 1))
    n_rules = len(kind)
    # a chunk's customers x items matrix of what they have stays under HAVE_CELLS booleans
    chunk = max(1, min(chunk, HAVE_CELLS // n_items, (2**62) // (n_items * n_rules + 1)))
    is_product_rule = kind == PRODUCT

    if (bought[1:, 0] < bought[:-1, 0]).any():  # not yet by customer (the engine's rows are)
        bought = bought[np.argsort(bought[:, 0], kind="stable")]
    first = _first_of_groups(bought[:, 0])
    customers, first_row = bought[first, 0], np.flatnonzero(first)
    who_all = np.cumsum(first) - 1  # each row's customer, by position
    bought_item = np.searchsorted(products, bought[:, 1])
    for begin in range(0, len(customers), chunk):
        end = min(begin + chunk, len(customers))
        rows = slice(first_row[begin], first_row[end] if end < len(customers) else len(bought))
        who = who_all[rows] - begin
        item = bought_item[rows]
        # what they have: the products and the categories of them
        have = np.zeros((end - begin, n_items), dtype=bool)
        have[who, item] = True
        in_category = category_item[item] >= 0
        have[who[in_category], category_item[item][in_category]] = True
        have_who, have_item = np.nonzero(have)
        # the candidates: every rule of every item they have
        counts = start[have_item + 1] - start[have_item]
        total = int(counts.sum())
        if not total:
            continue
        offsets = np.repeat(start[have_item] - (np.cumsum(counts) - counts), counts)
        rule = rules_of[offsets + np.arange(total)]
        cand_who = np.repeat(have_who, counts)
        excluded = rule_excluded[rule]
        keep = ~have[cand_who, rule_offer[rule]]
        keep &= ~(have[cand_who, np.maximum(excluded, 0)] & (excluded >= 0))
        rule, cand_who = rule[keep], cand_who[keep]
        # per customer and product, the best rule (the smallest basis place)
        key = (cand_who * n_products + rule_offer[rule]) * n_rules + basis_place[rule]
        key.sort()
        key = key[_first_of_groups(key // n_rules)]
        rule = basis_rule[key % n_rules]
        cand_who = key // n_rules // n_products
        # per customer, the best offers (the smallest offer places)
        key = cand_who * n_rules + offer_place[rule]
        key.sort()
        cand_who, rule = key // n_rules, offer_rule[key % n_rules]
        group_start = np.flatnonzero(_first_of_groups(cand_who))
        rank = np.arange(len(cand_who)) - np.repeat(
            group_start, np.diff(np.append(group_start, len(cand_who)))
        )
        top = rank < limit
        rule = rule[top]
        basis = antecedent[rule]
        yield from (
            (w, r, o, _number(c), _number(li), bp if p else None, None if p else bp)
            for w, r, o, c, li, p, bp in zip(
                customers[begin:end][cand_who[top]].tolist(),
                (rank[top] + 1).tolist(),
                offer[rule].tolist(),
                confidence[rule].tolist(),
                lift[rule].tolist(),
                is_product_rule[rule].tolist(),
                basis.tolist(),
                strict=True,
            )
        )
