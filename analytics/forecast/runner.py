"""Running members safely: failures, explosions and time budgets become a logged reason, never a crash."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from analytics.forecast.errors import MemberFailed
from analytics.forecast.members import Fitted, MemberSpec
from analytics.forecast.prepare import Window

logger = logging.getLogger(__name__)

# Slow members (Prophet) run here so the main thread can work on the cheap members meanwhile. Prophet's
# heavy lifting happens in a cmdstan child process that has its own hard timeout, so abandoned work ends.
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="forecast-slow")


@dataclass
class Budget:
    """A wall-clock deadline shared by all members of one forecast call."""

    deadline: float

    @classmethod
    def of(cls, seconds: float | None) -> Budget:
        """A budget that ends `seconds` from now (never, when None)."""
        return cls(float("inf") if seconds is None else time.monotonic() + seconds)

    def left(self) -> float:
        """Seconds until the deadline (may be negative)."""
        return self.deadline - time.monotonic()


def postprocess(pred: np.ndarray, w: Window, history: np.ndarray, closed_mask: np.ndarray) -> np.ndarray:
    """Check a member's forecast for NaN or explosion, floor counts at zero, zero closed days."""
    pred = np.asarray(pred, dtype=float).reshape(-1)
    if pred.shape[0] != w.h:
        raise MemberFailed(f"returned {pred.shape[0]} values instead of {w.h}")
    if not np.all(np.isfinite(pred)):
        raise MemberFailed("returned missing or infinite values")
    lo, hi = float(np.min(history)), float(np.max(history))
    span = max(hi - lo, abs(hi), 1e-9)
    if np.any(pred > hi + 3 * span) or np.any(pred < lo - 3 * span):
        raise MemberFailed("diverged (forecast far outside anything seen before)")
    if w.nonnegative:
        pred = np.maximum(pred, 0.0)
    if closed_mask.any():
        pred = np.where(closed_mask, 0.0, pred)
    return pred


def run_now(spec: MemberSpec, w: Window) -> np.ndarray:
    """Fit a member on the window and forecast it, in this thread; any exception becomes MemberFailed."""
    with _failures():
        return np.asarray(spec.forecast(w), dtype=float)


def fit_now(spec: MemberSpec, w: Window) -> Fitted:
    """Fit a member that has a fitter on the window's history; any exception becomes MemberFailed."""
    assert spec.fitter is not None, f"member {spec.name} cannot be fitted once"
    with _failures():
        return spec.fitter(w)


def apply_now(fitted: Fitted, w: Window) -> np.ndarray:
    """Forecast a window with an already fitted member; any exception becomes MemberFailed."""
    with _failures():
        return np.asarray(fitted(w), dtype=float)


@contextmanager
def _failures() -> Iterator[None]:
    try:
        yield
    except MemberFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - any member error only drops that member
        raise MemberFailed(f"failed ({type(exc).__name__}: {exc})") from exc


def submit(spec: MemberSpec, w: Window) -> Future[np.ndarray]:
    """Start a slow member in the worker pool."""
    return _POOL.submit(run_now, spec, w)


def collect(future: Future[np.ndarray], budget: Budget) -> np.ndarray:
    """Wait for a slow member until the budget ends; MemberFailed when it is late or failed."""
    try:
        return future.result(timeout=max(budget.left(), 0.0))
    except TimeoutError as exc:
        future.cancel()
        raise MemberFailed("took longer than the time budget") from exc
