"""goal_outlook(): the probability of reaching a target by a deadline, from the forecast distribution."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from analytics.forecast.engine import forecast
from analytics.forecast.errors import ForecastError
from analytics.forecast.prepare import prepare
from analytics.forecast.types import Forecast, GoalOutlook


def goal_outlook(
    series: pd.Series,
    target: float,
    deadline: object,
    *,
    kind: Literal["total", "level"] = "total",
    already: float = 0.0,
    higher_is_better: bool = True,
    level: float = 0.8,
    draws: int = 4000,
    **forecast_options: Any,
) -> GoalOutlook:
    """Chance that the goal is met by `deadline`.

    kind="total": the sum of future values from the day after the history up to the deadline, plus `already`
    (what was achieved earlier in the goal period) reaches `target`. kind="level": the value on the deadline
    itself reaches `target`. With higher_is_better=False the goal is to stay at or below the target.
    """
    if kind not in ("total", "level"):
        raise ForecastError(
            "The goal kind must be 'total' (a running sum) or 'level' (the value on the date)."
        )
    try:
        target = float(target)
        end = pd.Timestamp(deadline)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ForecastError("The target must be a number and the deadline a date.") from exc
    if not np.isfinite(target) or pd.isna(end):
        raise ForecastError("The target must be a number and the deadline a date.")
    prep = prepare(series, freq=forecast_options.get("freq"))
    steps = int((pd.date_range(prep.y.index[-1], end, freq=prep.freq) > prep.y.index[-1]).sum())
    if steps <= 0:
        raise ForecastError(f"The deadline {end:%d %b %Y} is not after the last date in the history.")
    fc = forecast(series, steps, **forecast_options)
    paths = fc.sample_paths(draws).to_numpy()
    values = paths.sum(axis=1) + already if kind == "total" else paths[:, -1]
    hits = values >= target if higher_is_better else values <= target
    probability = float(np.mean(hits))
    lo, hi = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
    expected = float(fc.point.sum() + already) if kind == "total" else float(fc.point.iloc[-1])
    return GoalOutlook(
        probability=probability,
        expected=expected,
        lower=float(lo),
        upper=float(hi),
        level=level,
        kind=kind,
        target=target,
        deadline=fc.index[-1],
        forecast=fc,
        sentence=_sentence(
            probability, expected, float(lo), float(hi), level, kind, target, fc, higher_is_better
        ),
    )


def _sentence(
    p: float,
    expected: float,
    lo: float,
    hi: float,
    level: float,
    kind: str,
    target: float,
    fc: Forecast,
    higher_is_better: bool,
) -> str:
    what = "in total" if kind == "total" else "on the day"
    verb = "reaching" if higher_is_better else "staying at or below"
    chance = "almost certain" if p >= 0.99 else "very unlikely" if p <= 0.01 else f"a {p:.0%} chance"
    lead = f"{chance.capitalize()} of" if chance.startswith("a ") else f"It is {chance} to be"
    return (
        f"{lead} {verb} {target:,.0f} {what} by {fc.index[-1]:%d %b %Y}; expected about {expected:,.0f} "
        f"({level:.0%} range {lo:,.0f} to {hi:,.0f})."
    )
