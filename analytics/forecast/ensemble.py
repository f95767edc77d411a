"""Rolling-origin backtest of the members, inverse-MASE ensemble weights and the final combined forecast."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.forecast.errors import MemberFailed
from analytics.forecast.members import Fitted, MemberSpec
from analytics.forecast.prepare import Window
from analytics.forecast.runner import Budget, apply_now, collect, fit_now, postprocess, run_now, submit

logger = logging.getLogger(__name__)

TOP_K = 3  # members kept in the blend
KEEP_WITHIN = 1.5  # ... and only those within this factor of the best member's MASE

WindowMaker = Callable[[int, int], Window]  # (training length, steps) -> Window


@dataclass(frozen=True)
class Plan:
    """Where the backtest cuts the history: training lengths of each origin and the steps tested."""

    origins: tuple[int, ...]
    steps: int


@dataclass
class Backtest:
    """Per-member backtest forecasts and scores, the chosen weights and the blend's residual paths."""

    actual: np.ndarray  # (origins, steps), NaN where the input had no value
    preds: dict[str, np.ndarray] = field(default_factory=dict)  # member -> (origins, steps)
    scales: np.ndarray = field(default_factory=lambda: np.ones(0))  # in-sample MASE scale per origin
    dropped: dict[str, str] = field(default_factory=dict)
    weights: dict[str, float] = field(default_factory=dict)
    fitted: dict[str, Fitted] = field(default_factory=dict)  # members fitted once, at the first origin

    def mase(self, pred: np.ndarray) -> float:
        """Mean absolute scaled error of a (origins, steps) forecast, averaged over origins."""
        err = np.nanmean(np.abs(self.actual - pred), axis=1) / self.scales
        return float(np.nanmean(err))

    def smape(self, pred: np.ndarray) -> float:
        """Symmetric mean absolute percentage error (0-200), zero where both values are zero."""
        return smape(self.actual, pred)

    def blend(self) -> np.ndarray:
        """The weighted ensemble's backtest forecasts, (origins, steps)."""
        return sum(w * self.preds[name] for name, w in self.weights.items())

    def residuals(self) -> np.ndarray:
        """Actual minus blended backtest forecast, (origins, steps), NaN where unobserved."""
        return self.actual - self.blend()

    def scores(self) -> dict[str, dict[str, float]]:
        """MASE and sMAPE per member and for the ensemble."""
        out = {name: {"mase": self.mase(p), "smape": self.smape(p)} for name, p in self.preds.items()}
        if self.weights:
            out["ensemble"] = {"mase": self.mase(self.blend()), "smape": self.smape(self.blend())}
        return out


def smape(actual: np.ndarray, pred: np.ndarray) -> float:
    """Symmetric MAPE in percent, ignoring NaN actuals; a step where both are zero counts as no error."""
    denom = np.abs(actual) + np.abs(pred)
    ratio = np.where(denom > 0, 2 * np.abs(actual - pred) / np.where(denom > 0, denom, 1), 0.0)
    return float(np.nanmean(np.where(np.isnan(actual), np.nan, ratio)) * 100)


def plan(n: int, horizon: int, season: int, origins: int = 3) -> Plan | None:
    """Origins for a rolling backtest (None when the history is too short for even two)."""
    min_train = max(2 * season + 2, 10)
    for k in range(origins, 1, -1):
        steps = min(horizon, (n - min_train) // k)
        if steps >= 1:
            return Plan(tuple(n - steps * (i + 1) for i in reversed(range(k))), steps)
    return None


def mase_scale(y: np.ndarray, season: int) -> float:
    """In-sample mean absolute error of the seasonal naive forecast (falls back to naive, then to 1)."""
    for m in (season, 1):
        if len(y) > m:
            scale = float(np.mean(np.abs(y[m:] - y[:-m])))
            if scale > 0:
                return scale
    return 1.0


def run_backtest(
    specs: Sequence[MemberSpec],
    plan_: Plan,
    observed: np.ndarray,
    filled: np.ndarray,
    season: int,
    make_window: WindowMaker,
    closed: Callable[[Window], np.ndarray],
    budget: Budget,
) -> Backtest:
    """Forecast every origin with every member and score them on what followed.

    Members with a fitter are fitted once, at the first origin, and re-filter the later windows with those
    parameters; the others (and the slow ones, in the background) are fitted at every origin.
    """
    steps = plan_.steps
    actual = np.vstack([observed[o : o + steps] for o in plan_.origins])
    bt = Backtest(actual=actual, scales=np.array([mase_scale(filled[:o], season) for o in plan_.origins]))
    windows = [make_window(o, steps) for o in plan_.origins]
    pending: dict[str, list[Future[np.ndarray]]] = {
        s.name: [submit(s, w) for w in windows] for s in specs if s.slow
    }
    for spec in specs:
        if spec.slow:
            continue
        if budget.left() <= 0 and not spec.essential:
            bt.dropped[spec.name] = "skipped: the time budget ran out"
            continue
        try:
            if spec.fitter is not None:
                fitted = fit_now(spec, windows[0])
                raw = [apply_now(fitted, w) for w in windows]
                bt.fitted[spec.name] = fitted
            else:
                raw = [run_now(spec, w) for w in windows]
            bt.preds[spec.name] = np.vstack(
                [
                    postprocess(r, w, filled[:o], closed(w))
                    for r, o, w in zip(raw, plan_.origins, windows, strict=True)
                ]
            )
        except MemberFailed as exc:
            bt.dropped[spec.name] = str(exc)
    for name, futures in pending.items():
        try:
            bt.preds[name] = np.vstack(
                [
                    postprocess(collect(f, budget), w, filled[:o], closed(w))
                    for f, o, w in zip(futures, plan_.origins, windows, strict=True)
                ]
            )
        except MemberFailed as exc:
            bt.dropped[name] = str(exc)
    for name, reason in bt.dropped.items():
        logger.info("forecast member %s dropped: %s", name, reason)
    return bt


def choose_weights(bt: Backtest, top_k: int = TOP_K, keep_within: float = KEEP_WITHIN) -> dict[str, float]:
    """Inverse-MASE weights over the best members (at most top_k, within keep_within of the best)."""
    scores = {name: bt.mase(p) for name, p in bt.preds.items()}
    scores = {k: v for k, v in scores.items() if np.isfinite(v)}
    if not scores:
        return {}
    ranked = sorted(scores, key=lambda k: scores[k])
    best = max(scores[ranked[0]], 1e-9)
    kept = [k for k in ranked[:top_k] if scores[k] <= keep_within * best]
    inv = {k: 1.0 / max(scores[k], 1e-9) for k in kept}
    total = sum(inv.values())
    return {k: v / total for k, v in inv.items()}


def fit_final(
    specs: Sequence[MemberSpec],
    bt: Backtest,
    weights: dict[str, float],
    w: Window,
    history: np.ndarray,
    closed_mask: np.ndarray,
    budget: Budget,
    started: dict[str, Future[np.ndarray]],
) -> tuple[np.ndarray, dict[str, float], dict[str, str]]:
    """Forecast from all history with the weighted members and blend them; drops (and reweights) any that fail.

    Members fitted once in the backtest forecast with those parameters; the others are refitted here (or
    were started in the background at the beginning of the call).
    """
    preds: dict[str, np.ndarray] = {}
    dropped: dict[str, str] = {}
    by_name = {s.name: s for s in specs}
    for name in weights:
        try:
            if name in started:
                raw = collect(started[name], budget)
            elif name in bt.fitted:
                raw = apply_now(bt.fitted[name], w)
            else:
                raw = run_now(by_name[name], w)
            preds[name] = postprocess(raw, w, history, closed_mask)
        except MemberFailed as exc:
            dropped[name] = str(exc)
            logger.info("forecast member %s dropped from the final fit: %s", name, exc)
    kept = {k: weights[k] for k in preds}
    total = sum(kept.values())
    if not kept or total <= 0:
        return np.full(w.h, np.nan), {}, dropped
    kept = {k: v / total for k, v in kept.items()}
    return sum(v * preds[k] for k, v in kept.items()), kept, dropped


def to_series(values: np.ndarray, index: pd.DatetimeIndex) -> pd.Series:
    """A float Series on the forecast dates."""
    return pd.Series(np.asarray(values, dtype=float), index=index, name="forecast")
