"""Goal services: create, list by status, find by an owner's reference, update, check in; tenants stay apart."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import text

from storage.database import Database
from storage.goals.service import (
    GoalCreate,
    GoalNotFound,
    add_checkin,
    create_goal,
    find_goal,
    get_goal,
    list_checkins,
    list_goals,
    update_goal,
)
from tests.conftest import new_tenant


def goal(title: str, metric: str = "revenue", target: float = 1000.0, **extra: object) -> GoalCreate:
    return GoalCreate(title=title, metric=metric, target_value=target, deadline=date(2026, 6, 30), **extra)  # type: ignore[arg-type]


async def tenant_with_goals(db: Database, *titles: str) -> tuple[uuid.UUID, list[uuid.UUID]]:
    tenant = await new_tenant(db, "goals")
    ids = []
    for title in titles:  # one transaction each, so creation order is the numbering
        async with db.tenant_session(tenant) as session:
            ids.append((await create_goal(session=session, goal=goal(title))).id)
    return tenant, ids


async def test_created_goal_has_defaults_and_belongs_to_the_tenant(db: Database) -> None:
    tenant = await new_tenant(db)
    async with db.tenant_session(tenant) as session:
        created = await create_goal(
            session=session, goal=goal("Hit 30k in June", target=30_000, start_date=date(2026, 6, 1))
        )
    assert created.tenant_id == tenant and created.status == "created"
    assert created.aggregation == "total" and created.start_date == date(2026, 6, 1)
    async with db.tenant_session(tenant) as session:
        again = await get_goal(session=session, goal_id=created.id)
    assert (again.title, again.target_value, again.deadline) == ("Hit 30k in June", 30_000, date(2026, 6, 30))


async def test_start_date_defaults_to_today(db: Database) -> None:
    tenant = await new_tenant(db)
    async with db.tenant_session(tenant) as session:
        created = await create_goal(session=session, goal=goal("Orders up", metric="orders"))
        today = (await session.execute(text("SELECT current_date"))).scalar_one()
    assert created.start_date == today


async def test_unknown_aggregation_is_refused(db: Database) -> None:
    tenant = await new_tenant(db)
    async with db.tenant_session(tenant) as session:
        with pytest.raises(ValueError, match="aggregation"):
            await create_goal(session=session, goal=goal("x", aggregation="median"))


async def test_list_goals_filters_by_status(db: Database) -> None:
    tenant, (a, b, c) = await tenant_with_goals(db, "Revenue June", "Orders July", "Ticket size")
    async with db.tenant_session(tenant) as session:
        await update_goal(session=session, goal_id=a, status="in_progress")
        await update_goal(session=session, goal_id=b, status="archived")
        active = await list_goals(session=session)
        archived = await list_goals(session=session, status="archived")
        every = await list_goals(session=session, status="all")
        with pytest.raises(ValueError, match="status"):
            await list_goals(session=session, status="finished")
    assert [g.id for g in active] == [a, c]
    assert [g.id for g in archived] == [b]
    assert [g.id for g in every] == [a, b, c]


async def test_goals_of_another_tenant_are_invisible(db: Database) -> None:
    owner, (goal_id,) = await tenant_with_goals(db, "Secret plan")
    other = await new_tenant(db)
    async with db.tenant_session(other) as session:
        assert await list_goals(session=session, status="all") == []
        with pytest.raises(GoalNotFound):
            await get_goal(session=session, goal_id=goal_id)
        with pytest.raises(GoalNotFound):
            await find_goal(session=session, reference="secret")
    assert owner != other


async def test_find_goal_by_position_in_the_active_list(db: Database) -> None:
    tenant, (a, b, c) = await tenant_with_goals(db, "Revenue June", "Orders July", "Ticket size")
    async with db.tenant_session(tenant) as session:
        await update_goal(session=session, goal_id=a, status="completed")
        assert (await find_goal(session=session, reference="1")).id == b
        assert (await find_goal(session=session, reference="#2")).id == c
        assert (await find_goal(session=session, reference="goal 2")).id == c
        with pytest.raises(GoalNotFound, match=r"no goal number 3.*1\. Orders July.*2\. Ticket size"):
            await find_goal(session=session, reference="3")


async def test_find_goal_by_id_prefix(db: Database) -> None:
    tenant, (a, b) = await tenant_with_goals(db, "Revenue June", "Orders July")
    async with db.tenant_session(tenant) as session:
        found = await find_goal(session=session, reference=str(b)[:8])
        full = await find_goal(session=session, reference=str(a))
    assert (found.id, full.id) == (b, a)


async def test_find_goal_by_title_words(db: Database) -> None:
    tenant, (a, b, c) = await tenant_with_goals(db, "Revenue June", "Revenue July", "Average ticket size")
    async with db.tenant_session(tenant) as session:
        assert (await find_goal(session=session, reference="the July revenue goal")).id == b
        assert (await find_goal(session=session, reference="ticket")).id == c
        with pytest.raises(GoalNotFound, match=r"several goals.*Revenue June.*Revenue July"):
            await find_goal(session=session, reference="revenue")
        with pytest.raises(GoalNotFound, match=r"No goal matches 'footfall'.*1\. Revenue June"):
            await find_goal(session=session, reference="footfall")
    assert a != b


async def test_find_goal_falls_back_to_finished_goals(db: Database) -> None:
    tenant, (a, _b) = await tenant_with_goals(db, "Winter sale", "Spring menu")
    async with db.tenant_session(tenant) as session:
        await update_goal(session=session, goal_id=a, status="archived")
        found = await find_goal(session=session, reference="winter")
    assert found.id == a and found.status == "archived"


async def test_update_changes_only_the_given_fields(db: Database) -> None:
    tenant, (goal_id,) = await tenant_with_goals(db, "Revenue June")
    async with db.tenant_session(tenant) as session:
        before = await get_goal(session=session, goal_id=goal_id)
        stamp = before.updated_at
    async with db.tenant_session(tenant) as session:
        updated = await update_goal(
            session=session, goal_id=goal_id, target_value=1500.0, outlook={"probability": 0.4}
        )
    assert updated.target_value == 1500.0 and updated.outlook == {"probability": 0.4}
    assert updated.deadline == date(2026, 6, 30) and updated.status == "created"
    assert updated.updated_at > stamp
    async with db.tenant_session(tenant) as session:
        with pytest.raises(ValueError, match="status"):
            await update_goal(session=session, goal_id=goal_id, status="done")
        with pytest.raises(GoalNotFound):
            await update_goal(session=session, goal_id=uuid.uuid4(), status="archived")


async def test_checkins_are_recorded_and_move_the_current_value(db: Database) -> None:
    tenant, (goal_id,) = await tenant_with_goals(db, "Revenue June")
    async with db.tenant_session(tenant) as session:
        first = await add_checkin(session=session, goal_id=goal_id, value=250.0, probability=0.7)
    async with db.tenant_session(tenant) as session:
        await add_checkin(session=session, goal_id=goal_id, value=600.0, note="good week")
        checkins = await list_checkins(session=session, goal_id=goal_id)
        current = (await get_goal(session=session, goal_id=goal_id)).current_value
    assert [(c.value, c.probability, c.note) for c in checkins] == [
        (250.0, 0.7, ""),
        (600.0, None, "good week"),
    ]
    assert checkins[0].id == first.id
    assert current == 600.0


async def test_nothing_is_committed_when_the_caller_fails(db: Database) -> None:
    tenant = await new_tenant(db)
    with pytest.raises(RuntimeError):
        async with db.tenant_session(tenant) as session:
            await create_goal(session=session, goal=goal("Doomed"))
            raise RuntimeError("the turn failed after the goal was written")
    async with db.tenant_session(tenant) as session:
        assert await list_goals(session=session, status="all") == []
