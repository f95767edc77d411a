"""The same series with the same options is forecast once per process; anything different is forecast anew."""

from __future__ import annotations

import threading
import time

import numpy as np
import pandas as pd

from analytics.forecast import forecast
from analytics.forecast.memo import forget_all, remembered


def weekly_series(level: float = 100.0) -> pd.Series:
    index = pd.date_range("2025-01-01", periods=120, freq="D")
    pattern = np.tile([1.0, 1.1, 0.9, 1.0, 1.3, 1.6, 0.7], 18)[:120]
    return pd.Series(level * pattern, index=index)


def test_asking_again_gives_the_same_forecast_and_a_changed_value_a_new_one() -> None:
    forget_all()
    series = weekly_series()
    first = forecast(series, 14, members=["seasonal_naive", "ets"])
    again = forecast(series.copy(), 14, members=["seasonal_naive", "ets"])
    changed = series.copy()
    changed.iloc[-1] += 1.0

    assert again is first
    assert forecast(changed, 14, members=["seasonal_naive", "ets"]) is not first
    assert forecast(series, 21, members=["seasonal_naive", "ets"]) is not first
    assert forecast(series, 14, members=["seasonal_naive"]) is not first


def test_a_shorter_horizon_is_the_first_steps_of_the_longer_forecast_already_made() -> None:
    forget_all()
    series = weekly_series()
    month = forecast(series, 28, members=["seasonal_naive", "ets"])
    week = forecast(series, 7, members=["seasonal_naive", "ets"])

    assert len(week.point) == 7 and week.weights == month.weights and week.note == month.note
    pd.testing.assert_series_equal(week.point, month.point.iloc[:7])
    for level in (0.8, 0.95):
        pd.testing.assert_series_equal(week.lower[level], month.lower[level].iloc[:7])
        pd.testing.assert_series_equal(week.upper[level], month.upper[level].iloc[:7])
    paths = week.sample_paths(500)
    assert paths.shape == (500, 7) and list(paths.columns) == list(week.index)
    assert forecast(series, 7, members=["seasonal_naive", "ets"]) is week  # asked again: the same answer
    assert forecast(series, 35, members=["seasonal_naive", "ets"]) is not month  # longer: made anew


def test_concurrent_callers_of_one_forecast_share_one_computation() -> None:
    calls: list[int] = []

    def slow() -> object:
        calls.append(1)
        time.sleep(0.2)
        return object()

    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(remembered(("k", 1), slow))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(calls) == 1 and len({id(r) for r in results}) == 1


def test_a_failure_is_not_remembered() -> None:
    attempts: list[int] = []

    def flaky() -> object:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("first try fails")
        return "ok"

    try:
        remembered(("flaky", 1), flaky)
    except RuntimeError:
        pass
    assert remembered(("flaky", 1), flaky) == "ok" and len(attempts) == 2
