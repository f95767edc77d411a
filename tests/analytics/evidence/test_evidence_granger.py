"""Granger tests: nominal false-positive rate on independent series and power on a lagged dependence."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.evidence.granger import granger_pairs, granger_test


def test_false_positive_rate_on_independent_series() -> None:
    rng = np.random.default_rng(0)
    hits = 0
    runs = 200
    for _ in range(runs):
        a = np.convolve(rng.normal(size=320), [1, 0.5], mode="same")  # autocorrelated but independent
        b = np.convolve(rng.normal(size=320), [1, 0.5], mode="same")
        hits += granger_test(a, b)[2] < 0.05
    assert hits / runs <= 0.08


def test_lagged_dependence_is_found_with_its_lag() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=400)
    y = np.zeros(400)
    y[2:] = 0.6 * x[:-2]
    y += rng.normal(size=400)
    lag, _, p = granger_test(x, y)
    assert p < 1e-6 and lag >= 2
    frame = pd.DataFrame({"x": x, "y": y, "z": rng.normal(size=400)})
    results = {(r.cause, r.effect): r for r in granger_pairs(frame, [("x", "y"), ("z", "y"), ("y", "x")])}
    assert results[("x", "y")].significant and not results[("z", "y")].significant
    assert results[("z", "y")].p_adjusted >= results[("z", "y")].p_value
