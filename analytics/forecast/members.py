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
    essential: bool = False  # the baseline: always run, whatever the time budget


def seasonal_naive(w: Window) -> np.ndarray:
    """Repeat the last full season (the last value when there is no seasonality)."""
    m = w.season if len(w.y) >= w.season else 1
    last = w.y[-m:]
    return np.resize(last, w.h).astype(float)


def ets(w: Window) -> np.ndarray:
    """Exponential smoothing, damped additive trend and additive season (statsforecast; fastest at equal accuracy)."""
    from statsforecast.models import AutoETS

    m = w.season if w.season <= 24 and len(w.y) >= 2 * w.season + 2 else 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return AutoETS(season_length=m, model="AAA" if m > 1 else "AAN", damped=True).forecast(y=w.y, h=w.h)[
            "mean"
        ]


def ets_auto(w: Window) -> np.ndarray:
    """Automatic exponential smoothing (statsforecast AutoETS: error, trend, damping, season chosen by AICc)."""
    from statsforecast.models import AutoETS

    m = w.season if w.season <= 24 else 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return AutoETS(season_length=m).forecast(y=w.y, h=w.h)["mean"]


def arima(w: Window) -> np.ndarray:
    """ARIMA on the seasonally adjusted series plus the last seasonal pattern; the order (chosen by AICc)
    is searched once per forecast call, at the first window, and reused for the later ones."""
    from statsforecast.models import ARIMA, AutoARIMA

    adjusted, seasonal_future = deseasonalise(w.y, w.season, w.h)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        spec = w.memo.get("arima")
        if spec is None:
            auto = AutoARIMA(season_length=1, max_p=2, max_q=2, approximation=True, nmodels=10).fit(adjusted)
            p, q, _, _, _, d, _ = auto.model_["arma"]
            coef = auto.model_["coef"]
            spec = {"order": (p, d, q), "include_mean": "intercept" in coef, "include_drift": "drift" in coef}
            w.memo["arima"] = spec
        return ARIMA(**spec).forecast(y=adjusted, h=w.h)["mean"] + seasonal_future


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

    seasonal = STL(y, period=season).fit().seasonal
    return y - seasonal, np.resize(seasonal[-season:], h)
