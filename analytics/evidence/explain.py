"""``explain_change``: why a metric moved between two periods, in numbers an owner can check."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd
import statsmodels.api as sm
from threadpoolctl import threadpool_limits

from analytics.evidence.anomalies import find_anomalies
from analytics.evidence.attribution import HAC_LAGS, attribute, build_frame, fit_drivers
from analytics.evidence.crossfit import Estimate
from analytics.evidence.decompose import decompose
from analytics.evidence.effects import interval
from analytics.evidence.errors import EvidenceError
from analytics.evidence.explanation import ChangeExplanation
from analytics.evidence.features import Frame, daily, to_period
from analytics.evidence.granger import granger_pairs
from analytics.evidence.graph import build_graph
from analytics.evidence.templates import DriverSpec, drivers_for
from analytics.evidence.types import Driver, Effect

logger = logging.getLogger(__name__)

DateLike = date | str | pd.Timestamp


def explain_change(
    data: pd.DataFrame,
    metric: str,
    period: tuple[DateLike, DateLike],
    baseline_period: tuple[DateLike, DateLike],
    *,
    industry: str = "default",
    drivers: Sequence[DriverSpec] | None = None,
    extra_edges: Sequence[tuple[str, str]] = (),
    removed_edges: Sequence[tuple[str, str]] = (),
    refute: bool = True,
    granger: bool = True,
    anomalies: bool = True,
    seed: int = 0,
) -> ChangeExplanation:
    """Decompose the change of ``metric`` (per-day mean, ``period`` vs ``baseline_period``), rank its drivers.

    ``data`` is a wide daily frame (see ``analytics.evidence.templates`` for the columns each industry
    template reads). Drivers come from the industry template unless given; graph edges can be added/removed.
    """
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    full = daily(data)
    cur_p = to_period(period, "period", full.index)
    base_p = to_period(baseline_period, "baseline period", full.index)
    specs = list(drivers) if drivers is not None else drivers_for(industry, full.columns)
    specs = [s for s in specs if s.column != metric]
    with threadpool_limits(1):
        frame, notes = build_frame(full, metric, specs)
        rows = frame.data.index
        current = (rows >= cur_p[0]) & (rows <= cur_p[1])
        baseline = (rows >= base_p[0]) & (rows <= base_p[1])
        if not current.any() or not baseline.any():
            which = "period" if not current.any() else "baseline period"
            raise EvidenceError(
                f"The business was closed (or {metric} is missing) on every day of the {which}."
            )
        if current.any() and baseline.any() and (current & baseline).any():
            notes.append("the period and the baseline overlap, so the change understates the difference")
        timings["prepare"] = time.perf_counter() - clock
        model = fit_drivers(
            frame,
            refute=refute,
            seed=seed,
            extra_edges=tuple(extra_edges),
            removed_edges=tuple(removed_edges),
        )
        ranked = attribute(
            model, pd.Series(current, index=rows), pd.Series(baseline, index=rows), refuted=refute
        )
        timings["drivers"] = time.perf_counter() - clock
        shift, shift_note = period_shift(frame, current, metric)
        if shift_note:
            notes.append(shift_note)
        open_full = full.index.isin(rows)
        cur_full = pd.Series(
            open_full & (full.index >= cur_p[0]) & (full.index <= cur_p[1]), index=full.index
        )
        base_full = pd.Series(
            open_full & (full.index >= base_p[0]) & (full.index <= base_p[1]), index=full.index
        )
        parts = decompose(full, metric, cur_full, base_full)
        tests = _granger(frame) if granger else []
        timings["granger"] = time.perf_counter() - clock
    found = []
    if anomalies:
        closed = full["closed"] if "closed" in full.columns else None
        found, anomaly_note = find_anomalies(
            full[metric].astype(float), cur_p, ranked, frame.data, closed=closed, log_scale=frame.log_scale
        )
        if not found and anomaly_note.startswith(("fewer", "no forecast")):
            notes.append(anomaly_note)
    timings["anomalies"] = time.perf_counter() - clock
    base_value = float(frame.level[baseline].mean())
    cur_value = float(frame.level[current].mean())
    change = cur_value - base_value
    explained = sum(d.contribution for d in ranked)
    graph = build_graph(metric, ranked, tests, (rows[0].date(), rows[-1].date()))
    result = ChangeExplanation(
        metric=metric,
        period=(cur_p[0].date(), cur_p[1].date()),
        baseline_period=(base_p[0].date(), base_p[1].date()),
        baseline_value=base_value,
        current_value=cur_value,
        change=change,
        change_pct=change / base_value if base_value else float("nan"),
        decomposition=tuple(parts),
        drivers=tuple(ranked),
        unexplained=change - explained,
        unexplained_effect=shift,
        granger=tuple(tests),
        anomalies=tuple(found),
        verdict="",
        graph=graph,
        cannot_conclude=tuple(notes),
        timings=timings,
    )
    return _with_verdict(result)


def period_shift(frame: Frame, current: np.ndarray, metric: str) -> tuple[Effect | None, str]:
    """How far the period sits from what drivers and calendar predict (relative on log scale), with a test."""
    data = frame.data
    if current.all():
        return None, "the period covers all the data, so there is nothing to compare it with"
    d = current.astype(float)
    x = data.drop(columns="y")
    coef, *_ = np.linalg.lstsq(np.column_stack([np.ones(len(x)), x.to_numpy()]), d, rcond=None)
    resid = d - np.column_stack([np.ones(len(x)), x.to_numpy()]) @ coef
    if float(resid.var()) < 0.03 * float(d.var()):
        return None, (
            f"a driver active only in the period (e.g. a stock-out) accounts for it, so no separate "
            f"shift in {metric} can be measured"
        )
    design = sm.add_constant(x.assign(in_period=d), has_constant="add")
    fit = sm.OLS(data["y"], design).fit(cov_type="HAC", cov_kwds={"maxlags": HAC_LAGS})
    est = Estimate(
        float(fit.params["in_period"]),
        float(fit.bse["in_period"]),
        "shift of the period beyond drivers and calendar (OLS, Newey-West errors)",
    )
    lo, hi, p = interval(est)
    if frame.log_scale:
        value, lo, hi = float(np.expm1(est.value)), float(np.expm1(lo)), float(np.expm1(hi))
    else:
        value = est.value
    return Effect(
        "period",
        metric,
        value,
        lo,
        hi,
        p,
        est.method,
        len(data),
        "binary",
        "relative shift",
        confidence="high" if p < 0.01 else "medium" if p < 0.05 else "none",
    ), ""


def _granger(frame: Frame) -> list:
    names = [s.name for s in frame.drivers]
    # each driver -> the metric; and the metric -> drivers planned from demand (feedback the owner should see)
    pairs = [(n, "y") for n in names] + [("y", s.name) for s in frame.drivers if s.follows_demand]
    cols = frame.data[["y", *names]]
    tests = granger_pairs(cols, pairs, frame.data[list(frame.calendar)])
    return [t.__class__(**{**t.__dict__, "cause": _name(t.cause), "effect": _name(t.effect)}) for t in tests]


def _name(col: str) -> str:
    return "metric" if col == "y" else col


def _with_verdict(r: ChangeExplanation) -> ChangeExplanation:
    fmt = "{:+,.1f}"
    text = [
        f"{r.metric} averaged {r.current_value:,.1f} a day from {r.period[0]} to {r.period[1]}, "
        f"{fmt.format(r.change)} ({r.change_pct:+.1%}) against {r.baseline_period[0]} to {r.baseline_period[1]}."
    ]
    product = next((p for p in r.decomposition if " x " in p.identity), None)
    if product is not None:
        bits = ", ".join(f"{c.component} {fmt.format(c.contribution)}" for c in product.parts)
        text.append(f"Split exactly: {bits}.")
    named = [d for d in r.drivers if _named(d)]
    if named:
        text.append(
            "Drivers with evidence: "
            + "; ".join(
                f"{d.label} {fmt.format(d.contribution)} a day (95% CI {fmt.format(d.contribution_lower)} to "
                f"{fmt.format(d.contribution_upper)}, confidence {d.confidence})"
                for d in named
            )
            + "."
        )
    else:
        text.append("Not enough evidence that any measured driver caused this change.")
    text.append(f"Left unexplained: {fmt.format(r.unexplained)} a day.")
    s = r.unexplained_effect
    if s is not None and s.p_value < 0.05:
        text.append(
            f"Beyond all drivers and the calendar, the period is {s.estimate:+.1%} "
            f"(95% CI {s.lower:+.1%} to {s.upper:+.1%}) off what was expected: a cause not in the data."
        )
    if r.anomalies:
        text.append(f"{len(r.anomalies)} day(s) fell outside the forecast interval.")
    text.extend(n[0].upper() + n[1:] + "." for n in r.cannot_conclude)
    return ChangeExplanation(**{**r.__dict__, "verdict": " ".join(text)})


def _named(d: Driver) -> bool:
    """A driver is named as a cause of the change only with evidence and a contribution clear of zero."""
    same_sign = d.contribution_lower * d.contribution_upper > 0
    return d.is_cause and same_sign
