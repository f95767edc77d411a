"""Interval coverage on simulated data, the goal outlook, the time budget and the Prophet timeout path."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from analytics.forecast import ForecastError, GoalOutlook, forecast, goal_outlook
from analytics.forecast.errors import MemberFailed
from analytics.forecast.prepare import Window
from analytics.forecast.prophet_member import prophet


def daily(values: np.ndarray, start: str = "2024-01-01") -> pd.Series:
    return pd.Series(
        np.asarray(values, dtype=float), index=pd.date_range(start, periods=len(values), freq="D")
    )


def simulate(seed: int, n: int = 260, h: int = 28) -> pd.Series:
    rng = np.random.default_rng(seed)
    weekly = np.resize([0.9, 0.95, 1.0, 1.0, 1.05, 1.25, 0.85], n + h)
    level = 500 + np.cumsum(rng.normal(0, 2, n + h))
    return daily(level * weekly + rng.normal(0, 25, n + h))


def test_80_percent_intervals_cover_about_80_percent_on_simulated_data() -> None:
    h, hits80, hits95, total = 28, 0, 0, 0
    for seed in range(10):
        s = simulate(seed, h=h)
        train, test = s.iloc[:-h], s.iloc[-h:]
        fc = forecast(train, h, members=["seasonal_naive", "ets", "theta"])
        hits80 += int(((test >= fc.lower[0.8]) & (test <= fc.upper[0.8])).sum())
        hits95 += int(((test >= fc.lower[0.95]) & (test <= fc.upper[0.95])).sum())
        total += h
    assert 0.70 <= hits80 / total <= 0.92
    assert 0.88 <= hits95 / total <= 1.0


def test_goal_outlook_total_matches_the_forecast_distribution() -> None:
    s = simulate(100)
    easy = goal_outlook(s, 1.0, s.index[-1] + pd.Timedelta(days=14), members=["seasonal_naive", "ets"])
    fc = easy.forecast
    assert isinstance(easy, GoalOutlook) and fc is not None
    assert easy.probability > 0.99
    assert easy.expected == pytest.approx(float(fc.point.sum()))
    median_total = float(fc.total_quantiles([0.5]).iloc[0])
    even = goal_outlook(s, median_total, fc.index[-1], members=["seasonal_naive", "ets"])
    assert 0.4 < even.probability < 0.6
    assert even.lower < even.expected < even.upper
    assert "chance" in even.sentence and f"{median_total:,.0f}" in even.sentence


def test_goal_outlook_level_and_lower_is_better() -> None:
    s = simulate(101)
    deadline = s.index[-1] + pd.Timedelta(days=10)
    high = goal_outlook(s, 10_000, deadline, kind="level", members=["seasonal_naive", "ets"])
    assert high.probability < 0.01
    below = goal_outlook(
        s, 10_000, deadline, kind="level", higher_is_better=False, members=["seasonal_naive", "ets"]
    )
    assert below.probability > 0.99
    assert high.deadline == deadline


def test_goal_outlook_rejects_a_deadline_in_the_past() -> None:
    s = simulate(102)
    with pytest.raises(ForecastError, match="not after the last date"):
        goal_outlook(s, 100, s.index[-5])


def test_sum_quantiles_are_wider_than_independent_steps_would_give() -> None:
    s = simulate(103)
    fc = forecast(s, 28, members=["seasonal_naive", "ets"])
    q = fc.total_quantiles([0.1, 0.9])
    half80 = ((fc.upper[0.8] - fc.lower[0.8]) / 2).to_numpy()
    independent = float(np.sqrt(np.sum(half80**2)))
    assert (q.iloc[1] - q.iloc[0]) / 2 >= 0.9 * independent


def test_prophet_member_times_out_and_raises_member_failed() -> None:
    s = simulate(104, n=3000)  # warm, Prophet fits 400 days in about 0.06 s; 3,000 take several times that
    w = Window(
        y=s.to_numpy(),
        index=s.index,
        future=pd.date_range(s.index[-1], periods=8, freq="D")[1:],
        season=7,
        kind="D",
        nonnegative=True,
        timeout=0.06,
    )
    started = time.monotonic()
    with pytest.raises(MemberFailed, match="time budget"):
        prophet(w)
    assert time.monotonic() - started < 10


def test_time_budget_drops_slow_members_and_returns_in_time() -> None:
    s = simulate(105, n=400)
    started = time.monotonic()
    fc = forecast(s, 14, members=["seasonal_naive", "ets", "prophet"], time_budget=0.01)
    elapsed = time.monotonic() - started
    assert "prophet" in fc.dropped and "prophet" not in fc.weights
    assert fc.point.notna().all()
    assert elapsed < 8
