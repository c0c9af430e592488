"""The CLV model on 100,000 simulated customers, timed (no Odoo, no database).

Run with the venv's Python:  bench_clv.py [CUSTOMERS] [RUNS]
The customers are drawn from the models' own generative story, with days as the time unit and
first purchases spread over a 3-year history, times rounded to whole days as order dates are.
Each step runs RUNS times (default 3); the median seconds are printed as a Markdown table, then
the peak memory: the largest numpy/Python allocation of one full pass (tracemalloc, measured in a
separate pass since tracing slows the code down) and the peak resident size of the process.
"""

import importlib.util
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

MODULE = Path(__file__).resolve().parents[1] / "customer_lifecycle" / "tools" / "clv_model.py"
HISTORY_DAYS = 3 * 365
HORIZON_DAYS = 365
# Purchase rate ~ Gamma(0.3, 30 days): about 3.7 orders a year on average, very skewed; about a
# quarter of the customers drop out after each repeat order. Order values average about 200.
BGNBD = {"r": 0.3, "alpha": 30.0, "a": 0.8, "b": 2.5}
SPEND = {"p": 6.0, "q": 4.0, "gamma": 100.0}


def load_model():
    """The plain-Python model module, loaded by path (the addon package imports Odoo)."""
    spec = importlib.util.spec_from_file_location("clv_model", MODULE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def simulate(rng, customers):
    """frequency, recency, age (whole days) and average repeat-order value of each customer."""
    rate = rng.gamma(BGNBD["r"], 1 / BGNBD["alpha"], customers)
    dropout = rng.beta(BGNBD["a"], BGNBD["b"], customers)
    age = rng.integers(0, HISTORY_DAYS + 1, customers).astype(float)
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
        recency[buyers] = np.floor(clock[buyers])
        active[live[~bought]] = False
        active[buyers[rng.random(buyers.size) < dropout[buyers]]] = False
    scale = rng.gamma(SPEND["q"], 1 / SPEND["gamma"], customers)
    orders = np.maximum(frequency, 1)
    monetary = np.where(
        frequency > 0, rng.gamma(SPEND["p"] * orders, 1 / (scale * orders)), 0.0
    ).round(2)
    return frequency, recency, age, monetary


def steps(model, frequency, recency, age, monetary):
    """The timed steps, in the order the engine runs them; each returns what the next needs."""
    state = {}

    def fit_purchases():
        state["bgnbd"] = model.fit_bgnbd(frequency, recency, age)
        assert state["bgnbd"].converged, state["bgnbd"].message

    def score_purchases():
        params = state["bgnbd"].params
        state["alive"] = model.probability_alive(params, frequency, recency, age)
        state["orders"] = model.expected_purchases(params, HORIZON_DAYS, frequency, recency, age)

    def fit_spend():
        state["spend"] = model.fit_gamma_gamma(frequency, monetary)
        assert state["spend"].converged, state["spend"].message

    def score_spend():
        spend = model.expected_average_spend(state["spend"].params, frequency, monetary)
        state["revenue"] = state["orders"] * spend

    return state, [
        ("fit_bgnbd", fit_purchases),
        ("probability_alive + expected_purchases (365 days)", score_purchases),
        ("fit_gamma_gamma", fit_spend),
        ("expected_average_spend + revenue", score_spend),
    ]


def main():
    customers = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    model = load_model()
    data = simulate(np.random.default_rng(8), customers)
    distinct = len(np.unique(np.column_stack(data[:3]), axis=0))

    seconds = {}
    for _ in range(runs):
        state, timed = steps(model, *data)
        for name, step in timed:
            start = time.perf_counter()
            step()
            seconds.setdefault(name, []).append(time.perf_counter() - start)
        seconds.setdefault("total", []).append(sum(seconds[name][-1] for name, _ in timed))

    tracemalloc.start()
    _, timed = steps(model, *data)
    for _, step in timed:
        step()
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    bgnbd, spend = state["bgnbd"].params, state["spend"].params
    print(
        f"{customers:,} customers ({distinct:,} distinct (x, t_x, T) rows), "
        f"{(data[0] > 0).mean():.0%} repeat; median of {runs} runs\n"
    )
    print("| step | seconds |")
    print("|---|---:|")
    for name, values in seconds.items():
        print(f"| {name} | {statistics.median(values):.3f} |")
    print(f"\nPeak memory of one pass (tracemalloc): {traced_peak / 2**20:.1f} MiB")
    resident = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"Peak resident size of the process: {resident:.0f} MiB")
    print(
        "\nFitted vs simulated: "
        + ", ".join(f"{k} {getattr(bgnbd, k):.3g} ({v})" for k, v in BGNBD.items())
        + "; "
        + ", ".join(f"{k} {getattr(spend, k):.3g} ({v})" for k, v in SPEND.items())
    )
    print(
        f"Expected orders in the next {HORIZON_DAYS} days: {state['orders'].sum():,.0f}; "
        f"mean P(alive) {state['alive'].mean():.3f}; "
        f"predicted revenue {state['revenue'].sum():,.0f}"
    )


if __name__ == "__main__":
    main()
