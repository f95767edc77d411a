"""Prediction intervals: split-conformal from backtest residuals, scaled by a horizon profile."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.stats import norm

from analytics.forecast.distribution import Distribution, lag1_correlation

Bands = dict[float, tuple[np.ndarray, np.ndarray]]


def horizon_profile(residuals: np.ndarray, h: int) -> np.ndarray:
    """Typical absolute error at each step ahead: smoothed, non-decreasing, extended by sqrt beyond the data."""
    from sklearn.isotonic import IsotonicRegression

    steps = residuals.shape[1]
    mean_abs = np.nanmean(np.abs(residuals), axis=0)
    mean_abs = np.where(np.isfinite(mean_abs), mean_abs, np.nanmean(np.abs(residuals)))
    if steps >= 3:
        x = np.arange(1, steps + 1)
        mean_abs = IsotonicRegression(increasing=True).fit(x, mean_abs).predict(x)
    floor = max(float(np.nanmean(np.abs(residuals))) * 0.25, 1e-9)
    profile = np.maximum(mean_abs, floor)
    if h > steps:
        extra = profile[-1] * np.sqrt(np.arange(steps + 1, h + 1) / steps)
        profile = np.concatenate([profile, extra])
    return profile[:h]


def conformal_quantile(scores: np.ndarray, level: float) -> float:
    """The split-conformal quantile of absolute scores for coverage `level` (finite-sample corrected)."""
    scores = np.sort(scores[np.isfinite(scores)])
    n = len(scores)
    if n == 0:
        return float(norm.ppf(0.5 + level / 2))
    rank = math.ceil((n + 1) * level)
    if rank <= n:
        return float(scores[rank - 1])
    # Too few residuals for this level: stretch the largest one by the normal tail ratio.
    top_level = n / (n + 1)
    return float(scores[-1] * norm.ppf(0.5 + level / 2) / norm.ppf(0.5 + top_level / 2))


def conformal_bands(
    point: np.ndarray,
    residuals: np.ndarray,
    levels: Sequence[float],
    *,
    widen: float = 1.0,
    floor: float | None = None,
) -> tuple[Bands, Distribution]:
    """Intervals around `point` from backtest residual paths (rows: origins, columns: steps ahead)."""
    h = len(point)
    profile = horizon_profile(residuals, h)
    scaled = np.abs(residuals) / profile[: residuals.shape[1]]
    quantiles = {lvl: conformal_quantile(scaled.ravel(), lvl) * widen for lvl in levels}
    return _bands(point, profile, quantiles, lag1_correlation(np.nan_to_num(residuals)), floor)


def fallback_bands(
    point: np.ndarray,
    history: np.ndarray,
    levels: Sequence[float],
    *,
    widen: float = 1.5,
    floor: float | None = None,
) -> tuple[Bands, Distribution]:
    """Wide random-walk intervals for histories too short to backtest."""
    diffs = np.diff(history)
    spread = float(np.std(diffs)) if len(diffs) >= 2 else float(abs(history[-1])) * 0.5
    spread = max(spread, float(np.mean(np.abs(history))) * 0.1, 1e-9)
    profile = spread * np.sqrt(np.arange(1, len(point) + 1))
    quantiles = {lvl: float(norm.ppf(0.5 + lvl / 2)) * widen for lvl in levels}
    return _bands(point, profile, quantiles, 0.8, floor)


def _bands(
    point: np.ndarray, profile: np.ndarray, quantiles: dict[float, float], rho: float, floor: float | None
) -> tuple[Bands, Distribution]:
    bands: Bands = {}
    for lvl in sorted(quantiles):
        half = quantiles[lvl] * profile
        lower, upper = point - half, point + half
        if floor is not None:
            lower, upper = np.maximum(lower, floor), np.maximum(upper, floor)
        bands[lvl] = (lower, upper)
    probs, cols = [0.5], [point]
    for lvl in sorted(quantiles):
        half = quantiles[lvl] * profile
        probs = [0.5 - lvl / 2, *probs, 0.5 + lvl / 2]
        cols = [point - half, *cols, point + half]
    values = np.column_stack(cols)
    return bands, Distribution(np.asarray(probs), np.maximum.accumulate(values, axis=1), rho, floor)
