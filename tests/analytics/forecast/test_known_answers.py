"""Known-answer tests: pure seasonality, trends, weekly patterns, counts, short histories, API shape."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.forecast import Forecast, forecast, gbm
from analytics.forecast.engine import member_forecast

FAST = ["seasonal_naive", "ets", "theta"]


def daily(values: np.ndarray, start: str = "2024-01-01") -> pd.Series:
    return pd.Series(
        np.asarray(values, dtype=float), index=pd.date_range(start, periods=len(values), freq="D")
    )


def test_pure_weekly_seasonal_series_is_forecast_near_exactly() -> None:
    pattern = np.array([10, 12, 15, 11, 30, 42, 8], dtype=float)
    s = daily(np.tile(pattern, 30))
    fc = forecast(s, 14, members=FAST)
    expected = np.tile(pattern, 30 + 2)[210:224]
    np.testing.assert_allclose(fc.point.to_numpy(), expected, atol=0.05)
    assert fc.point.index[0] == s.index[-1] + pd.Timedelta(days=1)


def test_linear_trend_is_extrapolated() -> None:
    s = pd.Series(100 + 5.0 * np.arange(48), index=pd.date_range("2020-01-01", periods=48, freq="MS"))
    fc = forecast(s, 6, members=["seasonal_naive", "ets", "arima"])
    expected = 100 + 5.0 * np.arange(48, 54)
    np.testing.assert_allclose(fc.point.to_numpy(), expected, rtol=0.02)
    assert fc.freq == "MS"


def test_injected_weekly_pattern_is_recovered_from_noise() -> None:
    rng = np.random.default_rng(1)
    weekly = np.array([0.8, 0.9, 1.0, 1.0, 1.1, 1.4, 0.8])
    n = 364
    s = daily(200 * np.resize(weekly, n) * (1 + 0.05 * rng.standard_normal(n)))
    fc = forecast(s, 28, fast=True)
    by_day = fc.point.groupby(fc.point.index.dayofweek).mean()
    recovered = by_day / by_day.mean()
    truth = pd.Series(np.resize(weekly, n), index=s.index).groupby(s.index.dayofweek).mean()
    np.testing.assert_allclose(recovered.to_numpy(), (truth / truth.mean()).to_numpy(), atol=0.05)


@pytest.mark.parametrize("member", ["lightgbm", "xgboost", "ets_statsmodels", "theta_statsmodels"])
def test_each_engine_recovers_a_weekly_pattern(member: str) -> None:
    rng = np.random.default_rng(4)
    weekly = np.array([0.8, 0.9, 1.0, 1.0, 1.1, 1.4, 0.8])
    n = 364
    s = daily(200 * np.resize(weekly, n) * (1 + 0.03 * rng.standard_normal(n)))
    point = member_forecast(s, 14, member)
    np.testing.assert_allclose(point.to_numpy(), 200 * np.resize(weekly, 14), rtol=0.08)


def test_counts_are_never_forecast_below_zero_and_closed_days_are_zero() -> None:
    rng = np.random.default_rng(2)
    n = 300
    base = np.maximum(0, 3 - 0.01 * np.arange(n)) + rng.poisson(1.0, n)
    s = daily(base)
    s[s.index.dayofweek == 6] = 0.0  # closed on Sundays
    fc = forecast(s, 60, fast=True)
    assert (fc.point >= 0).all()
    assert all((fc.lower[lvl] >= 0).all() for lvl in fc.lower)
    assert (fc.point[fc.point.index.dayofweek == 6] == 0).all()
    assert "Sun" in fc.note


def test_intermittent_demand_uses_a_rate_method() -> None:
    rng = np.random.default_rng(3)
    n = 365
    s = daily(np.where(rng.random(n) < 0.15, rng.integers(1, 6, n), 0).astype(float))
    fc = forecast(s, 28, fast=True)
    assert set(fc.weights) <= {"seasonal_naive", "croston", "tsb", "ets"}
    assert "sporadic" in fc.note
    true_rate = 0.15 * 3
    assert 0.5 * true_rate < fc.point.mean() < 1.6 * true_rate


def test_short_history_falls_back_and_says_so() -> None:
    s = daily(np.array([120.0, 135, 128, 140, 150, 90, 80, 125, 131]))
    fc = forecast(s, 10)
    assert len(fc.weights) == 1
    assert "wide" in fc.note
    width = (fc.upper[0.8] - fc.lower[0.8]).iloc[0]
    assert width > 0.2 * s.mean()


def test_result_has_the_stable_api() -> None:
    s = daily(100 + 10 * np.sin(np.arange(200) * 2 * np.pi / 7) + np.random.default_rng(4).normal(0, 3, 200))
    fc = forecast(s, 21, levels=(0.5, 0.8, 0.95), fast=True)
    assert isinstance(fc, Forecast)
    assert set(fc.lower) == set(fc.upper) == {0.5, 0.8, 0.95}
    assert fc.history_end == s.index[-1]
    assert abs(sum(fc.weights.values()) - 1) < 1e-9 and set(fc.members) == set(fc.weights)
    assert "ensemble" in fc.backtest and {"mase", "smape"} <= set(fc.backtest["ensemble"])
    assert fc.note and fc.freq == "D"
    for narrow, wide in ((0.5, 0.8), (0.8, 0.95)):
        assert (fc.lower[wide] <= fc.lower[narrow] + 1e-9).all()
        assert (fc.upper[wide] >= fc.upper[narrow] - 1e-9).all()
    assert ((fc.lower[0.8] <= fc.point) & (fc.point <= fc.upper[0.8])).all()


@pytest.mark.parametrize(("freq", "n", "season"), [("W-SUN", 160, 52), ("MS", 60, 12), ("QS", 40, 4)])
def test_weekly_monthly_quarterly_series_are_forecast(freq: str, n: int, season: int) -> None:
    rng = np.random.default_rng(5)
    idx = pd.date_range("2015-01-01", periods=n, freq=freq)
    s = pd.Series(50 + 10 * np.sin(np.arange(n) * 2 * np.pi / season) + rng.normal(0, 1, n), index=idx)
    fc = forecast(s, season, fast=True)
    assert len(fc.point) == season and fc.point.notna().all()
    assert fc.point.index.equals(pd.date_range(idx[-1], periods=season + 1, freq=idx.freq)[1:])
    truth = 50 + 10 * np.sin(np.arange(n, n + season) * 2 * np.pi / season)
    assert np.mean(np.abs(fc.point.to_numpy() - truth)) < 3.0


def test_one_off_spike_does_not_distort_the_forecast() -> None:
    rng = np.random.default_rng(6)
    values = 100 + rng.normal(0, 2, 200)
    values[-10] = 5000.0
    fc = forecast(daily(values), 14, members=["ets", "theta"])
    assert fc.point.max() < 130


def test_level_shift_is_followed() -> None:
    rng = np.random.default_rng(7)
    values = np.concatenate([100 + rng.normal(0, 2, 200), 160 + rng.normal(0, 2, 60)])
    fc = forecast(daily(values), 14, fast=True)
    assert 150 < fc.point.mean() < 170


def test_a_sparse_seller_keeps_every_weekday_as_a_selling_day() -> None:
    from analytics.forecast.prepare import closed_weekdays

    rng = np.random.default_rng(3)
    index = pd.date_range("2025-01-01", periods=365, freq="D")
    sparse = pd.Series(rng.poisson(0.2, 365).astype(float), index=index)  # sold on about 18% of days
    shut_sundays = pd.Series(rng.poisson(40, 365).astype(float), index=index)
    shut_sundays[shut_sundays.index.dayofweek == 6] = 0.0

    assert closed_weekdays(sparse) == frozenset()
    assert closed_weekdays(shut_sundays) == frozenset({6})


def test_members_with_a_fitter_are_fitted_once_and_refilter_every_later_window(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from analytics.forecast import members, registry
    from analytics.forecast.memo import forget_all
    from analytics.forecast.prepare import Window

    forget_all()
    fits: list[int] = []
    applied: list[int] = []

    def counting_ets(w: Window) -> members.Fitted:
        fits.append(len(w.y))
        fitted = members.ets(w)

        def apply(later: Window) -> np.ndarray:
            applied.append(len(later.y))
            return fitted(later)

        return apply

    monkeypatch.setitem(registry.MEMBERS, "ets", members.MemberSpec("ets", fitter=counting_ets))
    rng = np.random.default_rng(5)
    s = daily(100 + np.resize([0, 5, 10, 5, 0, 20, -10], 200) + rng.normal(0, 2, 200))
    fc = forecast(s, 14, members=["seasonal_naive", "ets"])
    assert fits == [200 - 3 * 14]  # once, at the first of three origins
    assert applied == [158, 172, 186, 200]  # each origin, then all history for the forecast itself
    assert "ets" in fc.weights


@pytest.mark.parametrize("member", ["lightgbm", "xgboost"])
def test_boosted_members_predict_with_their_booster_exactly_as_the_scikit_learn_api_would(
    member: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(5)
    weekly = np.array([0.8, 0.9, 1.0, 1.0, 1.1, 1.4, 0.8])
    s = daily(200 * np.resize(weekly, 300) * (1 + 0.1 * rng.standard_normal(300)))
    direct = member_forecast(s, 21, member, holidays="US")
    monkeypatch.setattr(gbm, "_row_predictor", lambda model: model.predict)
    through_the_wrapper = member_forecast(s, 21, member, holidays="US")
    np.testing.assert_array_equal(direct.to_numpy(), through_the_wrapper.to_numpy())
