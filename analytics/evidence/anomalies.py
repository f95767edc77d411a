"""Anomalies: days of a period outside the interval forecast from the history before it, with likely drivers."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from analytics.evidence.types import Anomaly, Driver

logger = logging.getLogger(__name__)

MIN_HISTORY = 28
LEVEL = 0.95
FORECAST_MEMBERS: tuple[str, ...] = ("ets",)  # fast and calibrated enough for a one-week look-back


def find_anomalies(
    series: pd.Series,
    period: tuple[pd.Timestamp, pd.Timestamp],
    drivers: Sequence[Driver],
    features: pd.DataFrame,
    *,
    closed: pd.Series | None = None,
    log_scale: bool = True,
) -> tuple[list[Anomaly], str]:
    """Days in ``period`` outside the 95% forecast interval (forecast from the days before the period)."""
    from analytics.forecast import ForecastError, forecast

    history = series.loc[: period[0] - pd.Timedelta(days=1)].dropna()
    days = series.loc[period[0] : period[1]]
    if len(history) < MIN_HISTORY:
        return [], f"fewer than {MIN_HISTORY} days before the period: no forecast to compare with"
    horizon = int((period[1] - history.index[-1]).days)
    try:
        fc = forecast(history, horizon, levels=(LEVEL,), members=list(FORECAST_MEMBERS), time_budget=2.0)
    except ForecastError as exc:
        return [], f"no forecast for anomalies: {exc}"
    lower, upper = fc.lower[LEVEL], fc.upper[LEVEL]
    out = []
    for day, actual in days.items():
        if closed is not None and closed.get(day, 0) == 1:
            continue
        if day not in fc.point.index or not np.isfinite(actual):
            continue
        lo, hi = float(lower[day]), float(upper[day])
        if lo <= actual <= hi:
            continue
        direction = 1.0 if actual > hi else -1.0
        out.append(
            Anomaly(
                day.date(),
                float(actual),
                float(fc.point[day]),
                lo,
                hi,
                likely_drivers(day, direction, drivers, features, history.index, log_scale),
            )
        )
    return out, f"forecast: {', '.join(fc.members)} ({int(LEVEL * 100)}% interval)"


def likely_drivers(
    day: pd.Timestamp,
    direction: float,
    drivers: Sequence[Driver],
    features: pd.DataFrame,
    history: pd.DatetimeIndex,
    log_scale: bool,
    *,
    top: int = 3,
) -> tuple[str, ...]:
    """Drivers with evidence whose unusual value that day pushes the metric the way it moved, strongest first."""
    if day not in features.index:
        return ()
    usual_rows = features.index.intersection(history)
    scored = []
    for d in drivers:
        if d.confidence == "none" or d.name not in features.columns:
            continue
        usual = float(features.loc[usual_rows, d.name].mean()) if len(usual_rows) else 0.0
        push = d.effect.estimate * (float(features.loc[day, d.name]) - usual)
        if push * direction > 0:
            scored.append((abs(push), d.label, push))
    scored.sort(reverse=True)
    fmt = "{:+.0%}" if log_scale else "{:+,.1f}"
    return tuple(
        f"{label} ({fmt.format(np.expm1(push) if log_scale else push)})" for _, label, push in scored[:top]
    )
