"""Saturating (concave) marketing response curves fitted from historical spend against an outcome.

A channel's lift over zero spend is ``beta * shape(adstock / half_saturation)`` with ``shape`` either
``log1p`` (``form="log"``) or ``1 - exp(-x)`` (``form="exponential"``); both are concave, so spending more
always helps a little less. ``adstock[t] = sum_k lag_weights[k] * spend[t - k]`` carries spend over to later
days (``lag_weights[0]`` is the same day). The curve's ``predict(s)`` is the lift per day when ``s`` is spent
every day (a sustained level, so the adstock equals ``s * sum(lag_weights)``).

Fitting profiles out the half-saturations: for fixed half-saturations the model is linear in the baseline,
the betas (kept non-negative) and any controls, so it is solved by least squares, and only the
half-saturations are searched (in log space). A moving-block bootstrap gives the range.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.optimize import minimize_scalar
from threadpoolctl import threadpool_limits  # ships with scikit-learn

from analytics.optimize.errors import OptimizationError

logger = logging.getLogger(__name__)

FORMS = ("log", "exponential")
_MIN_OBS = 10


def _shape(x: np.ndarray, h: float, form: str) -> np.ndarray:
    if form == "log":
        return np.log1p(x / h)
    return 1.0 - np.exp(-x / h)


def _shape_slope(x: np.ndarray, h: float, form: str) -> np.ndarray:
    if form == "log":
        return 1.0 / (h + x)
    return np.exp(-x / h) / h


def adstock(spend: ArrayLike, lag_weights: Sequence[float] | None = None) -> np.ndarray:
    """Carried-over spend ``sum_k w[k] * spend[t-k]`` (``w[0]``: same day); days before the series count 0."""
    x = np.asarray(spend, dtype=float)
    weights = (1.0,) if lag_weights is None else tuple(lag_weights)
    out = np.zeros_like(x)
    for k, w in enumerate(weights):
        if k == 0:
            out += w * x
        elif k < len(x):
            out[k:] += w * x[:-k]
    return out


@dataclass(frozen=True)
class ResponseCurve:
    """A fitted concave response: lift per day over zero spend, with bootstrap samples for a range."""

    channel: str
    beta: float  # lift at shape(...) == 1; the curve's ceiling for form="exponential"
    half_saturation: float  # adstocked spend at which the curve has bent (log: lift = beta*log 2)
    form: str = "log"
    lag_weights: tuple[float, ...] = (1.0,)
    baseline: float = 0.0  # fitted outcome at zero spend (the intercept; controls excluded)
    r2: float = float("nan")
    n_obs: int = 0
    observed_range: tuple[float, float] = (
        0.0,
        float("inf"),
    )  # daily spend seen in the fit (beyond: extrapolated)
    samples: np.ndarray = field(default_factory=lambda: np.empty((0, 2)), repr=False, compare=False)

    @classmethod
    def from_params(
        cls,
        channel: str,
        beta: float,
        half_saturation: float,
        *,
        form: str = "log",
        lag_weights: Sequence[float] = (1.0,),
    ) -> ResponseCurve:
        """A curve with known parameters (no fit, no range): for what-ifs and tests."""
        _check_form(form)
        if beta < 0 or half_saturation <= 0:
            raise OptimizationError(
                f"The response curve for {channel} needs beta >= 0 and a half-saturation > 0."
            )
        return cls(channel, float(beta), float(half_saturation), form, tuple(float(w) for w in lag_weights))

    @property
    def carry(self) -> float:
        """How much of a sustained daily spend ends up in the adstock (the sum of the lag weights)."""
        return float(sum(self.lag_weights))

    def predict(self, spend: ArrayLike) -> np.ndarray | float:
        """Expected lift per day when ``spend`` is spent every day (0 at zero spend, increasing, concave)."""
        s = np.asarray(spend, dtype=float)
        out = self.beta * _shape(s * self.carry, self.half_saturation, self.form)
        return float(out) if out.ndim == 0 else out

    def marginal(self, spend: ArrayLike) -> np.ndarray | float:
        """Extra lift per day from one more unit of daily spend at ``spend`` (the curve's slope)."""
        s = np.asarray(spend, dtype=float)
        out = self.beta * self.carry * _shape_slope(s * self.carry, self.half_saturation, self.form)
        return float(out) if out.ndim == 0 else out

    def predict_series(self, spend: ArrayLike) -> np.ndarray:
        """Lift on each day of a spend series, with carry-over from earlier days (for day-by-day what-ifs)."""
        return self.beta * _shape(adstock(spend, self.lag_weights), self.half_saturation, self.form)

    def interval(self, spend: ArrayLike, level: float = 0.9) -> tuple[np.ndarray | float, np.ndarray | float]:
        """The ``level`` range of the lift at sustained ``spend`` over the bootstrap fits (point if none)."""
        point = self.predict(spend)
        if len(self.samples) == 0:
            return point, point
        s = np.asarray(spend, dtype=float)
        draws = np.stack([b * _shape(s * self.carry, h, self.form) for b, h in self.samples], axis=0)
        lo = np.quantile(draws, (1 - level) / 2, axis=0)
        hi = np.quantile(draws, (1 + level) / 2, axis=0)
        if lo.ndim == 0:
            return float(lo), float(hi)
        return lo, hi


def _check_form(form: str) -> None:
    if form not in FORMS:
        raise OptimizationError(f"Unknown response curve shape {form!r}; use one of {', '.join(FORMS)}.")


class _Profile:
    """Least-squares fit of the linear part for given half-saturations (betas kept >= 0)."""

    def __init__(self, ads: np.ndarray, y: np.ndarray, controls: np.ndarray, form: str) -> None:
        self.ads, self.y, self.controls, self.form = ads, y, controls, form
        self.m = ads.shape[1]

    def solve(self, h: np.ndarray, rows: np.ndarray | None = None) -> tuple[float, np.ndarray]:
        """(sum of squared errors, coefficients [intercept, betas..., controls...])."""
        ads = self.ads if rows is None else self.ads[rows]
        y = self.y if rows is None else self.y[rows]
        ctl = self.controls if rows is None else self.controls[rows]
        shaped = np.column_stack([_shape(ads[:, j], h[j], self.form) for j in range(self.m)])
        design = np.column_stack([np.ones(len(y)), shaped, ctl])
        active = np.ones(design.shape[1], dtype=bool)
        coef = np.zeros(design.shape[1])
        for _ in range(self.m + 1):  # drop channels whose beta comes out negative, then refit
            sol, *_ = np.linalg.lstsq(design[:, active], y, rcond=None)
            coef[:] = 0.0
            coef[active] = sol
            negative = [1 + j for j in range(self.m) if coef[1 + j] < 0]
            if not negative:
                break
            active[negative] = False
        resid = y - design @ coef
        return float(resid @ resid), coef


def _search(
    profile: _Profile, h0: np.ndarray, bounds: np.ndarray, rows: np.ndarray | None, sweeps: int, grid: bool
) -> np.ndarray:
    """Coordinate search over log half-saturations: an optional grid pass then bounded 1-D refinements."""
    logh = np.log(h0)
    for j in range(profile.m):
        if not grid:
            break
        candidates = np.linspace(np.log(bounds[j, 0]), np.log(bounds[j, 1]), 25)
        scores = []
        for c in candidates:
            trial = logh.copy()
            trial[j] = c
            scores.append(profile.solve(np.exp(trial), rows)[0])
        logh[j] = candidates[int(np.argmin(scores))]
    for _ in range(sweeps):
        for j in range(profile.m):

            def sse(c: float, j: int = j) -> float:
                trial = logh.copy()
                trial[j] = c
                return profile.solve(np.exp(trial), rows)[0]

            lo = max(np.log(bounds[j, 0]), logh[j] - 1.0)
            hi = min(np.log(bounds[j, 1]), logh[j] + 1.0)
            res = minimize_scalar(sse, bounds=(lo, hi), method="bounded", options={"xatol": 0.01})
            if res.fun <= sse(logh[j]):
                logh[j] = res.x
    return np.exp(logh)


def _validate(spend: pd.DataFrame, outcome: pd.Series, controls: pd.DataFrame | None) -> pd.DataFrame:
    if spend.shape[1] == 0:
        raise OptimizationError("No marketing channels were given to fit a response curve to.")
    frame = spend.join(outcome.rename("__outcome__"), how="inner")
    if controls is not None:
        frame = frame.join(controls.add_prefix("__ctl__"), how="inner")
    frame = frame.dropna()
    if len(frame) < _MIN_OBS:
        raise OptimizationError(
            f"Only {len(frame)} days have both spend and outcome; at least {_MIN_OBS} are needed for a curve."
        )
    for col in spend.columns:
        if (frame[col] < 0).any():
            raise OptimizationError(f"Spend on {col} is negative on some days; spend must be zero or more.")
        if frame[col].nunique() < 3:
            raise OptimizationError(
                f"Spend on {col} barely changed over the period, so its effect cannot be measured."
            )
    return frame


def fit_response_curves(
    spend: pd.DataFrame,
    outcome: pd.Series,
    *,
    controls: pd.DataFrame | None = None,
    lag_weights: Mapping[str, Sequence[float]] | None = None,
    form: str = "log",
    n_boot: int = 100,
    block: int = 14,
    seed: int = 0,
) -> dict[str, ResponseCurve]:
    """Jointly fit one concave curve per spend column (plus linear ``controls``), with bootstrap ranges."""
    # Thousands of tiny least-squares solves: BLAS threads only add contention on a shared machine.
    with threadpool_limits(limits=1, user_api="blas"):
        return _fit(spend, outcome, controls, lag_weights, form, n_boot, block, seed)


def _fit(
    spend: pd.DataFrame,
    outcome: pd.Series,
    controls: pd.DataFrame | None,
    lag_weights: Mapping[str, Sequence[float]] | None,
    form: str,
    n_boot: int,
    block: int,
    seed: int,
) -> dict[str, ResponseCurve]:
    _check_form(form)
    frame = _validate(spend, outcome, controls)
    channels = [str(c) for c in spend.columns]
    lags = {c: tuple((lag_weights or {}).get(c, (1.0,))) for c in channels}
    # Adstock on the full aligned series (before any resampling) so carry-over follows the calendar.
    ads = np.column_stack([adstock(frame[c].to_numpy(), lags[c]) for c in channels])
    ctl_cols = [c for c in frame.columns if c.startswith("__ctl__")]
    ctl = frame[ctl_cols].to_numpy(dtype=float) if ctl_cols else np.empty((len(frame), 0))
    y = frame["__outcome__"].to_numpy(dtype=float)
    profile = _Profile(ads, y, ctl, form)

    bounds = np.empty((len(channels), 2))
    for j in range(len(channels)):
        positive = ads[:, j][ads[:, j] > 0]
        bounds[j] = (0.1 * float(np.median(positive)), 20.0 * float(positive.max()))
    h = _search(profile, np.sqrt(bounds[:, 0] * bounds[:, 1]), bounds, None, sweeps=2, grid=True)
    sse, coef = profile.solve(h)
    r2 = 1.0 - sse / float(((y - y.mean()) ** 2).sum()) if y.var() > 0 else float("nan")

    rng = np.random.default_rng(seed)
    n = len(y)
    block = max(1, min(block, n))
    draws = np.empty((n_boot, len(channels), 2))
    for b in range(n_boot):
        starts = rng.integers(0, n - block + 1, size=int(np.ceil(n / block)))
        rows = (starts[:, None] + np.arange(block)[None, :]).ravel()[:n]
        hb = _search(profile, h, bounds, rows, sweeps=1, grid=False)
        _, cb = profile.solve(hb, rows)
        draws[b, :, 0] = cb[1 : 1 + len(channels)]
        draws[b, :, 1] = hb
    logger.debug(
        "Fitted %s: half-saturations %s, betas %s, R2 %.3f", channels, h, coef[1 : 1 + len(channels)], r2
    )
    return {
        c: ResponseCurve(
            channel=c,
            beta=float(coef[1 + j]),
            half_saturation=float(h[j]),
            form=form,
            lag_weights=lags[c],
            baseline=float(coef[0]),
            r2=r2,
            n_obs=n,
            samples=draws[:, j, :].copy(),
            observed_range=(float(frame[c].min()), float(frame[c].max())),
        )
        for j, c in enumerate(channels)
    }


def fit_response_curve(
    spend: pd.Series,
    outcome: pd.Series,
    *,
    controls: pd.DataFrame | None = None,
    lag_weights: Sequence[float] | None = None,
    form: str = "log",
    n_boot: int = 100,
    seed: int = 0,
) -> ResponseCurve:
    """Fit one channel's concave response of ``outcome`` to ``spend`` (same index), with a bootstrap range."""
    name = str(spend.name) if spend.name is not None else "spend"
    curves = fit_response_curves(
        spend.rename(name).to_frame(),
        outcome,
        controls=controls,
        lag_weights={name: lag_weights} if lag_weights is not None else None,
        form=form,
        n_boot=n_boot,
        seed=seed,
    )
    return curves[name]
