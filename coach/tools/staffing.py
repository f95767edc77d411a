"""The plan_staffing tool: a week's rota covering forecast footfall at the lowest cost: prepare → solve → present."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import date, timedelta

import numpy as np
import pandas as pd

from analytics.forecast import forecast
from analytics.optimize import (
    Rota,
    StaffingRequest,
    StaffMember,
    hourly_customers,
    obvious_conflicts,
    plan_staffing,
    required_staff,
)
from coach.charts import bars
from coach.format import day_range, money
from coach.periods import resolve_future
from coach.tools.base import ToolError
from coach.tools.context import ToolContext
from coach.tools.data import column_for, data_source
from coach.tools.operations import Operations, operations_for
from coach.tools.optimization import PLANNING_MEMBERS, solver_words, store
from coach.tools.plausible import within
from coach.tools.result import Source, ToolResult
from coach.tools.schemas import PlanStaffingArgs
from storage.catalog.models import Employee
from storage.catalog.service import list_employees

log = logging.getLogger(__name__)
STAFFING_TIME_S = 2.0  # per CP-SAT solve; the rota reports its gap when the limit stops it


def staff_members(employees: list[Employee]) -> list[StaffMember]:
    """The roster as the solver's people (pure)."""
    if not employees:
        raise ToolError(
            "I have no staff roster yet. Add your team (names, roles, wages, availability) first."
        )
    return [
        StaffMember(
            e.name,
            e.role,
            e.hourly_wage,
            e.min_weekly_hours,
            e.max_weekly_hours,
            {int(d): (int(h[0]), int(h[1])) for d, h in e.availability.items()},
            tuple(e.preferences.get("prefers_off", [])),
        )  # fmt: skip
        for e in employees
    ]


def request(
    staff: list[StaffMember], daily: pd.Series, ops: Operations, budget: float | None
) -> StaffingRequest:
    """Staff needed per hour and role from the week's expected customers (pure)."""
    roles = sorted({s.role for s in staff})
    hourly = hourly_customers(daily.to_numpy(), ops.hourly_profile, ops.opening_hours)
    need = required_staff(
        hourly, {r: ops.rate(r) for r in roles}, {r: ops.minimum_staff.get(r, 0) for r in roles}
    )
    for role in roles:  # a role with no minimum crew is needed only when there is half a person's work for it
        if not ops.minimum_staff.get(role):
            need[role] = np.where(np.nan_to_num(hourly) >= 0.5 * ops.rate(role), need[role], 0)
    return StaffingRequest(staff=staff, need=need, labour_budget=budget, time_limit=STAFFING_TIME_S)


def solve(req: StaffingRequest) -> tuple[Rota, list[str]]:
    """The rota and the rules that clash; a week no rota can fully cover is planned with gaps, and says so."""
    conflicts = obvious_conflicts(req)  # cheap checks first: no need to prove what is plain to see
    if not conflicts:
        rota = plan_staffing(req)
        if rota.info.ok:
            return rota, list(rota.explanation.conflicts)
        conflicts = list(rota.explanation.conflicts)
    return plan_staffing(dataclasses.replace(req, allow_understaffing=True)), conflicts


async def plan_staffing_tool(ctx: ToolContext, args: PlanStaffingArgs) -> ToolResult:
    """A week's rota covering forecast footfall at the lowest cost, every hard rule kept."""
    async with ctx.db.tenant_session(ctx.tenant.id) as session:
        staff = staff_members(await list_employees(session=session))
    frame = await ctx.frame()
    customers = column_for(frame, "customers", "")
    start, steps = _week(args, frame.index.max().date(), ctx.today, ctx.tenant.country)
    daily = await asyncio.to_thread(footfall, customers, start, steps, ctx.tenant.country)
    req = request(staff, daily, operations_for(ctx.tenant.industry), args.labour_budget)
    rota, conflicts = await asyncio.to_thread(solve, req)
    answer = present(
        rota,
        conflicts,
        start,
        daily,
        ctx.tenant.currency,
        data_source("customers", customers, "; staff roster"),
    )
    inputs = {"week_start": start.isoformat(), "labour_budget": args.labour_budget,
              "forecast_customers": [round(float(x), 1) for x in daily]}  # fmt: skip
    outputs = {"shifts": answer.table, "cost": rota.cost, "short_hours": answer.facts["uncovered_hours"]}
    answer.facts["run_id"] = await store(ctx, "staffing", rota.info.status, inputs, outputs)
    return answer


def footfall(customers: pd.Series, start: date, steps: int, country: str) -> pd.Series:
    """Expected customers on each day of the week starting ``start``."""
    series = customers.asfreq("D").fillna(0.0)
    result = forecast(
        series, steps, freq="D", holidays=country, members=list(PLANNING_MEMBERS), time_budget=2.0
    )
    return result.point.loc[pd.Timestamp(start) : pd.Timestamp(start + timedelta(days=6))]


def _week(args: PlanStaffingArgs, last: date, today: date, country: str) -> tuple[date, int]:
    """The Monday of the asked week and the days to forecast to its Sunday."""
    week = resolve_future(args.week, today=max(today - timedelta(days=1), last), country=country)
    start = week.start - timedelta(days=week.start.weekday())
    steps = (start + timedelta(days=6) - last).days
    if steps < 1:
        raise ToolError(f"{week.describe()} is already in the past; I plan rotas for coming weeks.")
    return start, steps


def plausible_sentences(rota: Rota) -> list[str]:
    """The rota's explanation without any saving larger than the whole wage bill (withheld and logged)."""
    withheld = [
        key.removeprefix("one more ")
        for key, saving in rota.explanation.shadow.items()
        if key.startswith("one more ") and not within(saving, rota.cost, what=key, of="weekly wages")
    ]
    return [
        s for s in rota.explanation.explanation if not any(s.startswith(f"One more {r} ") for r in withheld)
    ]


def present(
    rota: Rota, conflicts: list[str], start: date, daily: pd.Series, currency: str, data: str
) -> ToolResult:
    """The rota in the owner's words: shifts, hours and wages first, then what is short and what would help."""
    short = int(rota.coverage["short"].sum()) if not rota.coverage.empty else 0
    hours = int(sum(s.hours for s in rota.shifts))
    headline = (
        f"Here is the rota for {day_range(start, start + timedelta(days=6))}: {len(rota.shifts)} shifts, "
        f"{hours} hours, {money(rota.cost, currency)} in wages; "
        + (f"{short} staff-hours are still uncovered." if short else "every needed hour is covered.")
    )
    sentences = plausible_sentences(rota)
    helps = [s for s in sentences if s.startswith("One more ")]
    lacking = rota.coverage[rota.coverage["short"] > 0] if short else rota.coverage.iloc[:0]
    by_role = {
        str(k): int(v) for k, v in lacking.groupby("role")["short"].sum().sort_values(ascending=False).items()
    }
    table = rota.table().to_dict("records")
    by_person = rota.table().groupby("employee")["hours"].sum() if table else pd.Series(dtype=float)
    chart = bars(list(by_person.index), list(by_person.to_numpy()), title="Hours per person", unit="hours")
    return ToolResult(
        tool="plan_staffing",
        headline=headline,
        facts={
            "status": rota.info.status,
            "currency": currency,
            "week_start": start.isoformat(),
            "cost": round(rota.cost, 2),
            "hours": hours,
            "uncovered_hours": short,
            "short_by_role": by_role,
            "expected_customers": [round(float(x)) for x in daily],
        },  # fmt: skip
        table=table,
        notes=helps + [f"Unmet wish: {w}" for w in rota.unmet_wishes] + conflicts[:3],
        sources=[
            Source(
                tool="plan_staffing",
                data=data,
                method="footfall forecast -> staff needed per hour and role -> CP-SAT rota (11 h rest, "
                "shift lengths, days in a row, availability)" + solver_words(rota.info.gap),
            )
        ],
        charts=[chart] if len(by_person) else [],
    )
