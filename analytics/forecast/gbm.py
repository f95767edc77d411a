"""Gradient-boosted member (LightGBM): recursive one-step model on lags, recent level and calendar features."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.forecast.errors import MemberFailed
from analytics.forecast.prepare import Window

LAGS = {
    "D": (1, 2, 3, 4, 5, 6, 7, 14, 21, 28),
    "W": (1, 2, 3, 4, 8, 13, 26, 52),
    "M": (1, 2, 3, 6, 12),
    "Q": (1, 2, 3, 4, 8),
    "Y": (1, 2, 3),
}
LEVEL_WINDOW = {"D": 28, "W": 8, "M": 6, "Q": 4, "Y": 3}
PARAMS = {
    "n_estimators": 150,
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_child_samples": 10,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "reg_lambda": 1.0,
    "n_jobs": 1,
    "verbose": -1,
    "random_state": 0,
    "deterministic": True,
    "force_row_wise": True,
}


def lightgbm(w: Window) -> np.ndarray:
    """Forecast step by step with a LightGBM model of the value minus its recent level."""
    from lightgbm import LGBMRegressor

    lags = tuple(lag for lag in LAGS[w.kind] if lag <= len(w.y) // 3)
    window = LEVEL_WINDOW[w.kind]
    start = max(max(lags, default=1), window)
    if len(w.y) - start < 30:
        raise MemberFailed("too little history for gradient boosting")
    calendar = _calendar(w)
    values = np.concatenate([w.y, np.full(w.h, np.nan)])
    train = np.arange(start, len(w.y))
    model = LGBMRegressor(**PARAMS).fit(
        _features(values, train, lags, window, calendar), values[train] - _levels(values, train, window)
    )
    for t in range(len(w.y), len(values)):
        at = np.array([t])
        values[t] = _levels(values, at, window)[0] + float(
            model.predict(_features(values, at, lags, window, calendar))[0]
        )
    return values[len(w.y) :]


def _levels(values: np.ndarray, rows: np.ndarray, window: int) -> np.ndarray:
    """Mean of the `window` values before each row."""
    csum = np.concatenate([[0.0], np.cumsum(np.nan_to_num(values))])
    return (csum[rows] - csum[rows - window]) / window


def _features(
    values: np.ndarray, rows: np.ndarray, lags: tuple[int, ...], window: int, calendar: np.ndarray
) -> np.ndarray:
    """Lags and a short mean relative to the recent level, then calendar columns, one row per index."""
    level = _levels(values, rows, window)
    lagged = [values[rows - lag] - level for lag in lags]
    short = _levels(values, rows, min(7, window)) - level
    return np.column_stack([*lagged, short, calendar[rows]])


def _calendar(w: Window) -> np.ndarray:
    """Calendar, holiday and driver columns for every training and future step."""
    dates = w.index.append(w.future)
    cols: dict[str, np.ndarray] = {"month": dates.month.to_numpy()}
    if w.kind == "D":
        cols["dow"] = dates.dayofweek.to_numpy()
        cols["dom"] = dates.day.to_numpy()
    if w.kind == "W":
        cols["week"] = dates.isocalendar().week.to_numpy().astype(int)
    if w.holiday_dates:
        normal = dates.normalize()
        hol = pd.DatetimeIndex(sorted(w.holiday_dates))
        cols["holiday"] = normal.isin(hol).astype(float)
        cols["holiday_next"] = (normal + pd.Timedelta(days=1)).isin(hol).astype(float)
    frame = pd.DataFrame(cols)
    if w.exog is not None:
        frame = pd.concat([frame, w.exog.reset_index(drop=True).iloc[: len(dates)]], axis=1)
    return frame.to_numpy(dtype=float)
