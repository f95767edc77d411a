"""The optimize_inventory, plan_staffing and allocate_budget tools: orders, rotas and ad budgets, explained."""

from __future__ import annotations

import asyncio
import dataclasses
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import numpy as np
import pandas as pd

from analytics.forecast import forecast
from analytics.optimize import (
    DemandForecast,
    InventoryItem,
    StaffingRequest,
    StaffMember,
    allocate_budget,
    fit_response_curves,
    hourly_customers,
    obvious_conflicts,
    optimize_inventory,
    plan_staffing,
    required_staff,
)
from coach.charts import bars
from coach.format import day_range, money
from coach.periods import resolve_future
from coach.tools.base import ToolError
from coach.tools.context import ToolContext
from coach.tools.data import column_for, data_source
from coach.tools.frames import evidence_frame
from coach.tools.operations import operations_for
from coach.tools.result import Source, ToolResult
from coach.tools.schemas import AllocateBudgetArgs, OptimizeInventoryArgs, PlanStaffingArgs
from storage.analysis.service import save_optimization
from storage.catalog.models import Product
from storage.catalog.service import list_employees, list_products

HOLDING_RATE_PER_DAY = 0.25 / 365  # a quarter of the unit cost per year of keeping stock
SAMPLES = 2000
# Planning inputs use the two cheapest members (with calibrated intervals): an order or rota answer must come in
# seconds, and for a 1-2 week horizon they lose little against the full ensemble.
PLANNING_MEMBERS = ("seasonal_naive", "ets")
STAFFING_TIME_S = 2.0  # per CP-SAT solve; the rota reports its gap when the limit stops it


async def _store(ctx: ToolContext, kind: str, status: str, inputs: dict, result: dict) -> str:
    async with ctx.db.tenant_session(ctx.tenant.id) as session:
        return str(
            await save_optimization(session=session, kind=kind, status=status, inputs=inputs, result=result)
        )


def _demand(series: pd.Series, days: int, country: str) -> DemandForecast:
    """Demand over the next ``days`` as a distribution, from forecast sample paths."""
    result = forecast(
        series.asfreq("D").fillna(0.0),
        days,
        freq="D",
        holidays=country,
        members=list(PLANNING_MEMBERS),
        time_budget=2.0,
    )
    totals = result.sample_paths(SAMPLES).sum(axis=1).clip(lower=0).round()
    return DemandForecast.from_samples(totals.to_numpy())


async def optimize_inventory_tool(ctx: ToolContext, args: OptimizeInventoryArgs) -> ToolResult:
    """Order quantities per product for the next review period, within budget, with service levels."""
    async with ctx.db.tenant_session(ctx.tenant.id) as session:
        products = await list_products(session=session)
    if args.skus:
        wanted = {s.lower() for s in args.skus}
        products = [p for p in products if p.sku.lower() in wanted or p.name.lower() in wanted]
    if not products:
        raise ToolError("I have no products to reorder. Connect your shop or stock data first.")
    frame = await ctx.frame()
    if args.service_level is not None and not 0.5 <= args.service_level < 1:
        raise ToolError("The service level is a chance of not running out, between 50% and 99.9%.")

    def build(p: Product) -> InventoryItem:
        sold = column_for(frame, "units_sold", f"sku:{p.sku}")
        stock = frame.get(f"stock_on_hand[sku:{p.sku}]")
        on_hand = float(stock.dropna().iloc[-1]) if stock is not None and stock.notna().any() else 0.0
        perishable = p.shelf_life_days is not None and p.shelf_life_days <= 3
        days = max(p.lead_time_days, 1) + (1 if perishable else args.review_days)
        return InventoryItem(
            sku=p.sku,
            name=p.name,
            demand=_demand(sold.iloc[-365:], days, ctx.tenant.country),
            unit_cost=p.unit_cost,
            price=p.price,
            on_hand=0.0 if perishable else on_hand,
            holding_cost=p.unit_cost * HOLDING_RATE_PER_DAY * days,
            shelf_life_days=float(p.shelf_life_days) if p.shelf_life_days else None,
            case_pack=p.case_pack,
            min_order_qty=p.min_order_qty,
            supplier=p.supplier,
            service_level=args.service_level,
        )

    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=2) as pool:
        items = list(await asyncio.gather(*(loop.run_in_executor(pool, build, p) for p in products)))
    plan = await asyncio.to_thread(
        optimize_inventory, items, budget=args.budget, review_days=args.review_days
    )
    currency = ctx.tenant.currency
    ordered = [o for o in plan.orders if o.quantity > 0]
    if not plan.info.ok:
        headline = "No order plan follows every rule: " + " ".join(plan.explanation.conflicts)
    else:
        headline = (
            f"Order {len(ordered)} of {len(plan.orders)} products now for {money(plan.cash_needed, currency)}"
            f" in total; expected in-stock chance {plan.in_stock:.0%} and profit "
            f"{money(plan.expected_profit, currency)} over the period."
        )
    table = [
        {
            "sku": o.sku,
            "name": o.name,
            "supplier": o.supplier,
            "order_units": o.quantity,
            "cases": o.cases,
            "cost": round(o.cost, 2),
            "in_stock_chance": round(o.in_stock, 3),
            "note": o.note,
        }
        for o in plan.orders
    ]
    run_id = await _store(
        ctx,
        "inventory",
        plan.info.status,
        {
            "budget": args.budget,
            "service_level": args.service_level,
            "review_days": args.review_days,
            "skus": [p.sku for p in products],
        },
        {
            "orders": table,
            "cash_needed": plan.cash_needed,
            "expected_profit": plan.expected_profit,
            "gap": plan.info.gap,
        },
    )
    chart = (
        bars(
            [o.name or o.sku for o in ordered[:12]],
            [o.cost for o in ordered[:12]],
            title="What to order (cost per product)",
            unit=currency,
        )
        if ordered
        else None
    )
    return ToolResult(
        tool="optimize_inventory",
        ok=True,
        headline=headline,
        facts={
            "status": plan.info.status,
            "cash_needed": round(plan.cash_needed, 2),
            "expected_profit": round(plan.expected_profit, 2),
            "in_stock": round(plan.in_stock, 3),
            "fill_rate": round(plan.fill_rate, 3),
            "binding": plan.explanation.binding,
            "by_supplier": {k: round(v, 2) for k, v in plan.by_supplier.items()},
            "run_id": run_id,
        },
        table=table,
        notes=plan.explanation.explanation + plan.explanation.conflicts,
        sources=[
            Source(
                tool="optimize_inventory",
                data=f"products catalogue and daily units sold per product (to {frame.index.max():%Y-%m-%d})",
                method="per-product demand distributions from the forecast ensemble; mixed-integer "
                "optimisation of expected profit (HiGHS)" + _gap(plan.info.gap),
            )
        ],
        charts=[chart] if chart else [],
    )


def weekday_locked(spend: pd.Series, threshold: float = 0.9) -> bool:
    """True when a channel's spend is (almost) fixed by the day of the week, like a newsletter sent every Tuesday.

    Its effect then cannot be told apart from that weekday's, so no response curve can be fitted for it.
    """
    total = float(((spend - spend.mean()) ** 2).sum())
    if total == 0:
        return True
    by_day = spend.groupby(spend.index.dayofweek).transform("mean")
    return 1 - float(((spend - by_day) ** 2).sum()) / total >= threshold


def _gap(gap: float) -> str:
    return f"; within {gap:.1%} of the best possible" if np.isfinite(gap) and gap > 0 else "; proven optimal"


async def plan_staffing_tool(ctx: ToolContext, args: PlanStaffingArgs) -> ToolResult:
    """A week's rota covering forecast footfall at the lowest cost, every hard rule kept."""
    async with ctx.db.tenant_session(ctx.tenant.id) as session:
        employees = await list_employees(session=session)
    if not employees:
        raise ToolError(
            "I have no staff roster yet. Add your team (names, roles, wages, availability) first."
        )
    frame = await ctx.frame()
    last = frame.index.max().date()
    week = resolve_future(args.week, today=max(ctx.today - timedelta(days=1), last))
    start = week.start - timedelta(days=week.start.weekday())
    ops = operations_for(ctx.tenant.industry)
    customers = column_for(frame, "customers", "")
    steps = (start + timedelta(days=6) - last).days
    if steps < 1:
        raise ToolError(f"{week.describe()} is already in the past; I plan rotas for coming weeks.")
    result = await asyncio.to_thread(
        forecast,
        customers.asfreq("D").fillna(0.0),
        steps,
        freq="D",
        holidays=ctx.tenant.country,
        members=list(PLANNING_MEMBERS),
        time_budget=2.0,
    )
    daily = result.point.loc[pd.Timestamp(start) : pd.Timestamp(start + timedelta(days=6))]
    staff = [
        StaffMember(
            e.name,
            e.role,
            e.hourly_wage,
            e.min_weekly_hours,
            e.max_weekly_hours,
            {int(d): (int(h[0]), int(h[1])) for d, h in e.availability.items()},
            tuple(e.preferences.get("prefers_off", [])),
        )
        for e in employees
    ]
    roles = sorted({s.role for s in staff})
    hourly = hourly_customers(daily.to_numpy(), ops.hourly_profile, ops.opening_hours)
    need = required_staff(
        hourly, {r: ops.rate(r) for r in roles}, {r: ops.minimum_staff.get(r, 0) for r in roles}
    )
    for role in roles:  # a role with no minimum crew is needed only when there is half a person's work for it
        if not ops.minimum_staff.get(role):
            need[role] = np.where(np.nan_to_num(hourly) >= 0.5 * ops.rate(role), need[role], 0)
    request = StaffingRequest(
        staff=staff, need=need, labour_budget=args.labour_budget, time_limit=STAFFING_TIME_S
    )
    conflicts = obvious_conflicts(request)  # cheap checks first: no need to prove what is plain to see
    if conflicts:
        rota = await asyncio.to_thread(plan_staffing, dataclasses.replace(request, allow_understaffing=True))
    else:
        rota = await asyncio.to_thread(plan_staffing, request)
        conflicts = list(rota.explanation.conflicts)
        if not rota.info.ok:
            rota = await asyncio.to_thread(
                plan_staffing, dataclasses.replace(request, allow_understaffing=True)
            )
    currency = ctx.tenant.currency
    short = rota.coverage[rota.coverage["short"] > 0] if not rota.coverage.empty else rota.coverage
    headline = (
        f"Rota for the week of {day_range(start, start + timedelta(days=6))}: {len(rota.shifts)} shifts, "
        f"{sum(s.hours for s in rota.shifts)} hours, wages {money(rota.cost, currency)}"
        + (
            f"; {int(short['short'].sum())} staff-hours could not be covered."
            if len(short)
            else "; every needed hour is covered."
        )
    )
    table = rota.table().to_dict("records")
    run_id = await _store(
        ctx,
        "staffing",
        rota.info.status,
        {
            "week_start": start.isoformat(),
            "labour_budget": args.labour_budget,
            "forecast_customers": [round(float(x), 1) for x in daily],
        },
        {"shifts": table, "cost": rota.cost, "short_hours": int(short["short"].sum()) if len(short) else 0},
    )
    by_person = rota.table().groupby("employee")["hours"].sum() if table else pd.Series(dtype=float)
    chart = (
        bars(list(by_person.index), list(by_person.to_numpy()), title="Hours per person", unit="hours")
        if len(by_person)
        else None
    )
    return ToolResult(
        tool="plan_staffing",
        headline=headline,
        facts={
            "status": rota.info.status,
            "week_start": start.isoformat(),
            "cost": round(rota.cost, 2),
            "hours": int(sum(s.hours for s in rota.shifts)),
            "uncovered_hours": int(short["short"].sum()) if len(short) else 0,
            "expected_customers": [round(float(x)) for x in daily],
            "run_id": run_id,
        },
        table=table,
        notes=conflicts + rota.explanation.explanation + rota.unmet_wishes,
        sources=[
            Source(
                tool="plan_staffing",
                data=data_source("customers", customers, "; staff roster"),
                method="footfall forecast -> staff needed per hour and role -> CP-SAT rota (11 h rest, "
                "shift lengths, days in a row, availability)" + _gap(rota.info.gap),
            )
        ],
        charts=[chart] if chart else [],
    )


async def allocate_budget_tool(ctx: ToolContext, args: AllocateBudgetArgs) -> ToolResult:
    """Split a weekly marketing budget across channels by fitted saturating response curves."""
    frame = await ctx.frame()
    data = evidence_frame(frame, country=ctx.tenant.country)
    channels = [c for c in data.columns if c.startswith("marketing_")]
    if args.channels:
        channels = [c for c in channels if c.removeprefix("marketing_") in {x.lower() for x in args.channels}]
    if not channels or "customers" not in data.columns:
        raise ToolError("I need daily marketing spend per channel and customer counts to split a budget.")
    recent = data.iloc[-365:]
    recent = recent[recent["closed"] == 0]
    current_weekly = float(recent[channels].iloc[-28:].sum().sum()) / 4
    total = args.total if args.total is not None else current_weekly
    if total <= 0:
        raise ToolError("The marketing budget must be more than zero.")
    controls = pd.get_dummies(recent.index.dayofweek, prefix="dow", drop_first=True, dtype=float)
    controls.index = recent.index
    for extra in ("is_holiday", "price_index"):
        if extra in recent.columns:
            controls[extra] = recent[extra]
    if "rain_mm" in recent.columns:
        controls["rainy"] = (recent["rain_mm"] > 1).astype(float)
    spend = recent[channels].rename(columns=lambda c: c.removeprefix("marketing_"))
    locked = [name for name in spend.columns if weekday_locked(spend[name])]
    held = {name: float(spend[name].iloc[-28:].sum()) / 4 for name in locked}  # weekly, kept as it is
    spend = spend.drop(columns=locked)
    if spend.empty:
        raise ToolError(
            "Every channel's spend always falls on the same weekdays, so I can't tell their effects "
            "apart from the day of the week."
        )
    total -= sum(held.values())
    if total <= 0:
        raise ToolError(
            "The budget does not cover the channels I have to keep as they are: "
            + ", ".join(f"{k} {money(v, ctx.tenant.currency)}/week" for k, v in held.items())
            + "."
        )
    curves = await asyncio.to_thread(
        fit_response_curves, spend, recent["customers"], controls=controls, n_boot=60
    )
    bounds = {name: (0.0, float(spend[name].max()) * 2) for name in spend.columns}
    margin = 1 - float(recent["cogs"].sum() / recent["revenue"].sum()) if "cogs" in recent else 0.6
    value = float(recent["revenue"].sum() / recent["customers"].sum()) * margin
    plan = await asyncio.to_thread(allocate_budget, curves, total / 7, bounds=bounds, value_per_outcome=value)
    currency = ctx.tenant.currency
    headline = (
        f"Best split of {money(total, currency)} a week: "
        + ", ".join(f"{c.channel} {money(c.spend * 7, currency)}" for c in plan.channels)
        + f"; about {plan.expected_lift * 7:,.0f} extra customers a week (range "
        f"{plan.lift_range[0] * 7:,.0f}-{plan.lift_range[1] * 7:,.0f})"
        + "".join(f"; {name} kept at {money(weekly, currency)}" for name, weekly in held.items())
        + "."
    )
    table = [
        {
            "channel": c.channel,
            "weekly_spend": round(c.spend * 7, 2),
            "extra_customers_per_week": round(c.lift * 7, 1),
            "range": [round(c.lift_low * 7, 1), round(c.lift_high * 7, 1)],
            "next_dollar_customers": round(c.marginal, 4),
            "now_weekly": round(float(spend[c.channel].iloc[-28:].sum()) / 4, 2),
        }
        for c in plan.channels
    ]
    run_id = await _store(
        ctx,
        "budget",
        plan.info.status,
        {"weekly_total": total, "channels": list(spend.columns)},
        {"channels": table, "expected_lift_per_week": plan.expected_lift * 7},
    )
    return ToolResult(
        tool="allocate_budget",
        headline=headline,
        facts={
            "weekly_total": round(total, 2),
            "current_weekly_spend": round(current_weekly, 2),
            "extra_customers_per_week": round(plan.expected_lift * 7, 1),
            "value_per_customer": round(value, 2),
            "run_id": run_id,
        },
        table=table,
        notes=[
            f"{name} spend always falls on the same weekdays, so its effect can't be told apart from the day of the "
            f"week; I kept it at {money(weekly, currency)} a week."
            for name, weekly in held.items()
        ]
        + plan.explanation.explanation
        + plan.explanation.conflicts,
        sources=[
            Source(
                tool="allocate_budget",
                data=data_source("marketing spend and customers", recent["customers"]),
                method="saturating response curves per channel (bootstrap ranges, weekday/weather/price "
                "controls) and a piecewise-linear optimisation",
            )
        ],
        charts=[
            bars(
                [c.channel for c in plan.channels],
                [c.spend * 7 for c in plan.channels],
                title="Recommended weekly spend per channel",
                unit=currency,
            )
        ],
    )
