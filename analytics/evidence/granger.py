"""Granger causality between daily series: lag order by AIC, F-test, Holm correction across pairs."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats

from analytics.evidence.multiple import holm
from analytics.evidence.types import GrangerResult

MAX_LAG = 7
MIN_ROWS = 40


def _lagmat(x: np.ndarray, lags: int) -> np.ndarray:
    return np.column_stack([x[lags - k : len(x) - k] for k in range(1, lags + 1)])


def _sse(y: np.ndarray, x: np.ndarray) -> float:
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    return float(np.sum((y - x @ coef) ** 2))


def granger_test(
    cause: np.ndarray, effect: np.ndarray, *, max_lag: int = MAX_LAG
) -> tuple[int, float, float]:
    """(lag, F, p) for ``cause`` Granger-causing ``effect``.

    The lag order is the larger of AIC on the effect's own past (enough lags to whiten its autocorrelation,
    which keeps the test's size) and BIC on the joint model (reaches a cross lag that only the cause shows).
    """
    n = len(effect)
    best: tuple[float, int] | None = None
    y = effect[max_lag:]
    m = len(y)
    own_lags = _lagmat(effect, max_lag)
    for p in range(1, max_lag + 1):
        x = np.column_stack([np.ones(m), own_lags[:, :p]])
        aic = m * np.log(_sse(y, x) / m) + 2 * x.shape[1]
        if best is None or aic < best[0]:
            best = (aic, p)
    assert best is not None and n > max_lag
    cause_lags = _lagmat(cause, max_lag)
    joint: tuple[float, int] | None = None
    for q in range(1, max_lag + 1):
        x = np.column_stack([np.ones(m), own_lags[:, :q], cause_lags[:, :q]])
        bic = m * np.log(_sse(y, x) / m) + x.shape[1] * np.log(m)
        if joint is None or bic < joint[0]:
            joint = (bic, q)
    assert joint is not None
    p = max(best[1], joint[1])
    own = np.column_stack([np.ones(m), _lagmat(effect, max_lag)[:, :p]])
    full = np.column_stack([own, _lagmat(cause, max_lag)[:, :p]])
    sse_r, sse_f = _sse(y, own), _sse(y, full)
    df2 = m - full.shape[1]
    f = ((sse_r - sse_f) / p) / (sse_f / df2) if sse_f > 0 else 0.0
    return p, float(f), float(stats.f.sf(f, p, df2))


def granger_pairs(
    series: pd.DataFrame,
    pairs: Iterable[tuple[str, str]],
    controls: pd.DataFrame | None = None,
    *,
    max_lag: int = MAX_LAG,
    alpha: float = 0.05,
) -> list[GrangerResult]:
    """Test each (cause, effect) pair on series cleaned of the calendar; Holm-corrected across the pairs."""
    frame = series.dropna()
    if len(frame) < MIN_ROWS:
        return []
    clean = _residualise(frame, controls.loc[frame.index] if controls is not None else None)
    raw = []
    for cause, effect in pairs:
        if cause not in clean or effect not in clean or clean[cause].std() == 0 or clean[effect].std() == 0:
            continue
        lag, f, p = granger_test(clean[cause].to_numpy(), clean[effect].to_numpy(), max_lag=max_lag)
        raw.append((cause, effect, lag, f, p))
    if not raw:
        return []
    adjusted = holm([r[4] for r in raw])
    return [
        GrangerResult(c, e, lag, f, p, float(pa), bool(pa < alpha))
        for (c, e, lag, f, p), pa in zip(raw, adjusted, strict=True)
    ]


def _residualise(frame: pd.DataFrame, controls: pd.DataFrame | None) -> pd.DataFrame:
    """Remove weekday, trend and season (shared causes that fake Granger links) from every series."""
    if controls is None or controls.empty:
        return frame - frame.mean()
    x = np.column_stack([np.ones(len(frame)), controls.to_numpy(dtype=float)])
    coef, *_ = np.linalg.lstsq(x, frame.to_numpy(dtype=float), rcond=None)
    return pd.DataFrame(frame.to_numpy(dtype=float) - x @ coef, index=frame.index, columns=frame.columns)
