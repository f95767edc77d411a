"""Composing one user's weekly digest from the coach's own tools, so every figure in it is a tool result.

Headline metrics week over week (``metric_summary``), goal progress and goals at risk (``goal_progress``), next
week's forecast with its range (``forecast_metric``), the biggest driver of the change (``explain_change``), one
suggested action chosen from those results, and an invitation to reply. Channel-neutral: the email gateway and
the Slack gateway render the same ``Digest``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

import pandas as pd

from coach.digest.sparkline import spark_png, spark_text, trend_word, weekly
from coach.format import day_range, metric_label, money, quantity
from coach.tools.base import OWNER_READABLE
from coach.tools.context import ToolContext
from coach.tools.data import column_for, metric_summary_tool
from coach.tools.evidence import explain_change_tool
from coach.tools.forecasting import forecast_metric_tool
from coach.tools.goals import goal_progress_tool
from coach.tools.result import Chart, Source, ToolResult
from coach.tools.schemas import ExplainChangeArgs, ForecastMetricArgs, GoalProgressArgs, MetricSummaryArgs
from coach.vocabulary import AVERAGED_METRICS

log = logging.getLogger(__name__)
HEADLINE_METRICS = ("revenue", "orders", "customers", "average_ticket")
SPARK_WEEKS = 12


@dataclass
class MetricLine:
    """One headline metric: last week's value, the change, and a 12-week sparkline."""

    metric: str
    label: str
    value: str
    baseline: str
    change_pct: float | None
    spark: str  # unicode sparkline for text and Slack
    spark_chart: Chart  # small PNG for HTML mail

    @property
    def change(self) -> str:
        """``+4.2%`` or an en dash when there is no baseline."""
        return "–" if self.change_pct is None else f"{self.change_pct:+.1f}%"

    @property
    def direction(self) -> str:
        """up, down or flat (for colours)."""
        if self.change_pct is None or abs(self.change_pct) < 0.05:
            return "flat"
        return "up" if self.change_pct > 0 else "down"


@dataclass
class GoalLine:
    """One active goal's progress sentence and whether it is at risk."""

    title: str
    sentence: str
    at_risk: bool


@dataclass
class Digest:
    """What a weekly digest says, before it is rendered for a channel."""

    business: str
    greeting_name: str
    period: str  # e.g. "22-28 Jun 2026"
    metrics: list[MetricLine] = field(default_factory=list)
    goals: list[GoalLine] = field(default_factory=list)
    forecast: str = ""
    driver: str = ""
    action: str = ""
    charts: list[Chart] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    results: list[ToolResult] = field(default_factory=list)

    @property
    def at_risk(self) -> list[GoalLine]:
        """Goals at risk."""
        return [g for g in self.goals if g.at_risk]

    @property
    def subject(self) -> str:
        """The email subject (and Slack DM title)."""
        return f"Your week at {self.business}: {self.period}"

    def context(self) -> dict[str, Any]:
        """The template context (charts are referred to by index)."""
        return {
            "digest": self,
            "metrics": self.metrics,
            "goals": self.goals,
            "at_risk": self.at_risk,
        }


async def _run(ctx: ToolContext, impl: Any, args: Any) -> ToolResult | None:
    """A tool result, or None (logged) when the tool cannot answer for this tenant."""
    try:
        return await impl(ctx, args)
    except OWNER_READABLE as error:
        log.info("digest for %s skips %s: %s", ctx.tenant.slug, impl.__name__, error)
        return None


async def _metric_line(
    ctx: ToolContext, metric: str, frame: pd.DataFrame
) -> tuple[MetricLine, ToolResult] | None:
    result = await _run(ctx, metric_summary_tool, MetricSummaryArgs(metric=metric, period="last week"))
    if result is None:
        return None
    facts, currency = result.facts, ctx.tenant.currency
    series = weekly(column_for(frame, metric, ""), weeks=SPARK_WEEKS, averaged=metric in AVERAGED_METRICS)
    label = metric_label(metric).capitalize()
    alt = f"{label}, weekly over the last {len(series)} weeks: {trend_word(series)}."
    line = MetricLine(
        metric=metric,
        label=label,
        value=quantity(facts["value"], metric, currency),
        baseline=quantity(facts["baseline_value"], metric, currency),
        change_pct=facts["change_pct"],
        spark=spark_text(series),
        spark_chart=Chart(title=f"{label} sparkline", alt=alt, draw=partial(spark_png, series)),
    )
    return line, result


def _driver_sentence(result: ToolResult, currency: str) -> tuple[str, dict[str, Any] | None]:
    causes = set(result.facts.get("named_causes", []))
    rows = [r for r in result.table if r["driver"] in causes and r["driver"] != "usual season and trend"]
    if not rows:
        return result.headline, None
    top = max(rows, key=lambda r: abs(r["contribution_per_day"]))
    amount, low, high = (_signed(v, currency) for v in (top["contribution_per_day"], *top["range"]))
    sentence = (
        f"The biggest driver of the change was {top['driver']}: {amount} a day against the week before "
        f"(range {low} to {high}, confidence {top['confidence']})."
    )
    return sentence, top


def _signed(value: float, currency: str) -> str:
    return ("+" if value >= 0 else "-") + money(abs(value), currency)


def _action(
    driver: dict[str, Any] | None, goals: list[GoalLine], forecast: ToolResult | None, currency: str
) -> str:
    """One concrete next step, with the question to reply with."""
    if goals and any(g.at_risk for g in goals):
        goal = next(g for g in goals if g.at_risk)
        return (
            f"'{goal.title}' is at risk. Reply \"how can I get back on track for {goal.title}?\" and I will "
            "look at what would close the gap."
        )
    label = (driver or {}).get("driver", "")
    if "spend" in label:
        channel = label.replace(" spend", "")
        verb = "restoring" if driver and driver["contribution_per_day"] < 0 else "keeping"
        return (
            f'Consider {verb} your {channel} budget. Reply "what if we spend 20% more on {channel}?" to see '
            "what it would do to revenue."
        )
    if label == "prices":
        return 'Check your prices against costs. Reply "what if we raise prices 5%?" to see the effect.'
    if label == "stock-outs":
        return 'Running out of stock cost sales. Reply "what should I order this week?" for an order list.'
    if forecast is not None and forecast.facts.get("expected") is not None:
        expected = quantity(forecast.facts["expected"], "revenue", currency)
        return (
            f'Staff for the {expected} of sales expected next week: reply "plan staffing for next week" and I '
            "will draft the cheapest rota that covers it."
        )
    return 'Reply "what should I focus on this week?" and I will look through your numbers.'


async def compose_digest(ctx: ToolContext, *, greeting_name: str = "") -> Digest | None:
    """The digest for ``ctx``'s tenant, or None when there is no data to report on."""
    frame = await ctx.frame()
    if frame.empty:
        return None
    lines: list[MetricLine] = []
    results: list[ToolResult] = []
    known = await ctx.known_metrics()
    for metric in [m for m in HEADLINE_METRICS if m in known]:
        found = await _metric_line(ctx, metric, frame)
        if found is not None:
            lines.append(found[0])
            results.append(found[1])
    if not lines:
        return None
    period = _period_words(results[0].facts["period"])
    digest = Digest(business=ctx.tenant.name, greeting_name=greeting_name, period=period, metrics=lines)
    progress = await _run(ctx, goal_progress_tool, GoalProgressArgs())
    if progress is not None:
        results.append(progress)
        at_risk = set(progress.facts.get("at_risk", []))
        for row in progress.table:
            digest.goals.append(
                GoalLine(
                    title=row["title"],
                    sentence=_goal_sentence(row, ctx.tenant.currency),
                    at_risk=row["title"] in at_risk,
                )
            )
    forecast = await _run(
        ctx, forecast_metric_tool, ForecastMetricArgs(metric="revenue", horizon="next week")
    )
    if forecast is not None:
        results.append(forecast)
        digest.forecast = forecast.headline
        digest.charts.extend(forecast.charts)
    explained = await _run(ctx, explain_change_tool, ExplainChangeArgs(metric="revenue", period="last week"))
    top = None
    if explained is not None:
        results.append(explained)
        digest.driver, top = _driver_sentence(explained, ctx.tenant.currency)
        digest.charts.extend(explained.charts[:1])
    digest.action = _action(top, digest.goals, forecast, ctx.tenant.currency)
    digest.results = results
    digest.sources = _unique([s for r in results for s in r.sources])
    return digest


def _period_words(described: str) -> str:
    """'last week (2026-06-22 to 2026-06-28)' -> '22-28 Jun 2026'."""
    days = re.findall(r"\d{4}-\d{2}-\d{2}", described)
    if len(days) != 2:
        return described
    return day_range(date.fromisoformat(days[0]), date.fromisoformat(days[1]))


def _goal_sentence(row: dict[str, Any], currency: str) -> str:
    del currency  # amounts arrive formatted in actual_text
    return (
        f"{row['actual_text']} so far ({row['reached']:.0%} of the target, {row['elapsed']:.0%} of the time gone); "
        f"{row['probability']:.0%} chance of reaching it by the deadline ({row['window']})."
    )


def _unique(sources: list[Source]) -> list[Source]:
    seen: dict[tuple[str, str, str], Source] = {}
    for source in sources:
        seen.setdefault((source.tool, source.data, source.method), source)
    return list(seen.values())
