"""forecast(): validate, backtest the members, blend them, calibrate intervals and explain the result."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.forecast import ensemble
from analytics.forecast.errors import ForecastError, MemberFailed
from analytics.forecast.intervals import conformal_bands, fallback_bands
from analytics.forecast.memo import remembered, series_key
from analytics.forecast.notes import reliability_note
from analytics.forecast.prepare import (
    HolidaysArg,
    Prepared,
    Window,
    align_regressors,
    clean_outliers,
    future_index,
    holiday_dates,
    prepare,
    validate_horizon,
)
from analytics.forecast.registry import choose_members
from analytics.forecast.runner import Budget, postprocess, run_now, submit
from analytics.forecast.types import Forecast

logger = logging.getLogger(__name__)

DEFAULT_BUDGET = 10.0  # seconds; slow members still running then are dropped


def forecast(
    series: pd.Series,
    horizon: int,
    *,
    freq: str | None = None,
    holidays: HolidaysArg = None,
    regressors: pd.DataFrame | None = None,
    levels: Sequence[float] = (0.8, 0.95),
    time_budget: float | None = DEFAULT_BUDGET,
    members: Sequence[str] | None = None,
    fast: bool = False,
) -> Forecast:
    """Forecast `horizon` steps of a timestamp-indexed series with a backtested, weighted ensemble.

    Never returns NaN; raises ForecastError (with a plain message) on input it cannot use. `members` limits
    the ensemble to the named members (see `registry.MEMBERS`); `fast` leaves out the slow ones (Prophet) for
    batch runs; `time_budget` caps the wall-clock seconds (slow members still running then are dropped).
    The same series with the same options gives the forecast already made in this process, or the first steps
    of one made for a longer horizon (see `memo`).
    """
    data = series_key(series)
    key: tuple | None = None
    steps: int | None = None
    if data is not None and regressors is None and (holidays is None or isinstance(holidays, str)):
        try:
            steps = validate_horizon(horizon)
            key = (data, freq, holidays, tuple(float(x) for x in levels), time_budget,
                   None if members is None else tuple(members), fast)  # fmt: skip
            hash(key)
        except (TypeError, ValueError, ForecastError):  # odd arguments: forecast() itself says what is wrong
            key = None
    return remembered(
        key,
        lambda: _forecast(series, horizon, freq=freq, holidays=holidays, regressors=regressors, levels=levels,
                          time_budget=time_budget, members=members, fast=fast),
        horizon=steps if key is not None else None,
    )  # fmt: skip


def _forecast(
    series: pd.Series,
    horizon: int,
    *,
    freq: str | None,
    holidays: HolidaysArg,
    regressors: pd.DataFrame | None,
    levels: Sequence[float],
    time_budget: float | None,
    members: Sequence[str] | None,
    fast: bool,
) -> Forecast:
    started = time.monotonic()
    h = validate_horizon(horizon)
    levels = _validate_levels(levels)
    budget = Budget.of(time_budget)
    ctx = _Context.build(series, h, freq=freq, holidays=holidays, regressors=regressors, budget=budget)
    prep, filled, future = ctx.prep, ctx.filled, ctx.future
    make_window, closed = ctx.window, ctx.closed
    floor = 0.0 if prep.nonnegative else None
    observed = prep.observed.to_numpy(dtype=float)

    specs = choose_members(prep, members, has_regressors=ctx.exog is not None, fast=fast)
    plan = ensemble.plan(len(filled), h, prep.season)
    final_window = make_window(len(filled), h)
    if plan is None:
        return _short_history(prep, final_window, closed(final_window), levels, started)

    early = {s.name: submit(s, final_window) for s in specs if s.slow}
    bt = ensemble.run_backtest(specs, plan, observed, filled, prep.season, make_window, closed, budget)
    weights = ensemble.choose_weights(bt)
    if not weights:
        raise ForecastError("None of the forecasting methods could handle this series.")
    point, final_weights, late = ensemble.fit_final(
        specs, bt, weights, final_window, filled, closed(final_window), budget, early
    )
    if not final_weights:
        raise ForecastError("None of the forecasting methods could handle this series.")
    bt.weights = final_weights
    dropped = {**bt.dropped, **late}
    short = len(filled) < 2 * max(prep.season, 4) * 2
    widen = 1.0 + (0.5 if short else 0.0) + 1.0 / np.sqrt(max(np.isfinite(bt.residuals()).sum(), 1))
    bands, dist = conformal_bands(point, bt.residuals(), levels, widen=widen, floor=floor)
    return _assemble(
        prep, future, point, bands, dist, final_weights, bt.scores(), dropped, started, plan.steps
    )


def member_forecast(
    series: pd.Series,
    horizon: int,
    member: str,
    *,
    freq: str | None = None,
    holidays: HolidaysArg = None,
    regressors: pd.DataFrame | None = None,
) -> pd.Series:
    """One member alone, fitted once on all history (no backtest, no intervals): for benchmarks and checks."""
    h = validate_horizon(horizon)
    ctx = _Context.build(
        series, h, freq=freq, holidays=holidays, regressors=regressors, budget=Budget.of(None)
    )
    (spec,) = choose_members(ctx.prep, [member], has_regressors=ctx.exog is not None)
    w = ctx.window(len(ctx.filled), h)
    try:
        values = postprocess(run_now(spec, w), w, ctx.filled, ctx.closed(w))
    except MemberFailed as exc:
        raise ForecastError(f"The {member} method could not forecast this series: {exc}.") from exc
    return ensemble.to_series(values, ctx.future)


@dataclass
class _Context:
    """A prepared series and how to cut training windows from it."""

    prep: Prepared
    filled: np.ndarray
    future: pd.DatetimeIndex
    exog: pd.DataFrame | None
    hol: frozenset
    country: str | None
    budget: Budget

    @classmethod
    def build(
        cls,
        series: pd.Series,
        h: int,
        *,
        freq: str | None,
        holidays: HolidaysArg,
        regressors: pd.DataFrame | None,
        budget: Budget,
    ) -> _Context:
        """Validate and prepare everything a forecast call needs."""
        prep = prepare(series, freq=freq)
        history = prep.y.index
        future = future_index(history[-1], h, prep.freq)
        exog = align_regressors(regressors, history, future)
        hol, country = holiday_dates(holidays, history[0], future[-1])
        return cls(prep, prep.y.to_numpy(dtype=float), future, exog, hol, country, budget)

    def window(self, n_train: int, steps: int) -> Window:
        """Training data up to n_train (outliers cleaned) and the next `steps` dates."""
        history, prep = self.prep.y.index, self.prep
        fut = history[n_train : n_train + steps] if n_train < len(history) else self.future[:steps]
        y = self.filled[:n_train]
        cleaned = y if prep.intermittent else clean_outliers(y, prep.season)
        return Window(
            y=cleaned,
            index=history[:n_train],
            future=fut,
            season=prep.season,
            kind=prep.kind,
            nonnegative=prep.nonnegative,
            exog=None if self.exog is None else self.exog.iloc[: n_train + steps],
            holiday_dates=self.hol,
            country=self.country,
            timeout=min(max(self.budget.left(), 0.1), 300.0),
        )

    def closed(self, w: Window) -> np.ndarray:
        """True on forecast dates that fall on a weekday the business is always closed."""
        days = self.prep.closed_weekdays
        return np.asarray(w.future.dayofweek.isin(list(days))) if days else np.zeros(w.h, dtype=bool)


def _validate_levels(levels: Sequence[float]) -> tuple[float, ...]:
    try:
        out = tuple(sorted({float(x) for x in levels}))
    except (TypeError, ValueError) as exc:
        raise ForecastError("Interval levels must be numbers between 0 and 1, like 0.8 and 0.95.") from exc
    if not out or any(not 0 < x < 1 for x in out):
        raise ForecastError("Interval levels must be numbers between 0 and 1, like 0.8 and 0.95.")
    return out


def _short_history(
    prep: Prepared, w: Window, closed_mask: np.ndarray, levels: tuple[float, ...], started: float
) -> Forecast:
    """Too little history to backtest: recent average (or last season) with wide random-walk intervals."""
    if prep.season > 1:
        point = np.resize(w.y[-prep.season :], w.h).astype(float)
        name = "seasonal_naive"
    else:
        point = np.full(w.h, float(np.mean(w.y[-3:])))
        name = "recent_mean"
    if prep.nonnegative:
        point = np.maximum(point, 0.0)
    point = np.where(closed_mask, 0.0, point)
    bands, dist = fallback_bands(point, w.y, levels, floor=0.0 if prep.nonnegative else None)
    return _assemble(prep, w.future, point, bands, dist, {name: 1.0}, {}, {}, started, 0)


def _assemble(
    prep: Prepared,
    future: pd.DatetimeIndex,
    point: np.ndarray,
    bands: dict,
    dist: object,
    weights: dict[str, float],
    scores: dict[str, dict[str, float]],
    dropped: dict[str, str],
    started: float,
    tested_steps: int,
) -> Forecast:
    point = np.nan_to_num(point, nan=float(np.nanmean(prep.y.to_numpy())))
    lower = {lvl: ensemble.to_series(np.minimum(lo, point), future) for lvl, (lo, _) in bands.items()}
    upper = {lvl: ensemble.to_series(np.maximum(hi, point), future) for lvl, (_, hi) in bands.items()}
    note = reliability_note(prep, weights, scores, dropped, tested_steps)
    return Forecast(
        point=ensemble.to_series(point, future),
        lower=lower,
        upper=upper,
        members=list(weights),
        weights=dict(weights),
        backtest=scores,
        note=note,
        freq=prep.freq,
        history_end=prep.y.index[-1],
        dropped=dropped,
        seconds=time.monotonic() - started,
        distribution=dist,  # type: ignore[arg-type]
    )
