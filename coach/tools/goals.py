"""The goal tools: create a SMART goal (checked against the forecast), list, update and track progress."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pandas as pd

from analytics.goals import Goal, GoalProgress, check_goal, default_kind, progress, transition
from coach.format import day_range, metric_label, percent, quantity
from coach.periods import deadline as parse_deadline
from coach.tools.base import ToolError
from coach.tools.context import ToolContext
from coach.tools.data import column_for, data_source, resolve_metric
from coach.tools.forecasting import forecast_options
from coach.tools.result import Source, ToolResult
from coach.tools.schemas import CreateGoalArgs, GoalProgressArgs, ListGoalsArgs, UpdateGoalArgs
from storage.goals.models import SmartGoal
from storage.goals.service import GoalCreate, add_checkin, create_goal, find_goal, list_goals, update_goal

GOAL_SOURCE = "smart_goals"


def _row(goal: SmartGoal, currency: str, position: int | None = None) -> dict[str, Any]:
    return {
        "number": position,
        "title": goal.title,
        "metric": goal.metric,
        "target": goal.target_value,
        "target_text": quantity(goal.target_value, goal.metric, currency),
        "kind": goal.aggregation,
        "start": goal.start_date.isoformat(),
        "deadline": goal.deadline.isoformat(),
        "status": goal.status,
        "id": str(goal.id)[:8],
    }


def relative_target(
    series: pd.Series, args: CreateGoalArgs, *, metric: str, today: date, due: date
) -> tuple[float, str]:
    """The goal's number: as given, or (for "up a fifth by spring") the same stretch of days a year earlier, or
    else the stretch just before today, moved by ``change_pct``; with a note saying what it was measured from."""
    if args.target is not None:
        return float(args.target), ""
    if args.change_pct is None:
        raise ToolError("What number should the goal aim for (or by how much should it change)?")
    days = max((due - today).days, 1)
    factor = 1 + args.change_pct / 100
    label = metric_label(metric)
    if default_kind(metric)[0] == "level":
        recent = series.loc[
            pd.Timestamp(today - timedelta(days=28)) : pd.Timestamp(today - timedelta(days=1))
        ]
        if recent.empty:
            raise ToolError(f"I have no {label} for the last 4 weeks to measure the change from.")
        return round(factor * float(recent.mean()), 2), f"Measured from the last 4 weeks' average {label}."
    year = pd.DateOffset(years=1)
    year_ago = series.loc[pd.Timestamp(today) - year : pd.Timestamp(due) - year]
    if len(year_ago) >= 0.9 * days:
        base, source = float(year_ago.sum()), "the same days last year"
    else:
        before = series.loc[
            pd.Timestamp(today - timedelta(days=days)) : pd.Timestamp(today - timedelta(days=1))
        ]
        if len(before) < 0.9 * days:
            raise ToolError(
                f"I do not have {days} days of {label} yet to measure the change from; give a number."
            )
        base, source = float(before.sum()), f"the {days} days before today"
    return round(factor * base, 2), f"The target is {label} from {source}, {percent(args.change_pct / 100)}."


async def create_goal_tool(ctx: ToolContext, args: CreateGoalArgs) -> ToolResult:
    """Check the goal (metric, number, deadline, achievability against the forecast) and store it."""
    metric, dimension = await resolve_metric(ctx, args.metric)
    frame = await ctx.frame()
    series = column_for(frame, metric, dimension)
    due = parse_deadline(args.deadline, today=ctx.today, country=ctx.tenant.country)
    target, baseline_note = relative_target(series, args, metric=metric, today=ctx.today, due=due)
    args = args.model_copy(update={"target": target})
    check = await asyncio.to_thread(
        check_goal,
        series,
        metric=metric,
        target=target,
        deadline=due,
        kind=args.kind,
        today=ctx.today,
        known_metrics=await ctx.known_metrics(),
        forecast_options=forecast_options(ctx),
    )
    if not check.ok:
        raise ToolError(" ".join(check.problems), suggestions=list(check.suggestions))
    currency = ctx.tenant.currency
    title = (
        args.title
        or f"{metric_label(metric).capitalize()} {quantity(target, metric, currency)} by {due:%-d %b %Y}"
    )
    outlook = check.outlook
    async with ctx.db.tenant_session(ctx.tenant.id) as session:
        row = await create_goal(
            session=session,
            goal=GoalCreate(
                title=title,
                metric=metric,
                dimension=dimension,
                target_value=target,
                deadline=due,
                aggregation=check.kind,
                start_date=ctx.today,
                user_id=ctx.user_id,
                outlook=None
                if outlook is None
                else {
                    "label": check.label,
                    "probability": outlook.probability,
                    "expected": outlook.expected,
                    "lower": outlook.lower,
                    "upper": outlook.upper,
                },
            ),
        )
        row = await update_goal(session=session, goal_id=row.id, status=transition(row.status, "in_progress"))
    facts: dict[str, Any] = {
        "goal_id": str(row.id)[:8],
        "title": title,
        "metric": metric,
        "target": target,
        "kind": check.kind,
        "deadline": due.isoformat(),
        "label": check.label,
    }
    if outlook is not None:
        facts |= {
            "probability": round(outlook.probability, 3),
            "expected": round(outlook.expected, 2),
            "low_80": round(outlook.lower, 2),
            "high_80": round(outlook.upper, 2),
        }
    return ToolResult(
        tool="create_goal",
        headline=f"Goal set: {title}. {check.sentence}",
        facts=facts,
        notes=[note for note in (baseline_note, check.kind_reason) if note],
        sources=[
            Source(
                tool="create_goal",
                data=data_source(metric_label(metric), series),
                method="SMART check; chance of success from the forecast distribution (goal_outlook)",
            )
        ],
    )


async def list_goals_tool(ctx: ToolContext, args: ListGoalsArgs) -> ToolResult:
    """The goals with the given status, numbered as the owner can refer to them."""
    async with ctx.db.tenant_session(ctx.tenant.id) as session:
        goals = await list_goals(session=session, status=args.status)
    currency = ctx.tenant.currency
    rows = [_row(g, currency, i) for i, g in enumerate(goals, start=1)]
    if not goals:
        headline = "You have no goals yet. Try: 'set a goal of $90,000 revenue by the end of March'."
    else:
        headline = (
            f"{len(goals)} goal(s): "
            + "; ".join(f"{r['number']}. {r['title']} ({r['status']})" for r in rows)
            + "."
        )
    return ToolResult(
        tool="list_goals",
        headline=headline,
        facts={"count": len(goals)},
        table=rows,
        sources=[Source(tool="list_goals", data=GOAL_SOURCE, method="listing")],
    )


async def update_goal_tool(ctx: ToolContext, args: UpdateGoalArgs) -> ToolResult:
    """Change a goal's status, target or deadline (status moves follow the goal lifecycle)."""
    if args.status is None and args.target is None and args.deadline is None:
        raise ToolError(
            "What should change: the status, the target or the deadline?",
            needs="Should I mark it completed, archive it, or change the target or deadline?",
        )
    due = (
        parse_deadline(args.deadline, today=ctx.today, country=ctx.tenant.country) if args.deadline else None
    )
    async with ctx.db.tenant_session(ctx.tenant.id) as session:
        goal = await find_goal(session=session, reference=args.goal)
        status = transition(goal.status, args.status) if args.status else None
        goal = await update_goal(
            session=session, goal_id=goal.id, status=status, target_value=args.target, deadline=due
        )
    changed = [
        f"status {goal.status}" if args.status else "",
        f"target {quantity(goal.target_value, goal.metric, ctx.tenant.currency)}"
        if args.target is not None
        else "",
        f"deadline {goal.deadline:%-d %b %Y}" if due else "",
    ]
    return ToolResult(
        tool="update_goal",
        headline=f"Updated '{goal.title}': " + ", ".join(c for c in changed if c) + ".",
        facts=_row(goal, ctx.tenant.currency),
        sources=[Source(tool="update_goal", data=GOAL_SOURCE, method="goal lifecycle")],
    )


async def _side_by_side(
    goals: list[SmartGoal], state_of: Callable[[SmartGoal], GoalProgress]
) -> list[GoalProgress]:
    """Each goal's progress in the order of ``goals``, computed in threads (the work is numpy/C and releases the
    GIL). Per metric the furthest deadline goes first: the other goals' forecasts are the first steps of its."""
    leaders: dict[tuple[str, str], SmartGoal] = {}
    for goal in sorted(goals, key=lambda g: g.deadline, reverse=True):
        leaders.setdefault((goal.metric, goal.dimension), goal)
    followers = [g for g in goals if all(g is not lead for lead in leaders.values())]
    done: dict[object, GoalProgress] = {}
    for batch in (list(leaders.values()), followers):
        states = await asyncio.gather(*(asyncio.to_thread(state_of, goal) for goal in batch))
        done.update({goal.id: state for goal, state in zip(batch, states, strict=True)})
    return [done[g.id] for g in goals]


async def goal_progress_tool(ctx: ToolContext, args: GoalProgressArgs) -> ToolResult:
    """Progress, pace and chance of success for one goal or every active goal; a check-in is recorded."""
    async with ctx.db.tenant_session(ctx.tenant.id) as session:
        goals = (
            [await find_goal(session=session, reference=args.goal)]
            if args.goal
            else await list_goals(session=session, status="active")
        )
    if not goals:
        raise ToolError("You have no active goals. Set one first, e.g. 'goal: 2,500 customers in December'.")
    frame = await ctx.frame()
    options = forecast_options(ctx)  # forecast_metric's options: one forecast per metric serves both tools

    def state_of(goal: SmartGoal) -> GoalProgress:
        series = column_for(frame, goal.metric, goal.dimension) if not frame.empty else pd.Series(dtype=float)
        return progress(series, Goal.from_record(goal), today=ctx.today, forecast_options=options)

    states = await _side_by_side(goals, state_of)
    rows, sentences, at_risk = [], [], []
    async with ctx.db.tenant_session(ctx.tenant.id) as session:
        for goal, state in zip(goals, states, strict=True):
            await add_checkin(
                session=session, goal_id=goal.id, value=state.actual, probability=state.probability
            )
            sentences.append(f"{goal.title}: {state.sentence}")
            if state.at_risk:
                at_risk.append(goal.title)
            rows.append(
                {
                    "title": goal.title,
                    "actual": round(state.actual, 2),
                    "actual_text": quantity(state.actual, goal.metric, ctx.tenant.currency),
                    "reached": round(state.fraction_reached, 3),
                    "elapsed": round(state.fraction_elapsed, 3),
                    "probability": round(state.probability, 3),
                    "at_risk": state.at_risk,
                    "suggested_status": state.status_suggestion,
                    "window": day_range(goal.start_date, goal.deadline),
                }
            )
    headline = " ".join(sentences)
    return ToolResult(
        tool="goal_progress",
        headline=headline,
        facts={"goals": len(goals), "at_risk": at_risk},
        table=rows,
        sources=[
            Source(
                tool="goal_progress",
                data=f"{GOAL_SOURCE} and daily metrics to {frame.index.max():%Y-%m-%d}"
                if not frame.empty
                else GOAL_SOURCE,
                method="progress against a straight-line pace; chance of success from the forecast",
            )
        ],
    )
