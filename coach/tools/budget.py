"""The allocate_budget tool: a weekly marketing budget split by fitted response curves: prepare → fit → present."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pandas as pd

from analytics.optimize import BudgetPlan, allocate_budget, fit_response_curves
from coach.charts import bars
from coach.format import money
from coach.tools.base import ToolError
from coach.tools.context import ToolContext
from coach.tools.data import data_source
from coach.tools.frames import evidence_frame
from coach.tools.optimization import store, weekday_locked
from coach.tools.plausible import within
from coach.tools.result import Source, ToolResult
from coach.tools.schemas import AllocateBudgetArgs


@dataclass(frozen=True)
class Split:
    """What the split is fitted on: spend per free channel, customers, controls, the weekly money to place."""

    spend: pd.DataFrame  # daily spend of the channels whose effect can be told apart
    customers: pd.Series
    controls: pd.DataFrame
    weekly: float  # to place across ``spend``'s channels
    current_weekly: float  # all channels, last four weeks
    held: dict[str, float]  # weekly spend kept as it is (channels locked to a weekday)
    value_per_customer: float


def prepare(data: pd.DataFrame, args: AllocateBudgetArgs, currency: str) -> Split:
    """The channels, controls and budget for the split (pure)."""
    channels = [c for c in data.columns if c.startswith("marketing_")]
    if args.channels:
        channels = [c for c in channels if c.removeprefix("marketing_") in {x.lower() for x in args.channels}]
    if not channels or "customers" not in data.columns:
        raise ToolError("I need daily marketing spend per channel and customer counts to split a budget.")
    recent = data.iloc[-365:]
    recent = recent[recent["closed"] == 0]
    current = float(recent[channels].iloc[-28:].sum().sum()) / 4
    total = args.total if args.total is not None else current
    if total <= 0:
        raise ToolError("The marketing budget must be more than zero.")
    spend = recent[channels].rename(columns=lambda c: c.removeprefix("marketing_"))
    held = {n: float(spend[n].iloc[-28:].sum()) / 4 for n in spend.columns if weekday_locked(spend[n])}
    spend = spend.drop(columns=list(held))
    if spend.empty:
        raise ToolError("Every channel's spend always falls on the same weekdays, so I can't tell their effects "
                        "apart from the day of the week.")  # fmt: skip
    if total - sum(held.values()) <= 0:
        kept = ", ".join(f"{k} {money(v, currency)}/week" for k, v in held.items())
        raise ToolError(f"The budget does not cover the channels I have to keep as they are: {kept}.")
    margin = 1 - float(recent["cogs"].sum() / recent["revenue"].sum()) if "cogs" in recent else 0.6
    value = float(recent["revenue"].sum() / recent["customers"].sum()) * margin
    return Split(
        spend, recent["customers"], _controls(recent), total - sum(held.values()), current, held, value
    )


def _controls(recent: pd.DataFrame) -> pd.DataFrame:
    controls = pd.get_dummies(recent.index.dayofweek, prefix="dow", drop_first=True, dtype=float)
    controls.index = recent.index
    for extra in ("is_holiday", "price_index"):
        if extra in recent.columns:
            controls[extra] = recent[extra]
    if "rain_mm" in recent.columns:
        controls["rainy"] = (recent["rain_mm"] > 1).astype(float)
    return controls


def optimise(split: Split) -> BudgetPlan:
    """Response curves fitted per channel, then the best daily split of the weekly money."""
    curves = fit_response_curves(split.spend, split.customers, controls=split.controls, n_boot=60)
    bounds = {name: (0.0, float(split.spend[name].max()) * 2) for name in split.spend.columns}
    return allocate_budget(
        curves, split.weekly / 7, bounds=bounds, value_per_outcome=split.value_per_customer
    )


async def allocate_budget_tool(ctx: ToolContext, args: AllocateBudgetArgs) -> ToolResult:
    """Split a weekly marketing budget across channels by fitted saturating response curves."""
    data = evidence_frame(await ctx.frame(), country=ctx.tenant.country)
    split = prepare(data, args, ctx.tenant.currency)
    plan = await asyncio.to_thread(optimise, split)
    result = present(plan, split, ctx.tenant.currency)
    inputs = {"weekly_total": split.weekly, "channels": list(split.spend.columns)}
    outputs = {"channels": result.table, "expected_lift_per_week": plan.expected_lift * 7}
    result.facts["run_id"] = await store(ctx, "budget", plan.info.status, inputs, outputs)
    return result


def present(plan: BudgetPlan, split: Split, currency: str) -> ToolResult:
    """The split in the owner's words: where the money goes, and how many extra customers it should bring."""
    weekly_customers = float(split.customers.iloc[-28:].sum()) / 4
    lift = plan.expected_lift * 7
    if not within(lift, weekly_customers, what="extra customers a week", of="customers a week"):
        raise ToolError("I could not work out a believable split from your marketing history yet.")
    ranked = sorted(plan.channels, key=lambda c: -c.spend)
    funded = [c for c in ranked if c.spend * 7 >= 0.5]
    headline = (
        "Put "
        + " and ".join(f"{money(c.spend * 7, currency)} a week into {c.channel}" for c in funded[:2])
        + f": about {lift:,.0f} extra customers a week (likely {plan.lift_range[0] * 7:,.0f} to "
        f"{plan.lift_range[1] * 7:,.0f})."
    )
    table = [
        {
            "channel": c.channel,
            "weekly_spend": round(c.spend * 7, 2),
            "extra_customers_per_week": round(c.lift * 7, 1),
            "range": [round(c.lift_low * 7, 1), round(c.lift_high * 7, 1)],
            "next_dollar_customers": round(c.marginal, 4),
            "now_weekly": round(float(split.spend[c.channel].iloc[-28:].sum()) / 4, 2),
        }  # fmt: skip
        for c in ranked
    ]
    notes = [f"I kept {name} at {money(weekly, currency)} a week: it always goes out on the same weekdays, so I "
             "can't tell its effect apart from the day's." for name, weekly in split.held.items()]  # fmt: skip
    chart = bars([c.channel for c in ranked], [c.spend * 7 for c in ranked],
                 title="Recommended weekly spend per channel", unit=currency)  # fmt: skip
    return ToolResult(
        tool="allocate_budget",
        headline=headline,
        facts={
            "currency": currency,
            "weekly_total": round(split.weekly, 2),
            "current_weekly_spend": round(split.current_weekly, 2),
            "extra_customers_per_week": round(lift, 1),
            "customers_per_week": round(weekly_customers),
            "value_per_customer": round(split.value_per_customer, 2),
            "kept": {k: round(v, 2) for k, v in split.held.items()},
        },  # fmt: skip
        table=table,
        notes=notes + plan.explanation.conflicts,
        sources=[
            Source(
                tool="allocate_budget",
                data=data_source("marketing spend and customers", split.customers),
                method="saturating response curves per channel (bootstrap ranges, weekday/weather/price "
                "controls) and a piecewise-linear optimisation; " + " ".join(plan.explanation.explanation),
            )
        ],
        charts=[chart],
    )
