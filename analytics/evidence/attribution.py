"""Driver attribution: one backdoor-adjusted, refuted effect per candidate driver and its share of a change.

The metric (log scale when always positive, so effects are relative) is modelled on calendar terms (weekday,
trend, yearly season), a flag for the period being explained, and one feature per driver. DoWhy identifies
each driver's adjustment set from the industry graph (staffing follows demand, so it is never a control for
the demand drivers); the effect is an OLS estimate with Newey-West errors, refuted with DoWhy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
import statsmodels.api as sm
from threadpoolctl import threadpool_limits

from analytics.evidence import crossfit, dowhy_bridge
from analytics.evidence.effects import confidence_label, interval
from analytics.evidence.errors import EvidenceError
from analytics.evidence.features import (
    MIN_DAYS,
    Frame,
    calendar_controls,
    choose_window,
    daily,
    driver_feature,
    window_words,
)
from analytics.evidence.multiple import holm
from analytics.evidence.templates import DriverSpec, default_graph
from analytics.evidence.types import Driver, Effect

logger = logging.getLogger(__name__)

HAC_LAGS = 7
COLLINEAR_R2 = 0.97
REFUTE_SIMULATIONS = 2
CALENDAR = "calendar"  # one graph node for weekday, trend and season columns


@dataclass(frozen=True)
class DriverModel:
    """The fitted joint model plus the per-driver DoWhy effects (log or level scale)."""

    frame: Frame
    params: pd.Series
    cov: pd.DataFrame
    effects: dict[str, Effect]  # driver name -> effect per unit of its feature (model scale)
    notes: tuple[str, ...]


def build_frame(data: pd.DataFrame, metric: str, specs: list[DriverSpec]) -> tuple[Frame, list[str]]:
    """The modelling frame for ``metric`` (open days only), pruning drivers the data cannot speak to."""
    full = daily(data)
    if metric not in full.columns:
        raise EvidenceError(
            f"The data has no '{metric}' column; available: {', '.join(map(str, full.columns))}."
        )
    if not pd.api.types.is_numeric_dtype(full[metric]):
        raise EvidenceError(f"'{metric}' must be numbers.")
    notes: list[str] = []
    open_days = full[metric].notna()
    if "closed" in full.columns:
        open_days &= full["closed"].fillna(0) != 1
    level = full.loc[open_days, metric].astype(float)
    positive = level > 0
    log_scale = bool(positive.mean() >= 0.95)
    if log_scale and not positive.all():
        notes.append(f"{int((~positive).sum())} days with {metric} at zero left out")
        level = level[positive]
    if len(level) < MIN_DAYS:
        raise EvidenceError(
            f"Only {len(level)} days of {metric}: at least {MIN_DAYS} (eight weeks) are needed to separate "
            f"drivers from the weekly and seasonal pattern."
        )
    rows = level.index
    cal = calendar_controls(full.index).loc[rows]
    frame = pd.DataFrame({"y": np.log(level) if log_scale else level}, index=rows)
    frame = frame.join(cal)
    base = frame.drop(columns="y").to_numpy(dtype=float)
    base = np.column_stack([np.ones(len(frame)), base])
    kept: list[DriverSpec] = []
    lags: dict[str, str] = {}
    for spec in specs:
        column = full[spec.column]
        if not pd.api.types.is_numeric_dtype(column):
            notes.append(f"{spec.label}: '{spec.column}' is not numeric, left out")
            continue
        if spec.transform == "spend":
            feature, (first, last) = choose_window(
                frame["y"], base, column.fillna(0.0).astype(float) / spec.scale
            )
            lags[spec.name] = window_words(first, last)
        else:
            feature = driver_feature(spec, column).loc[rows]
        if feature.isna().any():
            notes.append(
                f"{spec.label}: {int(feature.isna().sum())} missing days filled with the usual value"
            )
            feature = feature.fillna(feature.median())
        if feature.nunique() < 2 or feature.std() == 0:
            notes.append(f"{spec.label} never changed in this data, so its effect cannot be measured")
            continue
        frame[spec.name] = feature.to_numpy(dtype=float)
        kept.append(spec)
    kept = _prune_collinear(frame, kept, cal.columns.tolist(), notes)
    weekday = tuple(c for c in cal.columns if c.startswith("dow_"))
    return Frame(frame, tuple(cal.columns), weekday, tuple(kept), lags, log_scale, level), notes


def _prune_collinear(
    frame: pd.DataFrame, specs: list[DriverSpec], calendar: list[str], notes: list[str]
) -> list[DriverSpec]:
    """Drop drivers the calendar and other drivers almost fully determine (e.g. email only on Tuesdays)."""
    kept = list(specs)
    for spec in specs:
        others = calendar + [s.name for s in kept if s.name != spec.name]
        x = np.column_stack([np.ones(len(frame)), frame[others].to_numpy(dtype=float)])
        t = frame[spec.name].to_numpy(dtype=float)
        coef, *_ = np.linalg.lstsq(x, t, rcond=None)
        resid = t - x @ coef
        r2 = 1.0 - float(resid.var()) / float(t.var())
        if r2 >= COLLINEAR_R2:
            corr = frame[others].corrwith(frame[spec.name]).abs().sort_values(ascending=False)
            partner = str(corr.index[0]) if len(corr) else "the calendar"
            notes.append(
                f"{spec.label} cannot be told apart from {partner.replace('dow_', 'day of week: ')} "
                f"({r2:.0%} of its variation follows it), so no effect is claimed for it"
            )
            kept.remove(spec)
    return kept


def fit_drivers(
    frame: Frame,
    *,
    refute: bool = True,
    seed: int = 0,
    extra_edges: tuple[tuple[str, str], ...] = (),
    removed_edges: tuple[tuple[str, str], ...] = (),
) -> DriverModel:
    """Joint OLS fit plus one DoWhy-identified, refuted effect per driver."""
    with threadpool_limits(1):  # tiny solves: BLAS threads only fight over a shared machine
        return _fit_drivers(frame, refute, seed, extra_edges, removed_edges)


def _fit_drivers(
    frame: Frame,
    refute: bool,
    seed: int,
    extra_edges: tuple[tuple[str, str], ...],
    removed_edges: tuple[tuple[str, str], ...],
) -> DriverModel:
    data = frame.data
    columns = [c for c in data.columns if c != "y"]
    x = sm.add_constant(data[columns], has_constant="add")
    fit = sm.OLS(data["y"], x).fit(cov_type="HAC", cov_kwds={"maxlags": HAC_LAGS})
    graph = default_graph("y", frame.drivers, [CALENDAR], extra_edges, removed_edges)
    groups = {CALENDAR: list(frame.calendar)}
    fitter = partial(_fit_ols)
    effects: dict[str, Effect] = {}
    for i, spec in enumerate(frame.drivers):
        estimand, adjust = dowhy_bridge.identify(data, spec.name, "y", graph, groups=groups)
        dowhy_est, est = dowhy_bridge.estimate(data, estimand, fitter)
        refutations = (
            dowhy_bridge.refute(
                data, estimand, dowhy_est, est, simulations=REFUTE_SIMULATIONS, seed=seed + 7 * i
            )
            if refute
            else ()
        )
        lower, upper, p = interval(est)
        effects[spec.name] = Effect(
            treatment=spec.name,
            outcome="y",
            estimate=est.value,
            lower=lower,
            upper=upper,
            p_value=p,
            method="backdoor-adjusted " + est.method,
            n=len(data),
            treatment_kind="binary" if set(np.unique(data[spec.name])) <= {0.0, 1.0} else "continuous",
            target="per unit",
            confounders=tuple(adjust),
            refutations=refutations,
        )
    return DriverModel(frame, fit.params, fit.cov_params(), effects, ())


def _fit_ols(frame: pd.DataFrame, treatment: str, outcome: str, adjust: list[str]) -> crossfit.Estimate:
    cols = [c for c in adjust if c in frame.columns]
    x = frame[cols].to_numpy(dtype=float) if cols else np.empty((len(frame), 0))
    return crossfit.ols(
        x, frame[treatment].to_numpy(dtype=float), frame[outcome].to_numpy(dtype=float), hac_lags=HAC_LAGS
    )


def attribute(model: DriverModel, current: pd.Series, baseline: pd.Series, *, refuted: bool) -> list[Driver]:
    """Each driver's effect in owner units and its contribution to the change between two sets of days."""
    frame = model.frame
    data = frame.data
    level_base = float(frame.level[baseline].mean())
    typical = float(frame.level.mean())
    raw_p = [model.effects[s.name].p_value for s in frame.drivers]
    adjusted = holm(raw_p)
    out: list[Driver] = []
    for spec, p_adj in zip(frame.drivers, adjusted, strict=True):
        eff = model.effects[spec.name]
        unit = float(np.log(1.01)) if spec.transform == "log" else 1.0
        delta = float(data.loc[current, spec.name].mean() - data.loc[baseline, spec.name].mean())
        conf = confidence_label(float(p_adj), eff.refutations, refuted=refuted)
        eff = Effect(**{**eff.__dict__, "confidence": conf})
        rel, rel_lo, rel_hi, absolute = _owner_units(frame.log_scale, eff, unit, typical)
        contrib = [
            _to_units(frame.log_scale, b * delta, level_base) for b in (eff.estimate, eff.lower, eff.upper)
        ]
        out.append(
            Driver(
                name=spec.name,
                label=spec.label,
                column=spec.column,
                effect=eff,
                relative_effect=rel,
                relative_lower=rel_lo,
                relative_upper=rel_hi,
                absolute_effect=absolute,
                unit=spec.unit,
                baseline_level=float(data.loc[baseline, spec.name].mean()) * spec.scale,
                current_level=float(data.loc[current, spec.name].mean()) * spec.scale,
                contribution=contrib[0],
                contribution_lower=min(contrib[1:]),
                contribution_upper=max(contrib[1:]),
                confidence=conf,
                p_value_adjusted=float(p_adj),
                lag=frame.lags.get(spec.name, ""),
            )
        )
    out += _calendar_drivers(model, current, baseline, level_base)
    return rank(out)


def rank(drivers: list[Driver]) -> list[Driver]:
    """Named causes first, then weaker evidence; within each, the largest contribution to the change first."""
    order = {"high": 0, "medium": 0, "low": 1, "none": 2}
    return sorted(drivers, key=lambda d: (order[d.confidence], -abs(d.contribution)))


def _owner_units(
    log_scale: bool, eff: Effect, unit: float, typical: float
) -> tuple[float, float, float, float]:
    if log_scale:
        rel = [float(np.expm1(v * unit)) for v in (eff.estimate, eff.lower, eff.upper)]
        return rel[0], rel[1], rel[2], rel[0] * typical
    rel = [v * unit / typical for v in (eff.estimate, eff.lower, eff.upper)]
    return rel[0], rel[1], rel[2], eff.estimate * unit


def _to_units(log_scale: bool, change: float, level_base: float) -> float:
    return float(level_base * np.expm1(change)) if log_scale else float(change)


def _calendar_drivers(
    model: DriverModel, current: pd.Series, baseline: pd.Series, level_base: float
) -> list[Driver]:
    """Day-of-week mix and season/trend as drivers: what the calendar alone predicts for the change."""
    frame = model.frame
    groups = {
        "weekday_mix": ("day-of-week mix", list(frame.weekday_cols)),
        "season_trend": (
            "usual season and trend",
            [c for c in frame.calendar if c not in frame.weekday_cols],
        ),
    }
    out = []
    for name, (label, cols) in groups.items():
        if not cols:
            continue
        delta = (frame.data.loc[current, cols].mean() - frame.data.loc[baseline, cols].mean()).to_numpy()
        coef = model.params[cols].to_numpy()
        cov = model.cov.loc[cols, cols].to_numpy()
        change = float(delta @ coef)
        se = float(np.sqrt(max(delta @ cov @ delta, 0.0)))
        est = crossfit.Estimate(change, se, "calendar terms of the driver model (OLS)")
        lower, upper, p = interval(est) if se > 0 else (change, change, 1.0)
        conf = confidence_label(p, (), refuted=True) if se > 0 else "none"
        eff = Effect(
            name,
            "y",
            change,
            lower,
            upper,
            p,
            est.method,
            len(frame.data),
            "calendar",
            "period mix",
            confidence=conf,
        )
        contrib = [_to_units(frame.log_scale, v, level_base) for v in (change, lower, upper)]
        rel = [float(np.expm1(v)) if frame.log_scale else v / level_base for v in (change, lower, upper)]
        out.append(
            Driver(
                name=name,
                label=label,
                column="date",
                effect=eff,
                relative_effect=rel[0],
                relative_lower=rel[1],
                relative_upper=rel[2],
                absolute_effect=contrib[0],
                unit="period",
                baseline_level=0.0,
                current_level=0.0,
                contribution=contrib[0],
                contribution_lower=contrib[1],
                contribution_upper=contrib[2],
                confidence=conf,
                p_value_adjusted=p,
            )
        )
    return out
