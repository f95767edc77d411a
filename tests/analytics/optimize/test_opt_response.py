"""Response curves: recovery of known parameters, shape guarantees, ranges, bad input."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics.optimize import (
    OptimizationError,
    ResponseCurve,
    adstock,
    fit_response_curve,
    fit_response_curves,
)


def _synthetic(n: int = 400, seed: int = 1) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2025-01-01", periods=n, freq="D")
    spend = pd.DataFrame({"a": rng.uniform(0, 120, n), "b": rng.uniform(0, 60, n)}, index=idx)
    lift = 40 * np.log1p(adstock(spend["a"], (0.6, 0.4)) / 30) + 15 * np.log1p(spend["b"] / 20)
    return spend, pd.Series(200 + lift + rng.normal(0, 3, n), index=idx)


def test_adstock_carries_spend_to_later_days() -> None:
    assert adstock([10, 0, 0, 5], (0.5, 0.3, 0.2)).tolist() == pytest.approx([5, 3, 2, 2.5])


def test_joint_fit_recovers_known_curves() -> None:
    spend, y = _synthetic()
    curves = fit_response_curves(spend, y, lag_weights={"a": (0.6, 0.4)}, n_boot=30)
    a, b = curves["a"], curves["b"]
    assert a.beta == pytest.approx(40, rel=0.15) and a.half_saturation == pytest.approx(30, rel=0.25)
    for s in (10.0, 30.0, 50.0):
        assert b.predict(s) == pytest.approx(15 * np.log1p(s / 20), rel=0.1)
    for s in (10.0, 50.0, 100.0):
        assert a.predict(s) == pytest.approx(40 * np.log1p(s / 30), rel=0.05)
    assert a.baseline == pytest.approx(200, abs=3)
    assert a.r2 > 0.9


def test_curve_is_zero_at_zero_increasing_concave_and_marginal_is_slope() -> None:
    curve = ResponseCurve.from_params("ig", 30, 50, lag_weights=(0, 0.5, 0.3, 0.2))
    grid = np.linspace(0, 300, 61)
    values = curve.predict(grid)
    assert values[0] == 0 and np.all(np.diff(values) > 0) and np.all(np.diff(values, 2) < 0)
    eps = 1e-4
    assert curve.marginal(40.0) == pytest.approx(
        (curve.predict(40 + eps) - curve.predict(40 - eps)) / (2 * eps)
    )
    exp_curve = ResponseCurve.from_params("g", 10, 25, form="exponential")
    assert exp_curve.predict(1e6) == pytest.approx(10)


def test_interval_brackets_the_fit_and_widens_with_less_data() -> None:
    rng = np.random.default_rng(3)
    spend = pd.Series(rng.uniform(0, 120, 600))
    y = 100 + 25 * np.log1p(spend / 40) + rng.normal(0, 4, 600)
    wide = fit_response_curve(spend.iloc[:60], y.iloc[:60], n_boot=40)
    narrow = fit_response_curve(spend, y, n_boot=40)
    lo, hi = narrow.interval(60.0)
    assert lo <= narrow.predict(60.0) <= hi
    wlo, whi = wide.interval(60.0)
    assert whi - wlo > hi - lo


def test_recovers_the_demo_cafe_instagram_effect() -> None:
    from connectors.demo.businesses import DEMO_CAFE
    from connectors.demo.generator import generate

    d = generate(DEMO_CAFE, end=date(2026, 10, 31)).daily
    d = d[d["closed"] == 0]
    ctl = pd.get_dummies(d.index.dayofweek, prefix="wd", drop_first=True, dtype=float).set_index(d.index)
    ctl["season"] = np.cos(2 * np.pi * (d.index.dayofyear - 196) / 365.25)
    ctl["rain"] = (d["rain_mm"] > 1).astype(float)
    ctl["trend"] = np.arange(len(d))
    for col in ("is_holiday", "price_index", "stockout"):
        ctl[col] = d[col]
    spend = d[["marketing_instagram", "marketing_google", "marketing_flyers"]]
    spend.columns = ["instagram", "google", "flyers"]
    curves = fit_response_curves(
        spend, d["customers"], controls=ctl, lag_weights={"instagram": (0, 0.5, 0.3, 0.2)}, n_boot=40
    )
    fx = DEMO_CAFE.effects
    truth = fx.instagram_beta * np.log1p(60 / fx.instagram_half_saturation)
    lo, hi = curves["instagram"].interval(60.0)
    assert lo <= truth <= hi
    assert curves["instagram"].predict(60.0) == pytest.approx(truth, rel=0.2)
    assert curves["flyers"].predict(100.0) < 2.0  # the placebo channel gets (almost) nothing


@pytest.mark.parametrize(
    ("spend", "message"),
    [
        (pd.Series([-1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), "negative"),
        (pd.Series([5.0] * 11), "barely changed"),
        (pd.Series([1.0, 2, 3]), "at least"),
    ],
)
def test_bad_spend_is_refused_in_plain_words(spend: pd.Series, message: str) -> None:
    with pytest.raises(OptimizationError, match=message):
        fit_response_curve(spend, pd.Series(np.arange(len(spend), dtype=float)), n_boot=5)


def test_unknown_shape_is_refused() -> None:
    with pytest.raises(OptimizationError, match="shape"):
        ResponseCurve.from_params("x", 1, 1, form="hill")
