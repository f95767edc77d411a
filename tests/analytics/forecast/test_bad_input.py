"""Bad input gives a ForecastError a business owner can read; never a crash or a NaN."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.forecast import ForecastError, forecast


def daily(values: list[float] | np.ndarray, start: str = "2025-01-01") -> pd.Series:
    return pd.Series(
        np.asarray(values, dtype=float), index=pd.date_range(start, periods=len(values), freq="D")
    )


GOOD = daily(np.arange(60) % 7 + 10.0)


@pytest.mark.parametrize(
    ("series", "words"),
    [
        (pd.Series([], dtype=float), "empty"),
        (daily([5.0] * 30), "Every value is 5"),
        (daily([np.nan] * 30), "no numbers"),
        (pd.Series(["a", "b", "c"], index=pd.date_range("2025-01-01", periods=3)), "not a number"),
        (GOOD.iloc[::-1], "not in order"),
        (pd.concat([GOOD.iloc[:5], GOOD.iloc[4:10]]), "appears more than once"),
        (pd.Series([1.0, 2.0, 3.0], index=["x", "y", "z"]), "not dates"),
        ([1, 2, 3], "pandas Series"),
    ],
    ids=["empty", "constant", "all-nan", "non-numeric", "unsorted", "duplicated", "no-dates", "not-a-series"],
)
def test_bad_series_raises_plain_forecast_error(series: object, words: str) -> None:
    with pytest.raises(ForecastError, match=words):
        forecast(series, 7, members=["seasonal_naive"])  # type: ignore[arg-type]


@pytest.mark.parametrize("horizon", [0, -3, 2.5, "7", True])
def test_bad_horizon_raises(horizon: object) -> None:
    with pytest.raises(ForecastError, match="forecast length"):
        forecast(GOOD, horizon)  # type: ignore[arg-type]


@pytest.mark.parametrize("freq", ["banana", "5D", "h"])
def test_unknown_frequency_raises(freq: str) -> None:
    with pytest.raises(ForecastError):
        forecast(GOOD, 7, freq=freq)


def test_irregular_spacing_raises() -> None:
    s = pd.Series(
        [1.0, 2.0, 4.0, 3.0], index=pd.to_datetime(["2025-01-01", "2025-01-06", "2025-01-11", "2025-01-16"])
    )
    with pytest.raises(ForecastError, match="not supported"):
        forecast(s, 3)


def test_forecast_error_is_a_value_error() -> None:
    assert issubclass(ForecastError, ValueError)


def test_bad_levels_and_unknown_member_raise() -> None:
    with pytest.raises(ForecastError, match="between 0 and 1"):
        forecast(GOOD, 7, levels=(80,))
    with pytest.raises(ForecastError, match="Unknown forecasting method"):
        forecast(GOOD, 7, members=["crystal_ball"])


def test_regressors_must_cover_the_future() -> None:
    drivers = pd.DataFrame({"promo": 0.0}, index=GOOD.index)
    with pytest.raises(ForecastError, match="every future date"):
        forecast(GOOD, 7, regressors=drivers, members=["seasonal_naive", "lightgbm"])


def test_unknown_country_for_holidays_raises() -> None:
    with pytest.raises(ForecastError, match="country code"):
        forecast(GOOD, 7, holidays="ZZ", members=["seasonal_naive"])


def test_gaps_nans_and_infinities_still_give_a_complete_forecast() -> None:
    values = (np.arange(120) % 7 + 10.0) * (1 + 0.05 * np.random.default_rng(0).standard_normal(120))
    s = daily(values)
    s.iloc[[5, 6, 40, 77]] = np.nan
    s.iloc[50] = np.inf
    s = s.drop(s.index[[90, 91, 92]])  # missing days
    fc = forecast(s, 14, members=["seasonal_naive", "ets"])
    assert len(fc.point) == 14
    assert fc.point.notna().all()
    for lvl in fc.lower:
        assert fc.lower[lvl].notna().all() and fc.upper[lvl].notna().all()
    assert "missing" in fc.note
