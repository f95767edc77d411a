"""The three peers a user would pick instead: damped ETS, default Prophet, the statsforecast ensemble."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd

SEASON = {"D": 7, "W": 52, "M": 12, "Q": 4, "Y": 1}
Z80, Z95 = 1.2816, 1.96


def season_of(series: pd.Series) -> int:
    """Season length from the series' frequency (1 when it cannot be estimated)."""
    kind = series.index.freqstr[0] if series.index.freqstr else "D"
    kind = {"A": "Y"}.get(kind, kind)
    m = SEASON.get(kind, 1)
    return m if len(series) >= 2 * m + 2 else 1


def damped_ets(train: pd.Series, h: int) -> tuple[np.ndarray, dict]:
    """statsmodels Holt-Winters, damped additive trend, additive season; normal intervals from residuals."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    m = season_of(train)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = ExponentialSmoothing(
            train.to_numpy(float),
            trend="add",
            damped_trend=True,
            seasonal="add" if m > 1 else None,
            seasonal_periods=m if m > 1 else None,
        ).fit()
    point = np.asarray(fit.forecast(h))
    sd = float(np.std(fit.resid)) * np.sqrt(np.arange(1, h + 1))
    return point, {0.8: (point - Z80 * sd, point + Z80 * sd), 0.95: (point - Z95 * sd, point + Z95 * sd)}


def prophet_default(train: pd.Series, h: int) -> tuple[np.ndarray, dict]:
    """Prophet() with default settings (its own 80% interval; 95% from a second, wider run)."""
    from prophet import Prophet

    for noisy in ("cmdstanpy", "prophet"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    frame = pd.DataFrame({"ds": train.index, "y": train.to_numpy(float)})
    future = pd.DataFrame({"ds": pd.date_range(train.index[-1], periods=h + 1, freq=train.index.freqstr)[1:]})
    model = Prophet().fit(frame)
    out = model.predict(future)
    point = out["yhat"].to_numpy()
    # The 95% band: rescale Prophet's 80% band (same simulated spread, normal tail ratio).
    half = (out["yhat_upper"] - out["yhat_lower"]).to_numpy() / 2 * (Z95 / Z80)
    return point, {
        0.8: (out["yhat_lower"].to_numpy(), out["yhat_upper"].to_numpy()),
        0.95: (point - half, point + half),
    }


def statsforecast_ensemble(train: pd.Series, h: int) -> tuple[np.ndarray, dict]:
    """Mean of AutoARIMA, AutoETS, AutoCES and DynamicOptimizedTheta (intervals: mean of member bounds)."""
    from statsforecast.models import AutoARIMA, AutoCES, AutoETS, DynamicOptimizedTheta

    m = season_of(train)
    y = train.to_numpy(float)
    points, lows, highs = [], {0.8: [], 0.95: []}, {0.8: [], 0.95: []}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for model in (
            AutoARIMA(season_length=m),
            AutoETS(season_length=m),
            AutoCES(season_length=m),
            DynamicOptimizedTheta(season_length=m),
        ):
            try:
                out = model.forecast(y=y, h=h, level=[80, 95])
            except Exception:  # noqa: BLE001 - a failing member is left out of the mean, as a user would
                continue
            points.append(out["mean"])
            for lvl in (0.8, 0.95):
                lows[lvl].append(out[f"lo-{int(lvl * 100)}"])
                highs[lvl].append(out[f"hi-{int(lvl * 100)}"])
    bands = {lvl: (np.mean(lows[lvl], axis=0), np.mean(highs[lvl], axis=0)) for lvl in (0.8, 0.95)}
    return np.mean(points, axis=0), bands


PEERS = {
    "peer:damped_ets": damped_ets,
    "peer:prophet": prophet_default,
    "peer:sf_ensemble": statsforecast_ensemble,
}
