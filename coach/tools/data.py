"""Reading the tenant's metrics: which exist, one metric's series, and how a period went."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from coach.charts import history_and_forecast
from coach.format import day_range, metric_label, percent, quantity
from coach.periods import Period, resolve_period
from coach.tools.base import ToolError
from coach.tools.context import ToolContext
from coach.tools.result import Source, ToolResult
from coach.tools.schemas import ListMetricsArgs, MetricSummaryArgs
from coach.vocabulary import AVERAGED_METRICS, CHANNELS, canonical_metric, closest_metrics, normalise
from storage.metrics.service import list_metrics as list_metric_infos

EVENT_WORDS = (
    "changed prices|changed our prices|price change|price rise|price increase|raised prices|new prices"
)


async def resolve_metric(ctx: ToolContext, words: str, dimension: str | None = None) -> tuple[str, str]:
    """The (metric, dimension) an owner's words mean for this tenant, or a ToolError suggesting close names."""
    known = await ctx.known_metrics()
    word = normalise(words)
    if word in CHANNELS and "marketing_spend" in known:
        return "marketing_spend", f"channel:{word}"
    metric = canonical_metric(word, known) or (
        word.replace(" ", "_") if word.replace(" ", "_") in known else None
    )
    if metric is None:
        suggestions = closest_metrics(word, known)
        hint = f" Did you mean {' or '.join(metric_label(s) for s in suggestions)}?" if suggestions else ""
        raise ToolError(f"I don't have a metric called '{words}'.{hint}", suggestions=suggestions)
    return metric, dimension or ""


def column_for(frame: pd.DataFrame, metric: str, dimension: str) -> pd.Series:
    """The daily series of a metric (summing over dimensions when none is given and only parts exist)."""
    name = f"{metric}[{dimension}]" if dimension else metric
    if name in frame.columns:
        return frame[name].dropna()
    parts = [c for c in frame.columns if c.startswith(f"{metric}[")]
    if not dimension and parts:
        combine = (
            frame[parts].mean(axis=1) if metric in AVERAGED_METRICS else frame[parts].sum(axis=1, min_count=1)
        )
        return combine.dropna()
    raise ToolError(f"There is no data for {metric_label(name)} yet.")


def events(frame: pd.DataFrame) -> dict[str, date]:
    """Named change points in the data, for periods like 'since we changed prices'."""
    found: dict[str, date] = {}
    if "price_index" in frame.columns:
        prices = frame["price_index"].dropna()
        changes = prices[prices.diff().abs() > 1e-9]
        if not changes.empty:
            found[EVENT_WORDS] = changes.index[-1].date()
    return found


def in_data(series: pd.Series, period: Period, label: str) -> pd.Series:
    """The part of ``series`` inside ``period``, or a ToolError saying which dates there is data for."""
    part = series.loc[pd.Timestamp(period.start) : pd.Timestamp(period.end)]
    if part.empty:
        first, last = series.index.min().date(), series.index.max().date()
        raise ToolError(
            f"I have {label} from {first:%-d %b %Y} to {last:%-d %b %Y}, but nothing for {period.describe()}."
        )
    return part


def kind_of(metric: str) -> str:
    """ "average" for levels and ratios (compared as they are), "total" for flows (summed over a period)."""
    return "average" if metric in AVERAGED_METRICS else "total"


def same_coverage(now: pd.Series, before: pd.Series, period: Period, baseline: Period) -> bool:
    """Whether two periods' totals are comparable: about as long (a month with the month before), each with nearly
    all of its days in the data."""
    similar = min(period.days, baseline.days) >= 0.9 * max(period.days, baseline.days)
    return similar and len(now) >= 0.9 * period.days and len(before) >= 0.9 * baseline.days


def aggregate(values: pd.Series, metric: str) -> float:
    """Total for flows, mean for levels and ratios."""
    return float(values.mean() if metric in AVERAGED_METRICS else values.sum())


def data_source(label: str, series: pd.Series, extra: str = "") -> str:
    """How a tool's data is described in sources."""
    return f"{label}, daily, {series.index.min():%Y-%m-%d} to {series.index.max():%Y-%m-%d}{extra}"


async def list_metrics_tool(ctx: ToolContext, _args: ListMetricsArgs) -> ToolResult:
    """Every metric the tenant has with its span."""
    async with ctx.db.tenant_session(ctx.tenant.id) as session:
        infos = await list_metric_infos(session=session)
    if not infos:
        raise ToolError("There is no data yet. Connect a data source (or run `coach demo`) and ask again.")
    rows = [
        {
            "metric": i.metric,
            "dimension": i.dimension,
            "unit": i.unit,
            "days": i.count,
            "first": i.first.date().isoformat(),
            "last": i.last.date().isoformat(),
        }
        for i in infos
    ]
    names = sorted({i.metric for i in infos})
    first, last = min(i.first for i in infos), max(i.last for i in infos)
    return ToolResult(
        tool="list_metrics",
        headline=f"I have {len(names)} metrics from {first:%-d %b %Y} to {last:%-d %b %Y}: "
        + ", ".join(metric_label(n) for n in names)
        + ".",
        facts={"metrics": names, "first": first.date().isoformat(), "last": last.date().isoformat()},
        table=rows,
        sources=[Source(tool="list_metrics", data="business_metrics catalogue", method="listing")],
    )


async def metric_summary_tool(ctx: ToolContext, args: MetricSummaryArgs) -> ToolResult:
    """A metric over a period against a baseline period, with a chart."""
    metric, dimension = await resolve_metric(ctx, args.metric, args.dimension)
    frame = await ctx.frame()
    series = column_for(frame, metric, dimension)
    label = metric_label(f"{metric}[{dimension}]" if dimension else metric)
    today = min(ctx.today, series.index.max().date() + timedelta(days=1))
    country = ctx.tenant.country
    period = resolve_period(args.period, today=today, events=events(frame), country=country)
    baseline = (
        resolve_period(args.compare_to, today=today, events=events(frame), country=country)
        if args.compare_to
        else period.previous()
    )
    now, before = in_data(series, period, label), in_data(series, baseline, label)
    value, base = aggregate(now, metric), aggregate(before, metric)
    uneven = kind_of(metric) == "total" and not same_coverage(now, before, period, baseline)
    if uneven:  # totals over unequal stretches of data are not comparable: compare what a day brought
        value, base = float(now.mean()), float(before.mean())
    change = (value - base) / abs(base) if base else None
    currency = ctx.tenant.currency
    kind = kind_of(metric)
    per_day = " a day" if uneven else ""
    headline = (
        f"{label.capitalize()} {period.label} ({day_range(period.start, period.end)}): "
        f"{quantity(value, metric, currency)}{per_day}"
        + (
            f", {percent(change)} vs {baseline.label} ({quantity(base, metric, currency)}{per_day})."
            if change is not None
            else "."
        )
    )
    best, worst = now.idxmax(), now.idxmin()
    notes = []
    if len(now) > 1:
        notes.append(
            f"Best day {best:%a %-d %b} ({quantity(float(now.max()), metric, currency)}), "
            f"weakest {worst:%a %-d %b} ({quantity(float(now.min()), metric, currency)})."
        )
    if len(now) < period.days:
        notes.append(f"Data covers {len(now)} of the {period.days} days.")
    if len(before) < baseline.days:
        notes.append(
            f"{baseline.label.capitalize()} has data for only {len(before)} of its {baseline.days} days."
        )
    if uneven:
        notes.append(
            "The two periods have different numbers of days with data, so I compared the average day."
        )
    window = series.loc[pd.Timestamp(baseline.start) : pd.Timestamp(period.end)]
    chart = history_and_forecast(
        window,
        title=f"{label.capitalize()}: {baseline.label} and {period.label}",
        unit=currency if metric in ("revenue", "cogs", "labour_cost") else "",
    )
    return ToolResult(
        tool="metric_summary",
        headline=headline,
        facts={
            "metric": metric,
            "dimension": dimension,
            "kind": kind,
            "value": round(value, 2),
            "baseline_value": round(base, 2),
            "change_pct": None if change is None else round(100 * change, 2),
            "period": period.describe(),
            "baseline": baseline.describe(),
            "days": len(now),
            "daily_average": round(float(now.mean()), 2),
        },
        table=[{"date": d.date().isoformat(), "value": round(float(v), 2)} for d, v in now.items()][-31:],
        notes=notes,
        sources=[Source(tool="metric_summary", data=data_source(label, window), method=f"{kind} per period")],
        charts=[chart],
    )
