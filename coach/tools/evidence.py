"""The explain_change and what_if tools: why a metric moved, and what a change would do."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial

import pandas as pd

from analytics.evidence import ChangeExplanation, WhatIf, explain_change, what_if
from coach.charts import bars, history_and_forecast
from coach.format import day_range, metric_label, percent, quantity
from coach.periods import Period, resolve_future, resolve_period
from coach.tools.base import ToolError
from coach.tools.context import ToolContext
from coach.tools.data import column_for, data_source, events, resolve_metric
from coach.tools.frames import evidence_frame
from coach.tools.plausible import within
from coach.tools.result import Chart, Source, ToolResult
from coach.tools.schemas import ExplainChangeArgs, WhatIfArgs
from coach.vocabulary import CHANNELS
from storage.analysis.service import upsert_evidence_graph

INDUSTRIES = ("cafe", "restaurant", "bookshop", "retail", "salon", "agency")


def industry(ctx: ToolContext) -> str:
    """The evidence template for the tenant's industry ('default' when we have none)."""
    return ctx.tenant.industry if ctx.tenant.industry in INDUSTRIES else "default"


@dataclass(frozen=True)
class Question:
    """What explain_change compares: a metric over a period against a baseline period."""

    metric: str
    series: pd.Series
    period: Period
    baseline: Period


def prepare_explain(
    frame: pd.DataFrame, metric: str, args: ExplainChangeArgs, today: date, country: str = "US"
) -> Question:
    """The periods to compare, resolved against the data's last day (pure)."""
    series = column_for(frame, metric, "")
    today = min(today, series.index.max().date() + timedelta(days=1))
    found = events(frame)
    period = resolve_period(args.period, today=today, events=found, country=country)
    baseline = (
        resolve_period(args.baseline, today=today, events=found, country=country) if args.baseline else None
    )
    return Question(metric, series, period, baseline or period.previous())


async def explain_change_tool(ctx: ToolContext, args: ExplainChangeArgs) -> ToolResult:
    """Decomposition, named drivers with intervals and confidence, anomalies; the evidence graph is stored."""
    metric, dimension = await resolve_metric(ctx, args.metric)
    if dimension:
        raise ToolError(
            "I can explain changes in totals (revenue, orders, customers, average ticket, costs), "
            "not of one channel or product yet."
        )
    frame = await ctx.frame()
    q = prepare_explain(frame, metric, args, ctx.today, ctx.tenant.country)
    data = evidence_frame(frame, country=ctx.tenant.country)
    windows = (q.period.start, q.period.end), (q.baseline.start, q.baseline.end)
    result = await asyncio.to_thread(explain_change, data, metric, *windows, industry=industry(ctx))
    async with ctx.db.tenant_session(ctx.tenant.id) as session:
        await upsert_evidence_graph(
            session=session, graph_id=f"metric:{metric}", graph=json.loads(result.graph.to_json())
        )
    return present_explain(result, q, ctx.tenant.currency)


def direction(change: float) -> str:
    """'up 12%', 'down 4.2%', or 'about the same (up 0.4%)' for a relative change."""
    amount = f"{'up' if change >= 0 else 'down'} {abs(change):.{0 if abs(change) >= 0.1 else 1}%}"
    return f"about the same ({amount})" if abs(change) < 0.01 else amount


def present_explain(result: ChangeExplanation, q: Question, currency: str) -> ToolResult:
    """The change in the owner's words: what happened, then the biggest named reasons (in the template)."""
    label, metric = metric_label(q.metric), q.metric
    headline = (
        f"{label.capitalize()} was {quantity(result.current_value, metric, currency)} a day {q.period.label} "
        f"({day_range(q.period.start, q.period.end)}), {direction(result.change_pct)} on {q.baseline.label} "
        f"({quantity(result.baseline_value, metric, currency)} a day)."
    )
    table = [
        {
            "driver": d.label,
            "contribution_per_day": round(d.contribution, 2),
            "range": [round(d.contribution_lower, 2), round(d.contribution_upper, 2)],
            "effect": d.sentence(),
            "confidence": d.confidence,
            "is_cause": d.is_cause,
        }  # fmt: skip
        for d in result.drivers
    ]
    notes = [n[:1].upper() + n[1:] + ("" if n.endswith(".") else ".") for n in result.cannot_conclude if n]
    notes += [
        f"{a.day:%a %-d %b} was {a.direction} what I expected ({quantity(a.actual, metric, currency)})"
        + (f", likely because of {', '.join(a.likely_drivers)}." if a.likely_drivers else ".")
        for a in result.anomalies[:3]
    ]
    return ToolResult(
        tool="explain_change",
        headline=headline,
        facts={
            "metric": metric,
            "currency": currency,
            "period": q.period.describe(),
            "baseline": q.baseline.describe(),
            "per_day_now": round(result.current_value, 2),
            "per_day_before": round(result.baseline_value, 2),
            "change_pct": round(100 * result.change_pct, 2),
            "named_causes": [d.label for d in result.drivers if d.is_cause],
            "unexplained_per_day": round(result.unexplained, 2),
            "decomposition": [
                {
                    "identity": dec.identity,
                    "parts": {p.component: round(p.contribution, 2) for p in dec.parts},
                }
                for dec in result.decomposition
            ],
        },  # fmt: skip
        table=table,
        notes=notes,
        sources=[
            Source(
                tool="explain_change",
                data=data_source(label, q.series),
                method="exact decomposition; backdoor-adjusted effects (DoWhy) with placebo, random common "
                "cause and subset refutations; Granger tests; forecast-interval anomalies. " + result.verdict,
            )
        ],
        charts=_driver_chart(result, q, currency),
    )


def _driver_chart(result: ChangeExplanation, q: Question, currency: str) -> list[Chart]:
    if not result.drivers:
        return []
    shown, label = list(result.drivers[:6]), metric_label(q.metric)
    unit = currency if q.metric in ("revenue", "cogs", "labour_cost") else label
    title = f"What moved {label} per day ({q.period.label} vs {q.baseline.label})"
    return [
        bars([d.label for d in shown], [d.contribution for d in shown], signed=True, title=title, unit=unit)
    ]


async def what_if_tool(ctx: ToolContext, args: WhatIfArgs) -> ToolResult:
    """Counterfactual path of a metric under a price, marketing, staffing or opening-hours change."""
    metric, _ = await resolve_metric(ctx, args.metric)
    frame = await ctx.frame()
    data = evidence_frame(frame, country=ctx.tenant.country)
    key, change = _intervention(args, data)
    last = data.index.max().date()
    window = resolve_future(
        args.horizon, today=max(ctx.today - timedelta(days=1), last), country=ctx.tenant.country
    )
    horizon = (window.end - last).days
    result = await asyncio.to_thread(what_if, data, {key: change}, metric, horizon, industry=industry(ctx))
    return present_what_if(
        result, column_for(frame, metric, ""), metric, (key, change), window, ctx.tenant.currency
    )


WHAT = {"price": "prices", "staff_hours": "staff hours", "opening_hours": "opening hours"}


def present_what_if(
    result: WhatIf, history: pd.Series, metric: str, move: tuple[str, float], window: Period, currency: str
) -> ToolResult:
    """The projection in the owner's words: the change it would make over the horizon, against the expected."""
    (key, change), label = move, metric_label(metric)
    what = WHAT.get(key, f"{key.removeprefix('marketing_')} spend")
    verb = "Raising" if change > 0 else "Cutting"
    expected = float(result.baseline.sum())
    if not within(result.total_change_upper, expected, what=f"{what} what-if", of=f"expected {label}"):
        raise ToolError(f"I can't project a change that big in {what} believably from your history.")
    gain = "add about" if result.total_change >= 0 else "take away about"
    q = partial(quantity, metric=metric, currency=currency)
    headline = (
        f"{verb} {what} by {abs(change):.0%} would {gain} {q(abs(result.total_change))} of {label} over "
        f"{window.label} (likely {q(result.total_change_lower)} to {q(result.total_change_upper)}), "
        f"against the {q(expected)} expected."
    )
    title = f"{label.capitalize()}: {what} {percent(change)}"
    chart = history_and_forecast(history.iloc[-60:], title=title, unit="", point=result.counterfactual,
                                 lower=result.lower, upper=result.upper, level=0.95)  # fmt: skip
    rough = ["Your data has never seen a change like this, so treat it as a rough guide."]
    return ToolResult(
        tool="what_if",
        headline=headline,
        facts={
            "metric": metric,
            "currency": currency,
            "intervention": {key: change},
            "horizon": window.describe(),
            "expected_total": round(expected, 2),
            "with_change_total": round(float(result.counterfactual.sum()), 2),
            "change": round(result.total_change, 2),
            "change_low_95": round(result.total_change_lower, 2),
            "change_high_95": round(result.total_change_upper, 2),
            "extrapolation": result.extrapolation,
        },  # fmt: skip
        notes=(rough if result.extrapolation else []),
        sources=[
            Source(
                tool="what_if",
                data=data_source(label, history),
                method=result.method + ("; " + " ".join(result.warnings) if result.warnings else ""),
            )
        ],
        charts=[chart],
    )


def _intervention(args: WhatIfArgs, data: pd.DataFrame) -> tuple[str, float]:
    if args.intervention == "marketing":
        channel = (args.channel or "").lower()
        if channel not in CHANNELS or f"marketing_{channel}" not in data.columns:
            available = [c.removeprefix("marketing_") for c in data.columns if c.startswith("marketing_")]
            raise ToolError(
                "Which channel? I have spend for " + ", ".join(available) + ".",
                needs="Which marketing channel should change, and by how much?",
            )
        key = f"marketing_{channel}"
        if args.change_pct is None and args.amount is not None:
            weekly = float(data[key].iloc[-28:].mean()) * 7
            if weekly <= 0:
                raise ToolError(
                    f"There has been no {channel} spend lately, so I can't scale it; "
                    f"try a budget split instead."
                )
            return key, args.amount / weekly
    else:
        key = {"price": "price", "staffing": "staff_hours", "opening_hours": "opening_hours"}[
            args.intervention
        ]
    if args.change_pct is None:
        raise ToolError(
            "By how much? Give a percentage, e.g. 'raise prices 5%'.",
            needs=f"By what percentage should {args.intervention.replace('_', ' ')} change?",
        )
    if not -90 <= args.change_pct <= 300:
        raise ToolError(f"A change of {args.change_pct:+g}% is outside what I can project (−90% to +300%).")
    return key, args.change_pct / 100
