"""Customer lifetime value: the BG/NBD purchase model and the Gamma-Gamma spend model.

No Odoo import here: the engine feeds these functions plain arrays, and the Odoo-free part of the
test suite checks them directly. Written from the published formulas:

- BG/NBD: Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way: An Alternative to
  the Pareto/NBD Model", Marketing Science 24(2). While active, a customer buys at Poisson rate
  ``lambda ~ Gamma(r, alpha)``; after each repeat purchase it drops out with probability
  ``p ~ Beta(a, b)``.
- Gamma-Gamma: Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves for Customer Base
  Analysis", Journal of Marketing Research 42(4). Order values of a customer are
  ``Gamma(p, nu)`` with ``nu ~ Gamma(q, gamma)``.

Each customer is one observation: ``frequency`` x = number of repeat purchases (orders after the
first), ``recency`` t_x = age of the customer at its last purchase (0 when x = 0), ``age`` T = time
from its first purchase to the end of the observation period. Any time unit works (days, weeks)
as long as recency, age and horizons use the same one; ``alpha`` is in that unit.
"""

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special


@dataclass(frozen=True)
class BgNbdParams:
    """BG/NBD parameters: purchase rate ~ Gamma(shape r, rate alpha); dropout ~ Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float


@dataclass(frozen=True)
class GammaGammaParams:
    """Gamma-Gamma parameters: order value ~ Gamma(p, nu) with nu ~ Gamma(shape q, rate gamma)."""

    p: float
    q: float
    gamma: float


@dataclass(frozen=True)
class Fit:
    """The result of a maximum-likelihood fit.

    ``params`` is the last point the optimiser reached (all NaN when there was nothing to fit).
    When ``converged`` is False the parameters must not be used: keep the previous ones.
    ``log_likelihood`` is the total over all customers used in the fit.
    """

    params: object
    log_likelihood: float
    converged: bool
    message: str


# -- Input ------------------------------------------------------------------------------------


def _column(values, name):
    """A 1-D float array of finite, non-negative values, or a ValueError naming the input."""
    array = np.asarray(values, dtype=float)
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim != 1:
        raise ValueError(f"{name} must be a 1-D sequence of numbers")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} has values that are not finite numbers")
    if np.any(array < 0):
        raise ValueError(f"{name} has negative values")
    return array


def _same_length(**columns):
    lengths = {name: len(column) for name, column in columns.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"inputs have different lengths: {lengths}")


def _customers(frequency, recency, age):
    """The (x, t_x, T) arrays, checked; scalars are accepted as one customer."""
    x = _column(frequency, "frequency")
    t_x = _column(recency, "recency")
    T = _column(age, "age")
    _same_length(frequency=x, recency=t_x, age=T)
    if np.any(x != np.round(x)):
        raise ValueError("frequency must be whole numbers of repeat purchases")
    if np.any(t_x > T):
        raise ValueError("recency is greater than age for some customers")
    return x, t_x, T


def _compress(*columns):
    """The distinct rows of the given columns, and how many times each occurs.

    Order histories in days repeat a lot (every one-time buyer of the same day is the same
    observation), so the likelihood is summed over distinct rows with weights.
    """
    rows, counts = np.unique(np.column_stack(columns), axis=0, return_counts=True)
    return rows.T, counts.astype(float)


# A fitted shape, or a scale over the data's own scale, outside this range means the likelihood
# kept rising towards the edge of the parameter space (a parameter running off to 0 or infinity):
# the data cannot identify the model, even if the optimiser stopped cleanly. Published fits lie
# within 0.01-100.
IDENTIFIABLE = (1e-6, 1e6)


def _maximise(negative_mean_ll, start, weight_total, make_params, data_scales, pair=None):
    """Minimise the mean negative log-likelihood over log-parameters; the Fit.

    ``data_scales`` divides each parameter into a unit-free number for the edge check (1 for a
    shape parameter, the data's mean for a scale). ``pair`` (i, j): two parameters that may run
    off to infinity together, their mixing distribution then collapsing to one value shared by
    every customer, i / (i + j) (BG/NBD's dropout Beta(a, b), Gamma-Gamma's Gamma(q, gamma)):
    the homogeneous limit of the model, still usable as long as that share is not 0 or 1.
    """
    with np.errstate(all="ignore"):
        result = optimize.minimize(
            negative_mean_ll, np.log(start), jac=True, method="BFGS", options={"gtol": 1e-7}
        )
        values = np.exp(result.x)
        unit_free = values / np.asarray(data_scales)
    params = make_params(*map(float, values))
    log_likelihood = -float(result.fun * weight_total)
    if not (np.all(np.isfinite(values)) and np.isfinite(log_likelihood)):
        return Fit(params, log_likelihood, False, "parameters or log-likelihood not finite")
    low, high = IDENTIFIABLE
    too_high = unit_free > high
    if pair and unit_free[pair[0]] + unit_free[pair[1]] > high:
        share = unit_free[pair[0]] / (unit_free[pair[0]] + unit_free[pair[1]])
        too_high[list(pair)] = not low < share < 1 - low
    if np.any(unit_free < low) or np.any(too_high):
        return Fit(params, log_likelihood, False, "a parameter ran off to 0 or infinity")
    # BFGS stops with "precision loss" when it is at the optimum but cannot prove it to the
    # requested gradient norm; a small gradient at that point is a converged fit all the same.
    small_gradient = bool(np.all(np.isfinite(result.jac)) and np.max(np.abs(result.jac)) < 1e-4)
    return Fit(params, log_likelihood, bool(result.success or small_gradient), str(result.message))


# -- BG/NBD -----------------------------------------------------------------------------------


def _bgnbd_terms(log_params, x, t_x, T):
    """Per-row log-likelihood (eq. 6 of the BG/NBD paper) and its gradient in log-parameters."""
    r, alpha, a, b = np.exp(log_params)
    repeat = x > 0
    x_1 = np.where(repeat, x, 1.0)  # keeps the second term defined where it is masked out
    common = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    # Still active at T: B(a, b + x) / B(a, b) / (alpha + T)^(r + x).
    alive = special.betaln(a, b + x) - special.betaln(a, b) - (r + x) * np.log(alpha + T)
    # Dropped out right after the last purchase:
    # B(a + 1, b + x - 1) / B(a, b) / (alpha + t_x)^(r + x).
    dropped = (
        special.betaln(a + 1, b + x_1 - 1) - special.betaln(a, b) - (r + x) * np.log(alpha + t_x)
    )
    dropped = np.where(repeat, dropped, -np.inf)
    mix = np.logaddexp(alive, dropped)
    ll = common + mix
    w_alive = np.exp(alive - mix)
    w_dropped = 1.0 - w_alive

    dig = special.digamma
    d_r = dig(r + x) - dig(r) + np.log(alpha)
    d_r -= w_alive * np.log(alpha + T) + w_dropped * np.log(alpha + t_x)
    d_alpha = r / alpha - (r + x) * (w_alive / (alpha + T) + w_dropped / (alpha + t_x))
    d_ab = dig(a + b) - dig(a + b + x)  # shared by the a and b derivatives of both terms
    d_a = d_ab + w_dropped / a
    d_b = d_ab - dig(b) + w_alive * dig(b + x) + w_dropped * dig(b + x_1 - 1)
    gradient = np.stack([d_r * r, d_alpha * alpha, d_a * a, d_b * b])
    return ll, gradient


def bgnbd_log_likelihood(params, frequency, recency, age):
    """Total BG/NBD log-likelihood of the customers under ``params``."""
    x, t_x, T = _customers(frequency, recency, age)
    log_params = np.log([params.r, params.alpha, params.a, params.b])
    return float(np.sum(_bgnbd_terms(log_params, x, t_x, T)[0]))


def fit_bgnbd(frequency, recency, age, start=None):
    """Maximum-likelihood BG/NBD parameters for the customers; a Fit of BgNbdParams.

    ``start`` (BgNbdParams) is where the optimiser begins, e.g. the previous fit. The fit is not
    converged when there is no repeat customer (the likelihood then has no maximum), when the
    optimiser fails, when a parameter or the likelihood is not finite, or when a parameter ran
    off towards 0 or infinity (see IDENTIFIABLE).
    """
    x, t_x, T = _customers(frequency, recency, age)
    if not np.any(x > 0):
        nan = float("nan")
        return Fit(BgNbdParams(nan, nan, nan, nan), nan, False, "no repeat customer to fit")
    t_x = np.where(x > 0, t_x, 0.0)  # t_x has no meaning without repeat purchases
    (x, t_x, T), weights = _compress(x, t_x, T)
    total = weights.sum()
    mean_age = max(float(np.average(T, weights=weights)), 1e-3)
    if start is None:
        start = BgNbdParams(1.0, mean_age, 1.0, 1.0)

    def objective(log_params):
        ll, gradient = _bgnbd_terms(log_params, x, t_x, T)
        value = -np.dot(weights, ll) / total
        if not np.isfinite(value):
            return np.inf, np.zeros(4)
        return value, -(gradient @ weights) / total

    start_values = [start.r, start.alpha, start.a, start.b]
    return _maximise(
        objective, start_values, total, BgNbdParams, [1.0, mean_age, 1.0, 1.0], pair=(2, 3)
    )


def probability_alive(params, frequency, recency, age):
    """Probability that each customer is still active at its age T.

    1 / (1 + [x > 0] * a / (b + x - 1) * ((alpha + T) / (alpha + t_x))^(r + x)): a customer
    without repeat purchase cannot have dropped out yet (dropout follows a repeat purchase).
    """
    x, t_x, T = _customers(frequency, recency, age)
    return 1.0 / (1.0 + _dropout_odds(params, x, t_x, T))


def lost_age(params, threshold, frequency, recency):
    """The age T (in the model's time unit) at which each repeat customer's probability of
    still being active falls to threshold: probability_alive solved for T,
    T = (alpha + t_x) * ((1 / threshold - 1) * (b + x - 1) / a)^(1 / (r + x)) - alpha.
    NaN without repeat purchase: the model keeps such a customer active (probability 1)."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    x = np.asarray(frequency, dtype=float)
    t_x = np.asarray(recency, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        odds = (1 / threshold - 1) * (b + x - 1) / a
        age = (alpha + t_x) * odds ** (1 / (r + x)) - alpha
    return np.where(x > 0, age, np.nan)


def _dropout_odds(params, x, t_x, T):
    """P(dropped out) / P(active) given the history; 0 without repeat purchase."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    repeat = x > 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        odds = a / (b + x - 1) * np.exp((r + x) * np.log((alpha + T) / (alpha + t_x)))
    return np.where(repeat, odds, 0.0)


def _expected_if_alive(params, x, T, horizon):
    """Expected purchases in (T, T + horizon] of a customer known to be active at T.

    This is the numerator of eq. 10 of the BG/NBD paper (eq. 7 when x = 0 and T = 0),
    (a + b + x - 1) / (a - 1) * [1 - ((alpha + T) / (alpha + T + t))^(r + x)
                                   * 2F1(r + x, b + x; a + b + x - 1; z)],  z = t / (alpha + T + t),
    with the 2F1 rewritten by Euler's transformation as (1 - z)^(a - 1 - r - x)
    * 2F1(a - 1, a + b - 1 - r; a + b + x - 1; z): the power terms then cancel down to
    (1 - z)^(a - 1), and the new series has small upper parameters, so it neither overflows nor
    loses precision for frequent buyers and long horizons.
    """
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    if abs(a - 1.0) < 1e-7:
        a = 1.0 + 1e-7  # the expression is 0/0 at a = 1; its limit is continuous there
    z = horizon / (alpha + T + horizon)
    with np.errstate(all="ignore"):
        series = special.hyp2f1(a - 1, a + b - 1 - r, a + b + x - 1, z)
        expected = (a + b + x - 1) / (a - 1) * (1.0 - (1.0 - z) ** (a - 1) * series)
        # Near the homogeneous limit (a and b very large, see _maximise) the power underflows
        # and the series overflows. There every customer drops out with the same probability
        # p = a / (a + b), and E[Y(t) | lambda, p] = (1 - exp(-lambda p t)) / p averaged over
        # lambda ~ Gamma(r + x, alpha + T) has a closed form.
        p = a / (a + b)
        limit = (1.0 - ((alpha + T) / (alpha + T + p * horizon)) ** (r + x)) / p
    return np.where(np.isfinite(expected), expected, limit)


def expected_purchases(params, horizon, frequency, recency, age):
    """Expected purchases of each customer in the next ``horizon`` (eq. 10 of the BG/NBD paper)."""
    x, t_x, T = _customers(frequency, recency, age)
    horizon = float(horizon)
    if not np.isfinite(horizon) or horizon < 0:
        raise ValueError("horizon must be a finite number >= 0")
    if horizon == 0:
        return np.zeros_like(x)
    return _expected_if_alive(params, x, T, horizon) / (1.0 + _dropout_odds(params, x, t_x, T))


def expected_purchases_new_customer(params, t):
    """Expected repeat purchases E[X(t)] of a new customer over its first ``t`` (eq. 7).

    ``t`` may be an array (e.g. weekly cumulative totals for a cohort).
    """
    t = _column(t, "t")
    return _expected_if_alive(params, 0.0, 0.0, t)


# -- Gamma-Gamma ------------------------------------------------------------------------------


def _spenders(frequency, monetary):
    x = _column(frequency, "frequency")
    m = _column(monetary, "monetary")
    _same_length(frequency=x, monetary=m)
    return x, m


def _gamma_gamma_terms(log_params, x, m):
    """Per-row log-density of the average order value m over x orders, and its gradient.

    Given nu the mean of x Gamma(p, nu) values is Gamma(p x, nu x); mixing over nu ~ Gamma(q,
    gamma) gives Gamma(px + q) / (Gamma(px) Gamma(q)) * gamma^q * m^(px - 1) * x^(px)
    / (gamma + m x)^(px + q).
    """
    p, q, gamma = np.exp(log_params)
    px = p * x
    log_total = np.log(gamma + m * x)
    ll = (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(gamma)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * log_total
    )
    dig_sum = special.digamma(px + q)
    d_p = x * (dig_sum - special.digamma(px) + np.log(m) + np.log(x) - log_total)
    d_q = dig_sum - special.digamma(q) + np.log(gamma) - log_total
    d_gamma = q / gamma - (px + q) / (gamma + m * x)
    return ll, np.stack([d_p * p, d_q * q, d_gamma * gamma])


def fit_gamma_gamma(frequency, monetary, start=None):
    """Maximum-likelihood Gamma-Gamma parameters; a Fit of GammaGammaParams.

    ``monetary`` is each customer's average value of its repeat orders. Only customers with
    frequency > 0 and monetary > 0 are used; with none, the fit is not converged.
    """
    x, m = _spenders(frequency, monetary)
    used = (x > 0) & (m > 0)
    if not np.any(used):
        nan = float("nan")
        return Fit(GammaGammaParams(nan, nan, nan), nan, False, "no repeat customer with spend")
    (x, m), weights = _compress(x[used], m[used])
    total = weights.sum()
    mean_spend = float(np.average(m, weights=weights))
    if start is None:
        start = GammaGammaParams(1.0, 2.0, mean_spend)

    def objective(log_params):
        ll, gradient = _gamma_gamma_terms(log_params, x, m)
        value = -np.dot(weights, ll) / total
        if not np.isfinite(value):
            return np.inf, np.zeros(3)
        return value, -(gradient @ weights) / total

    start_values = [start.p, start.q, start.gamma]
    return _maximise(
        objective, start_values, total, GammaGammaParams, [1.0, 1.0, mean_spend], pair=(1, 2)
    )


def expected_average_spend(params, frequency, monetary):
    """Expected value of each customer's future orders, given its average over x orders.

    (gamma + m x) p / (p x + q - 1): a weighted mean of the population mean p gamma / (q - 1)
    and the customer's own average, the weight of its own growing with x. With x = 0 it is the
    population mean (monetary is then ignored), which is infinite when q <= 1: NaN is returned.
    """
    x, m = _spenders(frequency, monetary)
    p, q, gamma = params.p, params.q, params.gamma
    m = np.where(x > 0, m, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        spend = (gamma + m * x) * p / (p * x + q - 1)
    return np.where(p * x + q > 1, spend, np.nan)
