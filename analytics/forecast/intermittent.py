"""Members for intermittent demand (many zero days): Croston with the SBA correction, and TSB."""

from __future__ import annotations

import numpy as np

from analytics.forecast.prepare import Window

GRID = (0.05, 0.1, 0.2, 0.3)


def croston_sba(w: Window) -> np.ndarray:
    """Croston's method with the Syntetos-Boylan bias correction: smoothed size over smoothed interval."""
    y = w.y
    alpha = 0.1
    nz = np.flatnonzero(y > 0)
    if len(nz) == 0:
        return np.zeros(w.h)
    sizes = y[nz]
    gaps = np.diff(np.concatenate([[-1], nz])).astype(float)
    size, gap = _ses(sizes, alpha), _ses(gaps, alpha)
    rate = size / max(gap, 1.0) * (1 - alpha / 2)
    return np.full(w.h, rate) * weekday_profile(w)


def tsb(w: Window) -> np.ndarray:
    """Teunter-Syntetos-Babai: smoothed demand probability times smoothed size, parameters by in-sample fit."""
    y = w.y
    if not (y > 0).any():
        return np.zeros(w.h)
    best, best_err = 0.0, np.inf
    for alpha in GRID:
        for beta in GRID:
            fitted, final = _tsb_path(y, alpha, beta)
            err = float(np.mean((y - fitted) ** 2))
            if err < best_err:
                best, best_err = final, err
    return np.full(w.h, best) * weekday_profile(w)


def _ses(x: np.ndarray, alpha: float) -> float:
    level = float(x[0])
    for value in x[1:]:
        level += alpha * (float(value) - level)
    return level


def _tsb_path(y: np.ndarray, alpha: float, beta: float) -> tuple[np.ndarray, float]:
    nz = y[y > 0]
    size = float(nz[: max(1, len(nz) // 4)].mean())
    prob = float((y > 0).mean())
    fitted = np.empty(len(y))
    for t, value in enumerate(y):
        fitted[t] = prob * size
        occurred = value > 0
        prob += beta * (float(occurred) - prob)
        if occurred:
            size += alpha * (float(value) - size)
    return fitted, prob * size


def weekday_profile(w: Window, shrink: float = 8.0) -> np.ndarray:
    """Relative demand by weekday for daily data (mean 1 over open days, shrunk towards flat), else ones."""
    if w.kind != "D" or len(w.y) < 28:
        return np.ones(w.h)
    recent = w.y[-182:]
    days = w.index[-len(recent) :].dayofweek
    overall = recent.mean()
    if overall <= 0:
        return np.ones(w.h)
    factors = np.ones(7)
    for d in range(7):
        vals = recent[days == d]
        if len(vals):
            factors[d] = (vals.sum() + shrink * overall) / ((len(vals) + shrink) * overall)
    return factors[w.future.dayofweek]
