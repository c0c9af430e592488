"""The CLV model (BG/NBD purchases, Gamma-Gamma spend), checked against the published CDNOW
fits, an independent numerical integration of the model, and data simulated from known
parameters.

The CDNOW 1/10 sample (2,357 customers, 39-week calibration period) ships inside the
``lifetimes`` package as CSV files; it is read here as data only (lifetimes itself is never
imported: its __init__ needs pandas). Without it those tests are skipped.
"""

import importlib.util
import time
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate, special, stats

from .conftest import load_addon_module

# BG/NBD paper, Fader, Hardie & Lee (2005), the CDNOW calibration fit.
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_BGNBD_LL = -9582.4
# Gamma-Gamma fit on the same sample's 946 repeat customers (Fader, Hardie & Lee 2005, RFM/CLV).
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "gamma": 15.44}


@pytest.fixture(scope="module")
def clv():
    return load_addon_module("tools/clv_model.py")


def cdnow_file(name):
    """Path of a CSV of the CDNOW sample shipped with lifetimes; skips the test without it."""
    spec = importlib.util.find_spec("lifetimes")  # finds the package without running it
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("the lifetimes package (CDNOW sample data) is not installed")
    path = Path(spec.submodule_search_locations[0]) / "datasets" / name
    if not path.is_file():
        pytest.skip(f"{path} is missing from the installed lifetimes package")
    return np.genfromtxt(path, delimiter=",", names=True)


def significant(value, digits=3):
    return float(f"{value:.{digits}g}")


# -- Simulation from the models' generative story ---------------------------------------------


def simulate_bgnbd(rng, customers, r, alpha, a, b, age_low, age_high):
    """frequency, recency, age of customers drawn from the BG/NBD story.

    Each customer makes a first purchase at time 0 and is observed until its age T; while active
    it buys at Poisson rate lambda ~ Gamma(r, rate alpha); after each repeat purchase it drops out
    with probability p ~ Beta(a, b).
    """
    rate = rng.gamma(r, 1 / alpha, customers)
    dropout = rng.beta(a, b, customers)
    age = rng.uniform(age_low, age_high, customers)
    frequency = np.zeros(customers)
    recency = np.zeros(customers)
    clock = np.zeros(customers)
    active = np.ones(customers, dtype=bool)
    while active.any():
        live = np.flatnonzero(active)
        clock[live] += rng.exponential(1 / rate[live])
        bought = clock[live] <= age[live]
        buyers = live[bought]
        frequency[buyers] += 1
        recency[buyers] = clock[buyers]
        active[live[~bought]] = False  # the next purchase falls after the end of observation
        active[buyers[rng.random(buyers.size) < dropout[buyers]]] = False
    return frequency, recency, age


def simulate_spend(rng, frequency, p, q, gamma):
    """Average repeat-order value of each customer (0 without repeat orders) from the
    Gamma-Gamma story: values Gamma(p, nu), nu ~ Gamma(q, rate gamma); so the mean of x values
    is Gamma(p x, rate nu x)."""
    nu = rng.gamma(q, 1 / gamma, frequency.size)
    orders = np.maximum(frequency, 1)
    return np.where(frequency > 0, rng.gamma(p * orders, 1 / (nu * orders)), 0.0)


# -- The model as an integral, without the closed forms ---------------------------------------


def integrated(params, horizon, x, t_x, T):
    """(expected purchases in the next horizon, P(alive)) by integrating the model directly.

    Given lambda and p, a customer alive at T buys (1 - exp(-lambda p t)) / p times in the next t;
    the history has likelihood (1-p)^x lambda^x e^(-lambda T) (still alive) plus
    p (1-p)^(x-1) lambda^x e^(-lambda t_x) (dropped out after the last purchase). The lambda
    integrals are Gamma integrals, done by hand; the p integral is numerical. No hypergeometric
    function is involved, so this checks eq. 10 and the P(alive) formula independently.
    """
    r, alpha, a, b = params.r, params.alpha, params.a, params.b

    def gamma_integral(s):  # E[lambda^x exp(-lambda s)] under Gamma(r, alpha)
        log_value = special.gammaln(r + x) - special.gammaln(r)
        return np.exp(log_value + r * np.log(alpha) - (r + x) * np.log(alpha + s))

    density = stats.beta(a, b).pdf

    def over_p(function):
        return integrate.quad(
            lambda p: density(p) * function(p), 0, 1, epsabs=0, epsrel=1e-11, limit=200
        )[0]

    alive = over_p(lambda p: (1 - p) ** x * gamma_integral(T))
    dropped = over_p(lambda p: p * (1 - p) ** (x - 1) * gamma_integral(t_x)) if x else 0.0
    future = over_p(
        lambda p: (1 - p) ** x * (gamma_integral(T) - gamma_integral(T + p * horizon)) / p
    )
    return future / (alive + dropped), alive / (alive + dropped)


# -- CDNOW, published figures -----------------------------------------------------------------


def test_bgnbd_fit_on_cdnow_matches_the_published_parameters_and_log_likelihood(clv):
    data = cdnow_file("cdnow_customers_summary.csv")
    assert len(data) == 2357
    fit = clv.fit_bgnbd(data["frequency"], data["recency"], data["T"])
    assert fit.converged, fit.message
    fitted = {name: getattr(fit.params, name) for name in PUBLISHED_BGNBD}
    assert {k: significant(v) for k, v in fitted.items()} == {
        k: significant(v) for k, v in PUBLISHED_BGNBD.items()
    }
    assert round(fit.log_likelihood, 1) == PUBLISHED_BGNBD_LL  # published to 5 digits
    published = clv.BgNbdParams(**PUBLISHED_BGNBD)
    customers = data["frequency"], data["recency"], data["T"]
    # The maximum is at least as high as the likelihood at the rounded published parameters.
    assert fit.log_likelihood >= clv.bgnbd_log_likelihood(published, *customers)


def test_gamma_gamma_fit_on_cdnow_repeat_customers_matches_the_published_parameters(clv):
    data = cdnow_file("cdnow_customers_summary_with_transactions.csv")
    assert np.count_nonzero(data["x"] > 0) == 946
    fit = clv.fit_gamma_gamma(data["x"], data["zbar"])
    assert fit.converged, fit.message
    fitted = {name: getattr(fit.params, name) for name in PUBLISHED_GAMMA_GAMMA}
    assert {k: significant(v) for k, v in fitted.items()} == {
        k: significant(v) for k, v in PUBLISHED_GAMMA_GAMMA.items()
    }


def test_worked_example_expected_purchases_of_customer_one(clv):
    """CDNOW customer 1 (x = 2, t_x = 30.43, T = 38.86 weeks) with the published parameters:
    1.226 purchases expected in the next 39 weeks. The figure is derived here twice, from eq. 10
    and from the independent integral below (the paper's own text was not at hand to quote)."""
    params = clv.BgNbdParams(**PUBLISHED_BGNBD)
    expected = clv.expected_purchases(params, 39, 2, 30.43, 38.86)
    assert expected == pytest.approx([1.226], abs=5e-4)
    assert expected[0] == pytest.approx(integrated(params, 39, 2, 30.43, 38.86)[0], rel=1e-8)


# -- Closed forms against the integral --------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "horizon", "x", "t_x", "T"),
    [
        ((0.243, 4.414, 0.793, 2.426), 39, 0, 0.0, 38.86),  # one-time buyer
        ((0.243, 4.414, 0.793, 2.426), 39, 20, 37.0, 38.86),  # frequent and recent
        ((0.3, 30.0, 0.8, 2.5), 365, 60, 1000.0, 1095.0),  # days, many orders
        ((0.3, 30.0, 0.8, 2.5), 365, 60, 300.0, 1095.0),  # days, long silent: almost surely gone
        ((0.3, 30.0, 0.8, 2.5), 365, 1, 1.0, 1095.0),
        ((2.0, 10.0, 3.5, 0.6), 52, 5, 20.0, 52.0),  # a > 1, b < 1
    ],
)
def test_expected_purchases_and_probability_alive_agree_with_the_integral(
    clv, params, horizon, x, t_x, T
):
    params = clv.BgNbdParams(*params)
    expected, alive = integrated(params, horizon, x, t_x, T)
    closed_form = clv.expected_purchases(params, horizon, x, t_x, T)[0]
    assert closed_form == pytest.approx(expected, rel=1e-8)
    assert clv.probability_alive(params, x, t_x, T)[0] == pytest.approx(alive, rel=1e-8)


def test_expected_purchases_of_a_new_customer_is_eq_7(clv):
    params = clv.BgNbdParams(**PUBLISHED_BGNBD)
    weeks = np.array([1.0, 13.0, 39.0, 78.0])
    by_integral = [integrated(params, t, 0, 0.0, 0.0)[0] for t in weeks]
    got = clv.expected_purchases_new_customer(params, weeks)
    assert got == pytest.approx(by_integral, rel=1e-8)
    assert np.all(np.diff(got) > 0)
    # It is the conditional expectation of a customer just acquired.
    assert got[2] == pytest.approx(clv.expected_purchases(params, 39.0, 0, 0.0, 0.0)[0])


def test_new_customer_expectation_matches_the_simulator(clv):
    """The simulator and eq. 7 tell the same story: mean repeat purchases by week 39."""
    rng = np.random.default_rng(7)
    frequency, _, _ = simulate_bgnbd(rng, 200_000, **PUBLISHED_BGNBD, age_low=39, age_high=39)
    expected = clv.expected_purchases_new_customer(clv.BgNbdParams(**PUBLISHED_BGNBD), 39.0)[0]
    standard_error = frequency.std() / np.sqrt(frequency.size)
    assert abs(frequency.mean() - expected) < 4 * standard_error


def test_expected_purchases_is_zero_over_no_time_and_grows_with_the_horizon(clv):
    params = clv.BgNbdParams(**PUBLISHED_BGNBD)
    assert clv.expected_purchases(params, 0, [2, 0], [30.43, 0], [38.86, 38.86]).tolist() == [0, 0]
    growing = [clv.expected_purchases(params, h, 2, 30.43, 38.86)[0] for h in (1, 10, 39, 100)]
    assert growing == sorted(growing)


def test_expected_purchases_near_a_equal_one_is_continuous(clv):
    at = [
        clv.expected_purchases(clv.BgNbdParams(0.5, 5.0, a, 2.0), 39, 3, 20.0, 38.0)[0]
        for a in (1 - 1e-4, 1.0, 1 + 1e-4)
    ]
    assert np.all(np.isfinite(at))
    assert at[1] == pytest.approx(at[0], rel=1e-3)
    assert at[1] == pytest.approx(at[2], rel=1e-3)


# -- Probability alive ------------------------------------------------------------------------


def test_probability_alive_without_repeat_purchase_is_one(clv):
    params = clv.BgNbdParams(**PUBLISHED_BGNBD)
    assert clv.probability_alive(params, [0, 0], [0, 0], [1, 38.86]).tolist() == [1.0, 1.0]


def test_probability_alive_falls_with_silence_and_stays_a_probability(clv):
    params = clv.BgNbdParams(**PUBLISHED_BGNBD)
    last_purchase = np.array([38.0, 30.0, 20.0, 10.0, 2.0])
    alive = clv.probability_alive(params, [3] * 5, last_purchase, [38.86] * 5)
    assert np.all(np.diff(alive) < 0)  # the longer silent, the less likely still active
    assert np.all((alive > 0) & (alive <= 1))
    # A customer who buys often and then stops is given up sooner than an occasional one.
    frequent, occasional = clv.probability_alive(params, [20, 2], [10.0, 10.0], [38.86, 38.86])
    assert frequent < occasional


@pytest.mark.parametrize("threshold", [0.05, 0.2, 0.5])
def test_lost_age_is_the_age_at_which_probability_alive_reaches_the_threshold(clv, threshold):
    """lost_age inverts probability_alive in the age: at that age a repeat customer's
    probability of still being active is the threshold; a customer without repeat purchase
    has none (NaN, the model never gives them up)."""
    params = clv.BgNbdParams(**PUBLISHED_BGNBD)
    x = np.array([1.0, 3.0, 12.0, 40.0, 0.0])
    t_x = np.array([2.0, 20.0, 35.5, 300.0, 0.0])
    age = clv.lost_age(params, threshold, x, t_x)
    assert np.isnan(age[-1])
    alive = clv.probability_alive(params, x[:-1], t_x[:-1], age[:-1])
    np.testing.assert_allclose(alive, threshold, rtol=0, atol=1e-9)


# -- Recovery of known parameters -------------------------------------------------------------

# Sampling error measured over 40 seeds of 20,000 simulated customers (ages 26-52 weeks, about
# 44 % repeat customers; 8,900 of them for the spend model): standard deviation of the fitted
# value relative to the true one. Tolerances are 4 of those (a seed fails with odds of about 1 in
# 10,000 per parameter); the means of the 40 fits were within 2.5 % of the truth.
BGNBD_TRUE = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}
BGNBD_RELATIVE_SD = {"r": 0.017, "alpha": 0.031, "a": 0.058, "b": 0.069}
SPEND_TRUE = {"p": 6.0, "q": 4.0, "gamma": 15.0}
SPEND_RELATIVE_SD = {"p": 0.057, "q": 0.022, "gamma": 0.075}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bgnbd_fit_recovers_simulated_parameters(clv, seed):
    rng = np.random.default_rng(seed)
    frequency, recency, age = simulate_bgnbd(rng, 20_000, **BGNBD_TRUE, age_low=26, age_high=52)
    fit = clv.fit_bgnbd(frequency, recency, age)
    assert fit.converged, fit.message
    for name, true in BGNBD_TRUE.items():
        assert getattr(fit.params, name) == pytest.approx(true, rel=4 * BGNBD_RELATIVE_SD[name])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_gamma_gamma_fit_recovers_simulated_parameters(clv, seed):
    rng = np.random.default_rng(seed)
    frequency, _, _ = simulate_bgnbd(rng, 20_000, **BGNBD_TRUE, age_low=26, age_high=52)
    monetary = simulate_spend(rng, frequency, **SPEND_TRUE)
    fit = clv.fit_gamma_gamma(frequency, monetary)
    assert fit.converged, fit.message
    for name, true in SPEND_TRUE.items():
        assert getattr(fit.params, name) == pytest.approx(true, rel=4 * SPEND_RELATIVE_SD[name])


def test_fit_from_a_previous_fit_lands_on_the_same_parameters(clv):
    rng = np.random.default_rng(11)
    data = simulate_bgnbd(rng, 5_000, **BGNBD_TRUE, age_low=26, age_high=52)
    cold = clv.fit_bgnbd(*data)
    warm = clv.fit_bgnbd(*data, start=clv.BgNbdParams(**BGNBD_TRUE))
    assert cold.converged and warm.converged
    assert warm.log_likelihood == pytest.approx(cold.log_likelihood, abs=1e-6)
    for name in BGNBD_TRUE:
        assert getattr(warm.params, name) == pytest.approx(getattr(cold.params, name), rel=1e-3)


def test_time_unit_only_scales_alpha(clv):
    rng = np.random.default_rng(5)
    frequency, recency, age = simulate_bgnbd(rng, 5_000, **BGNBD_TRUE, age_low=26, age_high=52)
    weeks = clv.fit_bgnbd(frequency, recency, age)
    days = clv.fit_bgnbd(frequency, 7 * recency, 7 * age)
    assert days.params.alpha == pytest.approx(7 * weeks.params.alpha, rel=1e-4)
    for name in ("r", "a", "b"):
        assert getattr(days.params, name) == pytest.approx(getattr(weeks.params, name), rel=1e-4)
    some = frequency[:50], recency[:50], age[:50]
    in_weeks = clv.expected_purchases(weeks.params, 52, *some)
    in_days = clv.expected_purchases(days.params, 364, some[0], 7 * some[1], 7 * some[2])
    assert in_days == pytest.approx(in_weeks, rel=1e-3)


# -- Fits that must not be used ---------------------------------------------------------------


def test_no_repeat_customer_is_not_converged(clv):
    fit = clv.fit_bgnbd([0, 0, 0], [0, 0, 0], [10, 20, 30])
    assert not fit.converged
    assert "no repeat customer" in fit.message
    assert np.isnan(fit.params.r)
    assert not clv.fit_bgnbd([], [], []).converged


def test_a_parameter_running_off_to_the_edge_is_not_converged(clv):
    # Every repeat customer bought right up to the end: nobody ever dropped out, so the
    # likelihood keeps rising as the dropout parameter a goes to 0 and has no maximum.
    fit = clv.fit_bgnbd([5] * 10 + [0] * 10, [10.0] * 10 + [0.0] * 10, [10.0] * 20)
    assert not fit.converged
    assert "ran off" in fit.message


def test_gamma_gamma_without_spenders_is_not_converged(clv):
    assert not clv.fit_gamma_gamma([0, 0, 2], [0.0, 0.0, 0.0]).converged
    # Identical spend everywhere: no spread between customers, q and p run off to infinity.
    assert not clv.fit_gamma_gamma([1, 1, 1], [10.0, 10.0, 10.0]).converged


# -- Expected spend ---------------------------------------------------------------------------


def test_expected_average_spend_shrinks_towards_the_population_mean(clv):
    params = clv.GammaGammaParams(**PUBLISHED_GAMMA_GAMMA)
    population = params.p * params.gamma / (params.q - 1)
    spend = clv.expected_average_spend(params, [0, 1, 10, 1000], [99.0, 60.0, 60.0, 60.0])
    assert spend[0] == pytest.approx(population)  # no repeat order: the population mean
    assert population < spend[1] < spend[2] < spend[3] < 60.0
    assert spend[3] == pytest.approx(60.0, rel=1e-2)  # many orders: the customer's own mean
    heavy_tail = clv.GammaGammaParams(p=2.0, q=0.8, gamma=10.0)
    assert np.isnan(clv.expected_average_spend(heavy_tail, [0], [0.0])[0])


# -- Input validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frequency", "recency", "age", "error"),
    [
        ([1, -1], [1, 1], [2, 2], "frequency has negative values"),
        ([1, 1], [1, -1], [2, 2], "recency has negative values"),
        ([1, 1], [1, 3], [2, 2], "recency is greater than age"),
        ([1, 1], [1, 1], [2], "different lengths"),
        ([1.5], [1], [2], "whole numbers"),
        ([1], [float("nan")], [2], "not finite"),
        ([[1]], [[1]], [[2]], "1-D"),
    ],
)
def test_invalid_customers_are_refused(clv, frequency, recency, age, error):
    params = clv.BgNbdParams(**PUBLISHED_BGNBD)
    for call in (
        lambda: clv.fit_bgnbd(frequency, recency, age),
        lambda: clv.probability_alive(params, frequency, recency, age),
        lambda: clv.expected_purchases(params, 10, frequency, recency, age),
    ):
        with pytest.raises(ValueError, match=error):
            call()


def test_invalid_horizon_and_spend_are_refused(clv):
    params = clv.BgNbdParams(**PUBLISHED_BGNBD)
    with pytest.raises(ValueError, match="horizon"):
        clv.expected_purchases(params, -1, [1], [1], [2])
    with pytest.raises(ValueError, match="monetary has negative values"):
        clv.fit_gamma_gamma([1, 2], [10.0, -5.0])
    with pytest.raises(ValueError, match="different lengths"):
        clv.expected_average_spend(clv.GammaGammaParams(6, 4, 15), [1, 2], [10.0])


# -- Size (printed, not asserted: .ci/bench_clv.py is the benchmark) --------------------------


def test_fit_and_score_100000_customers(clv, capsys):
    rng = np.random.default_rng(100)
    frequency, recency, age = simulate_bgnbd(
        rng, 100_000, r=0.3, alpha=30.0, a=0.8, b=2.5, age_low=0, age_high=3 * 365
    )
    recency, age = np.floor(recency), np.floor(age)  # order dates are whole days
    monetary = simulate_spend(rng, frequency, **SPEND_TRUE).round(2)
    start = time.perf_counter()
    purchases = clv.fit_bgnbd(frequency, recency, age)
    spend = clv.fit_gamma_gamma(frequency, monetary)
    alive = clv.probability_alive(purchases.params, frequency, recency, age)
    orders = clv.expected_purchases(purchases.params, 365, frequency, recency, age)
    revenue = orders * clv.expected_average_spend(spend.params, frequency, monetary)
    seconds = time.perf_counter() - start
    assert purchases.converged and spend.converged
    assert np.all((alive >= 0) & (alive <= 1))
    assert np.all(np.isfinite(revenue)) and np.all(revenue >= 0)
    with capsys.disabled():
        print(f"\n[clv] 100,000 customers fitted and scored in {seconds:.2f} s")


def test_very_large_dropout_parameters_use_the_homogeneous_limit(clv):
    """a and b running off together (one dropout probability for everyone, as on data where
    customers stop at random): the fit is usable and the expectations stay finite, equal to those
    of a moderately concentrated Beta with the same mean."""
    x, t_x, age = np.array([0.0, 3.0, 10.0]), np.array([0.0, 200.0, 300.0]), np.full(3, 400.0)
    huge = clv.BgNbdParams(r=0.5, alpha=100.0, a=3e5, b=3e5 * 99)
    moderate = clv.BgNbdParams(r=0.5, alpha=100.0, a=200.0, b=200.0 * 99)  # the series works
    expected = clv.expected_purchases(huge, 365, x, t_x, age)
    assert np.all(np.isfinite(expected))
    np.testing.assert_allclose(
        expected, clv.expected_purchases(moderate, 365, x, t_x, age), rtol=1e-3
    )
