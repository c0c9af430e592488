"""The CLV model's promises that the published-figure tests leave loose: a repeat customer with
no revenue, the edge of the parameter space and its homogeneous limit, the optimiser's
tolerance."""

import dataclasses
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from .conftest import load_addon_module
from .test_clv_model import simulate_bgnbd, simulate_spend


@pytest.fixture(scope="module")
def clv():
    return load_addon_module("tools/clv_model.py")


def cdnow(name):
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("the lifetimes package (CDNOW sample data) is not installed")
    return np.genfromtxt(
        Path(spec.submodule_search_locations[0]) / "datasets" / name, delimiter=",", names=True
    )


def test_a_repeat_customer_with_zero_revenue_leaves_the_spend_fit_finite(clv):
    frequency = [1, 2, 3, 4, 2, 5, 1, 3]
    spend = [20.0, 35.0, 18.0, 60.0, 25.0, 41.0, 12.0, 30.0]
    without = clv.fit_gamma_gamma(frequency, spend)
    # the same customers, one more who ordered three times for nothing (free samples), and a
    # one-time buyer, who has no repeat order to measure
    with_free = clv.fit_gamma_gamma([*frequency, 3, 0], [*spend, 0.0, 500.0])
    assert with_free.converged and without.converged
    assert np.isfinite(with_free.log_likelihood)
    assert with_free.params == without.params
    assert with_free.log_likelihood == without.log_likelihood
    params = clv.GammaGammaParams(p=6.25, q=3.74, gamma=15.44)
    # (gamma + m x) p / (p x + q - 1) with m = 0, x = 3: 15.44 x 6.25 / 21.49
    assert clv.expected_average_spend(params, [3], [0.0])[0] == pytest.approx(4.490460679, 1e-9)


def quadratic(target):
    """A mean negative log-likelihood with its minimum at ``target``, in log-parameters."""
    log_target = np.log(target)

    def objective(log_params):
        delta = log_params - log_target
        return float(delta @ delta), 2 * delta

    return objective


@pytest.mark.parametrize(
    ("target", "pair", "converged", "message"),
    [
        ((2.0, 3.0, 5.0), None, True, "Optimization terminated successfully."),
        # a shape below 1e-6 or above 1e6 (over its data scale) ran off to 0 or infinity
        ((2.0, 3.0, 5e-7), None, False, "a parameter ran off to 0 or infinity"),
        ((2.0, 3.0, 2e-6), None, True, "Optimization terminated successfully."),
        ((2.0, 3.0, 2e6), None, False, "a parameter ran off to 0 or infinity"),
        ((2.0, 3.0, 9e5), None, True, "Optimization terminated successfully."),
        # two parameters running off together at a share of 1/3: the homogeneous limit, kept
        ((2.0, 1e7, 2e7), (1, 2), True, "Optimization terminated successfully."),
        ((2.0, 1e7, 2e7), None, False, "a parameter ran off to 0 or infinity"),
        # ... unless their share is 0 or 1 too
        ((2.0, 1e8, 1.0), (1, 2), False, "a parameter ran off to 0 or infinity"),
        ((2.0, 1.0, 1e8), (1, 2), False, "a parameter ran off to 0 or infinity"),
        ((2.0, 1e12, 2e7), (1, 2), True, "Optimization terminated successfully."),
        ((2.0, 1e12, 2e7), (0, 2), False, "a parameter ran off to 0 or infinity"),
        # the pair is judged by its sum: 1e5 + 5e6 is past the edge, at a share of 2 %
        ((2.0, 1e5, 5e6), (1, 2), True, "Optimization terminated successfully."),
    ],
)
def test_the_edge_of_the_parameter_space_and_the_homogeneous_limit(
    clv, target, pair, converged, message
):
    fit = clv._maximise(
        quadratic(target), [1.0, 1.0, 1.0], 10.0, clv.GammaGammaParams, [1.0, 1.0, 1.0], pair
    )
    assert (fit.converged, fit.message) == (converged, message)
    assert [fit.params.p, fit.params.q, fit.params.gamma] == pytest.approx(target, rel=1e-6)
    assert fit.log_likelihood == pytest.approx(0.0, abs=1e-9)


def test_the_data_scale_divides_a_scale_parameter_before_the_edge_check(clv):
    fit = clv._maximise(
        quadratic((2.0, 3.0, 5e7)), [1.0, 1.0, 1.0], 4.0, clv.GammaGammaParams, [1, 1, 100.0]
    )
    assert fit.converged  # 5e7 / 100 = 5e5 < 1e6
    assert clv.IDENTIFIABLE == (1e-6, 1e6)


def test_an_objective_that_is_never_finite_is_not_converged(clv):
    def nowhere(log_params):
        return np.inf, np.zeros(3)

    fit = clv._maximise(nowhere, [1.0, 1.0, 1.0], 5.0, clv.GammaGammaParams, [1.0, 1.0, 1.0])
    assert (fit.converged, fit.message) == (False, "parameters or log-likelihood not finite")


def test_a_bgnbd_fit_at_the_homogeneous_dropout_limit_is_kept(clv):
    """Everyone drops out with the same probability 0.25 (Beta(1e5, 3e5)): a and b run off to
    infinity together, their share stays 1/4, and the fit is usable."""
    rng = np.random.default_rng(1)
    frequency, recency, age = simulate_bgnbd(rng, 1500, 1.0, 30.0, 1e5, 3e5, 200, 400)
    fit = clv.fit_bgnbd(frequency, recency, age)
    assert fit.converged, fit.message
    params = fit.params
    assert params.a + params.b > 1e6
    assert params.a / (params.a + params.b) == pytest.approx(0.25, abs=0.02)
    assert (params.r, params.alpha) == pytest.approx((1.0, 30.0), rel=0.1)


def test_a_spend_fit_at_the_homogeneous_limit_is_kept_in_any_currency_unit(clv):
    """Everyone's order values share one scale nu (q and gamma run off together, q / gamma =
    25), in a unit where orders are worth about 0.16: the fit is usable, and the same spend in
    hundredths of that unit only divides gamma by 100."""
    rng = np.random.default_rng(1)
    frequency = rng.integers(1, 10, 1500).astype(float)
    spend = simulate_spend(rng, frequency, 4.0, 1e6, 1e6 / 25)
    fit = clv.fit_gamma_gamma(frequency, spend)
    assert fit.converged, fit.message
    assert fit.params.q > 1e6
    assert (fit.params.p, fit.params.q / fit.params.gamma) == pytest.approx((4.0, 25.0), rel=0.05)
    rng = np.random.default_rng(2)
    frequency = rng.integers(1, 10, 1500).astype(float)
    spend = simulate_spend(rng, frequency, 4.0, 1e6, 1e6 / 25)
    units, hundredths = (
        clv.fit_gamma_gamma(frequency, spend),
        clv.fit_gamma_gamma(frequency, spend / 100),
    )
    assert units.converged and hundredths.converged
    assert (hundredths.params.p, hundredths.params.q, hundredths.params.gamma) == pytest.approx(
        (units.params.p, units.params.q, units.params.gamma / 100), rel=1e-4
    )


def test_parameters_and_fits_cannot_be_changed(clv):
    for value in (
        clv.BgNbdParams(1.0, 2.0, 3.0, 4.0),
        clv.GammaGammaParams(1.0, 2.0, 3.0),
        clv.Fit(None, 0.0, False, ""),
    ):
        field = dataclasses.fields(value)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, field, 9.0)


def test_the_cdnow_fit_is_the_optimum_to_the_tolerance(clv):
    """Frozen from the fit with BFGS at gtol 1e-7: a looser tolerance stops elsewhere."""
    data = cdnow("cdnow_customers_summary.csv")
    fit = clv.fit_bgnbd(data["frequency"], data["recency"], data["T"])
    assert fit.converged
    got = [fit.params.r, fit.params.alpha, fit.params.a, fit.params.b]
    assert got == pytest.approx(FROZEN_CDNOW, rel=1e-6)
    assert fit.log_likelihood == pytest.approx(FROZEN_CDNOW_LL, abs=1e-6)


FROZEN_CDNOW = [0.24259305156136904, 4.4135360654184765, 0.792885666246833, 2.4257503206602578]
FROZEN_CDNOW_LL = -9582.425560567477
