"""The explain_change and what_if tools: why a metric moved, and what a change would do."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pandas as pd

from analytics.evidence import explain_change, what_if
from coach.charts import bars, history_and_forecast
from coach.format import day_range, metric_label, percent, quantity
from coach.periods import resolve_future, resolve_period
from coach.tools.base import ToolError
from coach.tools.context import ToolContext
from coach.tools.data import column_for, data_source, events, resolve_metric
from coach.tools.frames import evidence_frame
from coach.tools.result import Source, ToolResult
from coach.tools.schemas import ExplainChangeArgs, WhatIfArgs
from coach.vocabulary import CHANNELS
from storage.analysis.service import upsert_evidence_graph

INDUSTRIES = ("cafe", "restaurant", "bookshop", "retail", "salon", "agency")


def industry(ctx: ToolContext) -> str:
    """The evidence template for the tenant's industry ('default' when we have none)."""
    return ctx.tenant.industry if ctx.tenant.industry in INDUSTRIES else "default"


async def explain_change_tool(ctx: ToolContext, args: ExplainChangeArgs) -> ToolResult:
    """Decomposition, named drivers with intervals and confidence, anomalies; the evidence graph is stored."""
    metric, dimension = await resolve_metric(ctx, args.metric)
    if dimension:
        raise ToolError(
            "I can explain changes in totals (revenue, orders, customers, average ticket, costs), "
            "not of one channel or product yet."
        )
    frame = await ctx.frame()
    series = column_for(frame, metric, "")
    today = min(ctx.today, series.index.max().date() + timedelta(days=1))
    period = resolve_period(args.period, today=today, events=events(frame))
    baseline = (
        resolve_period(args.baseline, today=today, events=events(frame))
        if args.baseline
        else period.previous()
    )
    data = evidence_frame(frame, country=ctx.tenant.country)
    result = await asyncio.to_thread(
        explain_change,
        data,
        metric,
        (period.start, period.end),
        (baseline.start, baseline.end),
        industry=industry(ctx),
    )
    currency = ctx.tenant.currency
    label = metric_label(metric)
    headline = (
        f"{label.capitalize()} averaged {quantity(result.current_value, metric, currency)} a day "
        f"{period.label} ({day_range(period.start, period.end)}), {percent(result.change_pct)} vs "
        f"{baseline.label} ({quantity(result.baseline_value, metric, currency)} a day)."
    )
    causes = [d for d in result.drivers if d.is_cause]
    table = [
        {
            "driver": d.label,
            "contribution_per_day": round(d.contribution, 2),
            "range": [round(d.contribution_lower, 2), round(d.contribution_upper, 2)],
            "effect": d.sentence(),
            "confidence": d.confidence,
        }
        for d in result.drivers
    ]
    parts = [
        {"identity": dec.identity, "parts": {p.component: round(p.contribution, 2) for p in dec.parts}}
        for dec in result.decomposition
    ]
    notes = [result.verdict, *result.cannot_conclude]
    notes += [
        f"{a.day:%a %-d %b}: {quantity(a.actual, metric, currency)} was {a.direction} the expected "
        f"{quantity(a.lower, metric, currency)}-{quantity(a.upper, metric, currency)}"
        + (f" (likely: {', '.join(a.likely_drivers)})" if a.likely_drivers else "")
        for a in result.anomalies[:3]
    ]
    charts = []
    if result.drivers:
        shown = list(result.drivers[:6])
        charts.append(
            bars(
                [d.label for d in shown],
                [d.contribution for d in shown],
                signed=True,
                title=f"What moved {label} per day ({period.label} vs {baseline.label})",
                unit=currency if metric in ("revenue", "cogs", "labour_cost") else label,
            )
        )
    async with ctx.db.tenant_session(ctx.tenant.id) as session:
        await upsert_evidence_graph(
            session=session, graph_id=f"metric:{metric}", graph=json.loads(result.graph.to_json())
        )
    return ToolResult(
        tool="explain_change",
        headline=headline,
        facts={
            "metric": metric,
            "period": period.describe(),
            "baseline": baseline.describe(),
            "per_day_now": round(result.current_value, 2),
            "per_day_before": round(result.baseline_value, 2),
            "change_pct": round(100 * result.change_pct, 2),
            "named_causes": [d.label for d in causes],
            "unexplained_per_day": round(result.unexplained, 2),
            "decomposition": parts,
        },
        table=table,
        notes=[n for n in notes if n],
        sources=[
            Source(
                tool="explain_change",
                data=data_source(label, series),
                method="exact decomposition; backdoor-adjusted effects (DoWhy) with placebo, random common "
                "cause and subset refutations; Granger tests; forecast-interval anomalies",
            )
        ],
        charts=charts,
    )


async def what_if_tool(ctx: ToolContext, args: WhatIfArgs) -> ToolResult:
    """Counterfactual path of a metric under a price, marketing, staffing or opening-hours change."""
    metric, _ = await resolve_metric(ctx, args.metric)
    frame = await ctx.frame()
    data = evidence_frame(frame, country=ctx.tenant.country)
    key, change = _intervention(args, data)
    last = data.index.max().date()
    window = resolve_future(args.horizon, today=max(ctx.today - timedelta(days=1), last))
    horizon = (window.end - last).days
    result = await asyncio.to_thread(what_if, data, {key: change}, metric, horizon, industry=industry(ctx))
    currency = ctx.tenant.currency
    label = metric_label(metric)
    what = {
        "price": f"prices {percent(change)}",
        "staff_hours": f"staff hours {percent(change)}",
        "opening_hours": f"opening hours {percent(change)}",
    }.get(key, f"{key.removeprefix('marketing_')} spend {percent(change)}")
    headline = (
        f"With {what}, {label} over {window.label} would change by about "
        f"{quantity(result.total_change, metric, currency)} (95% range "
        f"{quantity(result.total_change_lower, metric, currency)} to "
        f"{quantity(result.total_change_upper, metric, currency)}) against the expected "
        f"{quantity(float(result.baseline.sum()), metric, currency)}."
    )
    chart = history_and_forecast(
        column_for(frame, metric, "").iloc[-60:],
        title=f"{label.capitalize()}: {what}",
        unit="",
        point=result.counterfactual,
        lower=result.lower,
        upper=result.upper,
        level=0.95,
    )
    return ToolResult(
        tool="what_if",
        headline=headline,
        facts={
            "metric": metric,
            "intervention": {key: change},
            "horizon": window.describe(),
            "expected_total": round(float(result.baseline.sum()), 2),
            "with_change_total": round(float(result.counterfactual.sum()), 2),
            "change": round(result.total_change, 2),
            "change_low_95": round(result.total_change_lower, 2),
            "change_high_95": round(result.total_change_upper, 2),
            "extrapolation": result.extrapolation,
        },
        notes=list(result.warnings)
        + (
            ["The data has never seen a change like this: treat it as a rough guide."]
            if result.extrapolation
            else []
        ),
        sources=[
            Source(
                tool="what_if", data=data_source(label, column_for(frame, metric, "")), method=result.method
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
