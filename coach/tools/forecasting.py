"""The forecast_metric tool: what a metric will look like, with a calibrated range, stored for later."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pandas as pd

from analytics.forecast import Forecast, forecast
from coach.charts import history_and_forecast
from coach.format import day_range, metric_label, quantity
from coach.periods import resolve_future
from coach.tools.context import ToolContext
from coach.tools.data import aggregate, column_for, data_source, resolve_metric
from coach.tools.result import Source, ToolResult
from coach.tools.schemas import ForecastMetricArgs
from coach.vocabulary import AVERAGED_METRICS
from storage.analysis.service import save_forecast

MAX_HORIZON_DAYS = 366
TIME_BUDGET_S = 8.0


def forecast_options(ctx: ToolContext) -> dict[str, Any]:
    """The options of every forecast the coach makes of a tenant's daily metric, so that one forecast of a
    series (the longest asked for) answers the forecast, goal and digest questions about it alike."""
    return {
        "freq": "D",
        "holidays": ctx.tenant.country,
        "levels": (0.8, 0.95),
        "time_budget": TIME_BUDGET_S,
        "fast": True,  # interactive: Prophet (the slowest member) is left to scheduled work
    }


def method_words(result: Forecast) -> str:
    """'ensemble of ETS 45%, LightGBM 30%, ...' from the forecast's weights."""
    parts = ", ".join(
        f"{name} {weight:.0%}"
        for name, weight in sorted(result.weights.items(), key=lambda kv: -kv[1])
        if weight >= 0.005
    )
    return f"backtested ensemble ({parts}), conformal 80%/95% intervals"


def to_json(result: Forecast) -> dict[str, object]:
    """A forecast as JSON for the ``forecasts`` table."""
    return {
        "point": {d.date().isoformat(): round(float(v), 4) for d, v in result.point.items()},
        "lower": {str(k): [round(float(x), 4) for x in s] for k, s in result.lower.items()},
        "upper": {str(k): [round(float(x), 4) for x in s] for k, s in result.upper.items()},
        "weights": result.weights,
        "backtest": result.backtest,
        "note": result.note,
        "members": result.members,
    }


async def forecast_metric_tool(ctx: ToolContext, args: ForecastMetricArgs) -> ToolResult:
    """Forecast a metric over the horizon; totals with a range, weekly rows, a chart; stored in ``forecasts``."""
    metric, dimension = await resolve_metric(ctx, args.metric, args.dimension)
    frame = await ctx.frame()
    series = column_for(frame, metric, dimension)
    last = series.index.max().date()
    window = resolve_future(
        args.horizon, today=max(ctx.today - timedelta(days=1), last), country=ctx.tenant.country
    )
    steps = min((window.end - last).days, MAX_HORIZON_DAYS)
    result = await asyncio.to_thread(  # seconds of CPU: never on the event loop that acknowledges Slack
        forecast, series.asfreq("D"), steps, **forecast_options(ctx)
    )
    span = result.point.loc[pd.Timestamp(window.start) : pd.Timestamp(window.end)]
    label = metric_label(f"{metric}[{dimension}]" if dimension else metric)
    currency = ctx.tenant.currency
    averaged = metric in AVERAGED_METRICS
    if averaged:
        central, low, high = (
            float(span.mean()),
            float(result.lower[0.8].loc[span.index].mean()),
            float(result.upper[0.8].loc[span.index].mean()),
        )
        what = "average"
    else:
        q = result.total_quantiles([0.1, 0.5, 0.9], end=pd.Timestamp(window.end))
        if window.start > last + timedelta(
            days=1
        ):  # horizon starts later than tomorrow: subtract the lead-in
            lead = result.total_quantiles([0.1, 0.5, 0.9], end=pd.Timestamp(window.start - timedelta(days=1)))
            q = q - lead
        central, low, high = float(span.sum()), float(q[0.1]), float(q[0.9])
        what = "total"
    recent = aggregate(series.iloc[-len(span) :], metric) if len(series) >= len(span) else None
    headline = (
        f"{label.capitalize()} {window.label} ({day_range(window.start, window.end)}): about "
        f"{quantity(central, metric, currency)} {what} (80% range {quantity(low, metric, currency)} to "
        f"{quantity(high, metric, currency)})."
    )
    weekly = span.resample("W-SUN").agg("mean" if averaged else "sum")
    table = [{"week_ending": d.date().isoformat(), "forecast": round(float(v), 2)} for d, v in weekly.items()]
    async with ctx.db.tenant_session(ctx.tenant.id) as session:
        run_id = await save_forecast(
            session=session,
            metric=metric,
            dimension=dimension,
            horizon=steps,
            freq="D",
            result=to_json(result),
        )
    chart = history_and_forecast(
        series.iloc[-90:],
        title=f"{label.capitalize()}: last 90 days and forecast",
        unit=currency if not averaged and metric in ("revenue",) else "",
        point=span,
        lower=result.lower[0.8].loc[span.index],
        upper=result.upper[0.8].loc[span.index],
    )
    facts = {
        "metric": metric,
        "dimension": dimension,
        "kind": what,
        "currency": currency,
        "expected": round(central, 2),
        "low_80": round(low, 2),
        "high_80": round(high, 2),
        "horizon": window.describe(),
        "history_end": last.isoformat(),
        "forecast_id": str(run_id),
    }
    if recent is not None:
        facts["same_length_just_before"] = round(recent, 2)
    return ToolResult(
        tool="forecast_metric",
        headline=headline,
        facts=facts,
        table=table,
        sources=[  # the reliability note names the methods: it goes with them, out of the answer's lines
            Source(
                tool="forecast_metric",
                data=data_source(label, series),
                method=f"{method_words(result)}. {result.note}",
            )
        ],
        charts=[chart],
    )
