"""Classical ensemble members: seasonal naive (baseline), ETS, ARIMA on the deseasonalised series, Theta."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from analytics.forecast.prepare import Window

Member = Callable[[Window], np.ndarray]  # forecast w.h steps after w.y
Fitted = Callable[[Window], np.ndarray]  # a fitted model: forecast any window with its parameters held fixed
Fitter = Callable[[Window], Fitted]  # fit on a window's history


@dataclass(frozen=True)
class MemberSpec:
    """A member's forecasting function and how expensive it is to run.

    A member with a `fitter` estimates its parameters once, at the first backtest origin, and then only
    re-filters later windows with them (rolling origin without re-estimation): the backtest costs one fit
    instead of one per origin, and the final forecast uses the same model the backtest scored.
    """

    name: str
    run: Member | None = None
    fitter: Fitter | None = None
    slow: bool = False  # runs in a worker thread under a hard deadline
    essential: bool = False  # the baseline: always run, whatever the time budget

    def forecast(self, w: Window) -> np.ndarray:
        """Fit on the window's history and forecast its steps."""
        if self.fitter is not None:
            return self.fitter(w)(w)
        assert self.run is not None, f"member {self.name} has neither run nor fitter"
        return self.run(w)


def seasonal_naive(w: Window) -> np.ndarray:
    """Repeat the last full season (the last value when there is no seasonality)."""
    m = w.season if len(w.y) >= w.season else 1
    last = w.y[-m:]
    return np.resize(last, w.h).astype(float)


def _ets_season(w: Window) -> int:
    """The season length ETS fits (1 when the season is too long or the history too short for it)."""
    return w.season if w.season <= 24 and len(w.y) >= 2 * w.season + 2 else 1


def _theta_season(w: Window) -> int:
    """The season length Theta deseasonalises by (1 when the history is too short for it)."""
    return w.season if len(w.y) >= 2 * w.season + 1 else 1


def _statsforecast(model: Any, y: np.ndarray) -> Fitted:
    """Fit a statsforecast model on y; the result forecasts later windows with the fitted parameters."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(y)

    def apply(later: Window) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return model.forward(y=later.y, h=later.h)["mean"]

    return apply


def ets(w: Window) -> Fitted:
    """Exponential smoothing, damped additive trend and additive season (statsforecast; fastest at equal accuracy)."""
    from statsforecast.models import AutoETS

    m = _ets_season(w)
    return _statsforecast(AutoETS(season_length=m, model="AAA" if m > 1 else "AAN", damped=True), w.y)


def ets_auto(w: Window) -> Fitted:
    """Automatic exponential smoothing (statsforecast AutoETS: error, trend, damping, season chosen by AICc)."""
    from statsforecast.models import AutoETS

    return _statsforecast(AutoETS(season_length=w.season if w.season <= 24 else 1), w.y)


def arima(w: Window) -> Fitted:
    """ARIMA (order chosen by AICc) on the seasonally adjusted series, plus the last seasonal pattern."""
    from statsforecast.models import AutoARIMA

    adjusted, _ = deseasonalise(w.y, w.season, w.h)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = AutoARIMA(season_length=1, max_p=2, max_q=2, approximation=True, nmodels=10).fit(adjusted)

    def apply(later: Window) -> np.ndarray:
        later_adjusted, seasonal_future = deseasonalise(later.y, later.season, later.h)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return model.forward(y=later_adjusted, h=later.h)["mean"] + seasonal_future

    return apply


def theta(w: Window) -> Fitted:
    """Dynamic optimised Theta (statsforecast), with multiplicative deseasonalisation when seasonal."""
    from statsforecast.models import DynamicOptimizedTheta

    m = _theta_season(w)
    return _statsforecast(DynamicOptimizedTheta(season_length=m), w.y)


def deseasonalise(y: np.ndarray, season: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    """Seasonally adjusted values (STL) and the seasonal component carried forward h steps."""
    if season <= 1 or len(y) < 2 * season + 1:
        return y, np.zeros(h)
    from statsmodels.tsa.seasonal import STL

    seasonal = STL(y, period=season).fit().seasonal
    return y - seasonal, np.resize(seasonal[-season:], h)


def ets_statsmodels(w: Window) -> np.ndarray:
    """The `ets` member's model (damped additive trend, additive season) fitted by statsmodels' ETSModel."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    m = _ets_season(w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seasonal = {"seasonal": "add", "seasonal_periods": m} if m > 1 else {}
        fit = ETSModel(w.y, trend="add", damped_trend=True, **seasonal).fit(disp=False)
        return np.asarray(fit.forecast(w.h))


def theta_statsmodels(w: Window) -> np.ndarray:
    """The classical Theta method (statsmodels ThetaModel, multiplicative deseasonalisation when seasonal)."""
    from statsmodels.tsa.forecasting.theta import ThetaModel

    m = _theta_season(w)
    positive = bool(np.all(w.y > 0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = ThetaModel(
            w.y, period=m, deseasonalize=m > 1, method="multiplicative" if positive else "additive"
        )
        return np.asarray(model.fit().forecast(w.h))
