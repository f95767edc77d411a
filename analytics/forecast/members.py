"""Classical ensemble members: seasonal naive (baseline), ETS, ARIMA on the deseasonalised series, Theta."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from analytics.forecast.prepare import Window

Member = Callable[[Window], np.ndarray]


@dataclass(frozen=True)
class MemberSpec:
    """A member's forecasting function and how expensive it is to run."""

    name: str
    run: Member
    slow: bool = False  # runs in a worker thread under a hard deadline


def seasonal_naive(w: Window) -> np.ndarray:
    """Repeat the last full season (the last value when there is no seasonality)."""
    m = w.season if len(w.y) >= w.season else 1
    last = w.y[-m:]
    return np.resize(last, w.h).astype(float)


def ets(w: Window) -> np.ndarray:
    """Exponential smoothing with damped additive trend and additive season (statsmodels ETSModel)."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    seasonal = w.season > 1 and len(w.y) >= 2 * w.season + 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ETSModel(w.y, error="add", trend="add", damped_trend=True,
                         seasonal="add" if seasonal else None, seasonal_periods=w.season if seasonal else None)
        return np.asarray(model.fit(disp=False, maxiter=200).forecast(w.h))


def ets_auto(w: Window) -> np.ndarray:
    """Automatic exponential smoothing (statsforecast AutoETS: error, trend, damping, season chosen by AICc)."""
    from statsforecast.models import AutoETS

    m = w.season if w.season <= 24 else 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return AutoETS(season_length=m).forecast(y=w.y, h=w.h)["mean"]


def arima(w: Window) -> np.ndarray:
    """Auto-ARIMA (order chosen by AICc) on the seasonally adjusted series, plus the last seasonal pattern."""
    from statsforecast.models import AutoARIMA

    adjusted, seasonal_future = deseasonalise(w.y, w.season, w.h)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = AutoARIMA(season_length=1, max_p=3, max_q=3, approximation=True, nmodels=30)
        return model.forecast(y=adjusted, h=w.h)["mean"] + seasonal_future


def theta(w: Window) -> np.ndarray:
    """Dynamic optimised Theta (statsforecast), with multiplicative deseasonalisation when seasonal."""
    from statsforecast.models import DynamicOptimizedTheta

    m = w.season if len(w.y) >= 2 * w.season + 1 else 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return DynamicOptimizedTheta(season_length=m).forecast(y=w.y, h=w.h)["mean"]


def deseasonalise(y: np.ndarray, season: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    """Seasonally adjusted values (STL) and the seasonal component carried forward h steps."""
    if season <= 1 or len(y) < 2 * season + 1:
        return y, np.zeros(h)
    from statsmodels.tsa.seasonal import STL

    seasonal = STL(y, period=season, robust=True).fit().seasonal
    return y - seasonal, np.resize(seasonal[-season:], h)
