"""``what_if``: the metric's expected path under an intervention (price, marketing spend, staffing, hours).

Intervention keys (values are relative changes, e.g. 0.05 = +5%): ``price``, ``marketing_<channel>`` (daily
spend on that channel), ``staff_hours``, ``opening_hours``. The baseline path comes from the forecasting engine.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np
import pandas as pd

from analytics.evidence.attribution import build_frame, fit_drivers
from analytics.evidence.errors import EvidenceError
from analytics.evidence.features import daily
from analytics.evidence.templates import SPEND_WINDOWS, drivers_for
from analytics.evidence.types import WhatIf

logger = logging.getLogger(__name__)

RECENT_DAYS = 28
FORECAST_MEMBERS = ["ets"]


def what_if(
    data: pd.DataFrame,
    intervention: Mapping[str, float],
    metric: str,
    horizon: int,
    *,
    industry: str = "default",
) -> WhatIf:
    """Counterfactual daily path of ``metric`` over ``horizon`` days with a 95% interval, and its baseline."""
    from analytics.forecast import ForecastError, forecast

    full = daily(data)
    if metric not in full.columns:
        raise EvidenceError(f"The data has no '{metric}' column.")
    if not intervention:
        raise EvidenceError("Say what to change, e.g. {'price': 0.05} for prices 5% higher.")
    if not 1 <= int(horizon) <= 366:
        raise EvidenceError("The horizon must be between 1 and 366 days.")
    try:
        fc = forecast(full[metric].astype(float), int(horizon), levels=(0.95,), members=FORECAST_MEMBERS)
    except ForecastError as exc:
        raise EvidenceError(f"No baseline forecast for {metric}: {exc}") from exc
    base, base_lo, base_hi = fc.point, fc.lower[0.95], fc.upper[0.95]
    lift = np.zeros(len(base))
    lift_lo, lift_hi = np.zeros(len(base)), np.zeros(len(base))
    methods, warnings = [], []
    extrapolation = False
    for key, change in intervention.items():
        if key == "opening_hours":
            rel, lo, hi, how, warn, extra = _opening_hours(full, change)
        elif key.startswith("marketing_"):
            rel, lo, hi, how, warn, extra = _marketing(
                full, metric, key, change, industry, float(base.mean())
            )
        elif key in ("price", "staff_hours"):
            rel, lo, hi, how, warn, extra = _elasticity(full, metric, key, change, industry)
        else:
            raise EvidenceError(
                f"Unknown intervention '{key}': use price, marketing_<channel>, staff_hours or opening_hours."
            )
        lift += rel * base.to_numpy()
        lift_lo += lo * base.to_numpy()
        lift_hi += hi * base.to_numpy()
        methods.append(how)
        warnings += warn
        extrapolation |= extra
    cf = base + lift
    spread_lo, spread_hi = base - base_lo, base_hi - base
    lower = cf - np.sqrt(spread_lo**2 + (lift - lift_lo) ** 2)
    upper = cf + np.sqrt(spread_hi**2 + (lift_hi - lift) ** 2)
    return WhatIf(
        metric,
        dict(intervention),
        base,
        cf,
        lower,
        upper,
        float(lift.sum()),
        float(lift_lo.sum()),
        float(lift_hi.sum()),
        "; ".join(methods),
        extrapolation,
        tuple(warnings),
    )


def _elasticity(
    full: pd.DataFrame, metric: str, key: str, change: float, industry: str
) -> tuple[float, float, float, str, list[str], bool]:
    """Relative effect from the driver model: price via its elasticity, staffing per extra hour."""
    name = "price" if key == "price" else "staffing"
    column = "price_index" if key == "price" else "staff_hours"
    if column not in full.columns or full[column].nunique() < 2:
        raise EvidenceError(
            f"The data never saw {column} change, so there is nothing to learn its effect from."
        )
    specs = [s for s in drivers_for(industry, full.columns) if s.column != metric]
    frame, _ = build_frame(full, metric, specs)
    if name not in [s.name for s in frame.drivers]:
        raise EvidenceError(f"{column} cannot be separated from other drivers in this data.")
    eff = fit_drivers(frame, refute=False).effects[name]
    warn: list[str] = []
    if key == "price":
        step = float(np.log1p(change))
        seen = float(frame.data[name].max() - frame.data[name].min())
        how = (
            f"price elasticity {eff.estimate:+.2f} (95% CI {eff.lower:+.2f} to {eff.upper:+.2f}) "
            "from past price changes"
        )
    else:
        step = change * float(full[column].tail(RECENT_DAYS).mean())
        seen = float(frame.data[name].max() - frame.data[name].min())
        how = f"effect per staff hour {eff.estimate:+.4f} (log scale) from the driver model"
        if eff.p_value >= 0.05:
            warn.append("no evidence that staffing drives this metric (staff hours follow demand here)")
    extra = abs(step) > seen
    if extra:
        warn.append(f"the data never saw a change this large in {column}: the projection extrapolates")
    factors = [
        float(np.expm1(b * step)) if frame.log_scale else b * step / float(frame.level.mean())
        for b in (eff.estimate, eff.lower, eff.upper)
    ]
    return factors[0], min(factors[1:]), max(factors[1:]), how, warn, extra


def _marketing(
    full: pd.DataFrame, metric: str, key: str, change: float, industry: str, level: float
) -> tuple[float, float, float, str, list[str], bool]:
    """Spend change through the shared saturating response curve (analytics.optimize.response)."""
    from analytics.optimize.errors import OptimizationError
    from analytics.optimize.response import fit_response_curve

    if key not in full.columns:
        raise EvidenceError(f"The data has no '{key}' spend column.")
    specs = [s for s in drivers_for(industry, full.columns) if s.column != metric]
    frame, _ = build_frame(full, metric, specs)
    spec = next((s for s in frame.drivers if s.column == key), None)
    window = (1, 3)
    if spec is not None:
        words = frame.lags.get(spec.name, "")
        window = next((w for w in SPEND_WINDOWS if _words(w) == words), window)
    weights = tuple([0.0] * window[0] + [1.0 / (window[1] - window[0] + 1)] * (window[1] - window[0] + 1))
    rows = frame.data.index
    controls = frame.data[
        list(frame.calendar) + [s.name for s in frame.drivers if s.column != key and s.transform != "spend"]
    ]
    try:
        curve = fit_response_curve(
            full.loc[rows, key].astype(float),
            frame.level.loc[rows],
            controls=controls,
            lag_weights=weights,
            n_boot=40,
        )
    except OptimizationError as exc:
        raise EvidenceError(f"No response curve for {key}: {exc}") from exc
    now = float(full[key].tail(RECENT_DAYS).mean())
    new = now * (1 + change)
    point = float(curve.predict(new) - curve.predict(now))
    lo_new, hi_new = curve.interval(new, level=0.95)
    lo_now, hi_now = curve.interval(now, level=0.95)
    lo, hi = sorted((float(lo_new) - float(lo_now), float(hi_new) - float(hi_now)))
    lo, hi = min(lo, point), max(hi, point)
    warn = []
    extra = new > curve.observed_range[1] or new < curve.observed_range[0]
    if extra:
        warn.append(
            f"the data never saw {key} at {new:,.0f} a day (seen {curve.observed_range[0]:,.0f}-"
            f"{curve.observed_range[1]:,.0f}): the curve is extrapolated"
        )
    how = (
        f"{key}: saturating response curve (optimization engine) from {now:,.0f} to {new:,.0f} a day, "
        f"{point:+,.1f} {metric}/day"
    )
    return point / level, lo / level, hi / level, how, warn, extra


def _opening_hours(full: pd.DataFrame, change: float) -> tuple[float, float, float, str, list[str], bool]:
    """Hours never varied in the data: a stated pro-rata assumption, between no gain and fully proportional."""
    if "open_hours" in full.columns and full["open_hours"].nunique() > 1:
        raise EvidenceError("Varying opening hours are not modelled yet; use staff_hours as a proxy.")
    warn = [
        "the data never saw a change in opening hours: this is an assumption (between no change and a "
        "proportional change), not evidence"
    ]
    return change / 2, min(0.0, change), max(0.0, change), "pro-rata assumption for opening hours", warn, True


def _words(window: tuple[int, int]) -> str:
    from analytics.evidence.features import window_words

    return window_words(*window)
