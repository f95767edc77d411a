"""SMART goals and check-ins of the session's tenant: create, list, find by an owner's words, update.

Whether a status change is allowed (created -> in_progress -> completed/archived) is decided by
``analytics.goals.transition`` in the caller; storage only refuses statuses that do not exist.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import String, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.goals.models import GoalCheckin, SmartGoal
from storage.tenancy import current_tenant

STATUSES = ("created", "in_progress", "completed", "archived")
ACTIVE = ("created", "in_progress")
AGGREGATIONS = ("total", "level", "average")
_ID_PREFIX = re.compile(r"^[0-9a-f]{4,8}(-[0-9a-f-]*)?$")
_POSITION = re.compile(r"^(?:goal\s*)?(?:#|no\.?\s*|number\s*)?(\d{1,3})(?:st|nd|rd|th)?$")
_FILLER = frozenset({"the", "a", "an", "my", "our", "goal", "goals", "one", "for", "on", "to", "of"})


class GoalNotFound(LookupError):
    """No goal (or more than one) matches; the message lists the candidates."""


@dataclass(frozen=True)
class GoalCreate:
    """What a new goal needs; ``start_date`` defaults to the database's current date."""

    title: str
    metric: str
    target_value: float
    deadline: date
    aggregation: str = "total"
    start_date: date | None = None
    description: str = ""
    dimension: str = ""
    baseline_value: float | None = None
    current_value: float | None = None
    outlook: dict[str, Any] | None = None
    user_id: uuid.UUID | None = None


async def create_goal(*, session: AsyncSession, goal: GoalCreate) -> SmartGoal:
    """Store a new goal (status 'created') for the session's tenant and return it."""
    if goal.aggregation not in AGGREGATIONS:
        raise ValueError(f"aggregation must be one of {', '.join(AGGREGATIONS)}, not {goal.aggregation!r}")
    values = {k: v for k, v in asdict(goal).items() if not (k == "start_date" and v is None)}
    row = SmartGoal(tenant_id=await current_tenant(session), **values)
    session.add(row)
    await session.flush()
    await session.refresh(row)  # server defaults: id, status, start_date, timestamps
    return row


async def list_goals(*, session: AsyncSession, status: str = "active") -> list[SmartGoal]:
    """The tenant's goals with this status ('active' = created or in progress; 'all'), oldest first.

    The order is the numbering owners see ("goal 2"), so it is stable: creation time, deadline, title, id.
    """
    query = select(SmartGoal).order_by(
        SmartGoal.created_at, SmartGoal.deadline, SmartGoal.title, SmartGoal.id
    )
    if status == "active":
        query = query.where(SmartGoal.status.in_(ACTIVE))
    elif status in STATUSES:
        query = query.where(SmartGoal.status == status)
    elif status != "all":
        raise ValueError(f"status must be active, all or one of {', '.join(STATUSES)}, not {status!r}")
    return list((await session.scalars(query)).all())


async def get_goal(*, session: AsyncSession, goal_id: uuid.UUID) -> SmartGoal:
    """The goal with this id, or GoalNotFound."""
    goal = await session.get(SmartGoal, (await current_tenant(session), goal_id))
    if goal is None:
        raise GoalNotFound(f"There is no goal with id {goal_id}.")
    return goal


async def find_goal(*, session: AsyncSession, reference: str) -> SmartGoal:
    """The goal an owner means: its number in the active list, an id prefix, or words of its title."""
    text = " ".join(reference.lower().split()).strip(" .?!")
    active = await list_goals(session=session, status="active")
    position = _POSITION.match(text)
    if position:
        number = int(position.group(1))
        if 1 <= number <= len(active):
            return active[number - 1]
        raise GoalNotFound(f"There is no goal number {number}. {_listing(active)}")
    if _ID_PREFIX.match(text):
        by_id = list(
            (
                await session.scalars(select(SmartGoal).where(cast(SmartGoal.id, String).startswith(text)))
            ).all()
        )
        if len(by_id) == 1:
            return by_id[0]
        if by_id:
            raise GoalNotFound(f"Several goals have an id starting with {text}. {_listing(by_id, 'They')}")
    words = [w for w in re.findall(r"[a-z0-9]+", text) if w not in _FILLER]
    if not words:
        raise GoalNotFound(f"Which goal? {_listing(active)}")
    for pool in (active, await list_goals(session=session, status="all")):
        matches = [g for g in pool if _mentions(g, words)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise GoalNotFound(f"'{reference}' matches several goals. {_listing(matches, 'They')}")
    raise GoalNotFound(f"No goal matches '{reference}'. {_listing(active)}")


async def update_goal(
    *,
    session: AsyncSession,
    goal_id: uuid.UUID,
    status: str | None = None,
    target_value: float | None = None,
    deadline: date | None = None,
    title: str | None = None,
    current_value: float | None = None,
    outlook: dict[str, Any] | None = None,
) -> SmartGoal:
    """Change the given fields of a goal (others stay as they are) and return it."""
    if status is not None and status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    goal = await get_goal(session=session, goal_id=goal_id)
    changes = {
        "status": status, "target_value": target_value, "deadline": deadline, "title": title,
        "current_value": current_value, "outlook": outlook,
    }  # fmt: skip
    for name, value in changes.items():
        if value is not None:
            setattr(goal, name, value)
    goal.updated_at = func.now()
    await session.flush()
    await session.refresh(goal)
    return goal


async def add_checkin(
    *,
    session: AsyncSession,
    goal_id: uuid.UUID,
    value: float,
    probability: float | None = None,
    note: str = "",
) -> GoalCheckin:
    """Record a progress reading of a goal; the goal's current value becomes this reading."""
    goal = await get_goal(session=session, goal_id=goal_id)
    checkin = GoalCheckin(
        tenant_id=goal.tenant_id, goal_id=goal.id, value=value, probability=probability, note=note
    )
    session.add(checkin)
    goal.current_value = value
    goal.updated_at = func.now()
    await session.flush()
    await session.refresh(checkin)
    await session.refresh(goal)
    return checkin


async def list_checkins(*, session: AsyncSession, goal_id: uuid.UUID) -> list[GoalCheckin]:
    """A goal's check-ins, oldest first."""
    query = select(GoalCheckin).where(GoalCheckin.goal_id == goal_id).order_by(GoalCheckin.created_at)
    return list((await session.scalars(query)).all())


def _mentions(goal: SmartGoal, words: list[str]) -> bool:
    haystack = set(re.findall(r"[a-z0-9]+", f"{goal.title} {goal.metric.replace('_', ' ')}".lower()))
    return all(any(h.startswith(w) for h in haystack) for w in words)


def _listing(goals: list[SmartGoal], lead: str = "") -> str:
    if lead:  # candidates: not numbered, since their numbers in the active list may differ
        return f"{lead} are: " + "; ".join(f"{g.title} (id {str(g.id)[:8]}, {g.status})" for g in goals) + "."
    if not goals:
        return "There are no active goals."
    items = "; ".join(f"{i}. {g.title} (id {str(g.id)[:8]})" for i, g in enumerate(goals, 1))
    return f"Your active goals are: {items}."
