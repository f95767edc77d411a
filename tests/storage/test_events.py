"""Claiming inbound events: once per tenant, even when deliveries race."""

from __future__ import annotations

import asyncio
import uuid

from storage.database import Database
from storage.messaging.events import (
    claim_event,
    finish_event,
    lease_due_events,
    leased_event,
    record_event,
    release_leases,
)
from tests.conftest import new_tenant


async def claim(db: Database, tenant, event_id: str) -> bool:  # type: ignore[no-untyped-def]
    async with db.tenant_session(tenant) as session:
        return await claim_event(session=session, source="slack", event_id=event_id)


async def test_an_event_is_claimed_once_even_when_deliveries_race(db: Database) -> None:
    tenant = await new_tenant(db)
    results = await asyncio.gather(*(claim(db, tenant, "Ev123") for _ in range(8)), return_exceptions=True)
    assert sum(r is True for r in results) == 1
    assert await claim(db, tenant, "Ev123") is False


async def test_the_same_event_id_in_another_tenant_is_its_own_event(db: Database) -> None:
    a, b = await new_tenant(db, "a"), await new_tenant(db, "b")
    assert await claim(db, a, "Ev9") is True
    assert await claim(db, b, "Ev9") is True


async def record(db: Database, tenant, event_id: str) -> bool:  # type: ignore[no-untyped-def]
    async with db.tenant_session(tenant) as session:
        return await record_event(session=session, source="slack", event_id=event_id, payload={"event": {}})


async def lease(db: Database, owner: str, lease_s: float = 30.0) -> list[tuple[uuid.UUID, str]]:
    async with db.app_engine.connect() as connection:
        return await lease_due_events(connection=connection, owner=owner, limit=100, lease_s=lease_s)


async def test_a_recorded_event_is_leased_to_one_worker_until_its_lease_runs_out(db: Database) -> None:
    tenant = await new_tenant(db)
    assert await record(db, tenant, "EvLEASE") is True
    assert await record(db, tenant, "EvLEASE") is False  # Slack's retry

    first = [e for e in await lease(db, "worker-a", lease_s=0.3) if e[0] == tenant]
    meanwhile = [e for e in await lease(db, "worker-b") if e[0] == tenant]
    await asyncio.sleep(0.4)  # worker-a died: its lease runs out
    taken_over = [e for e in await lease(db, "worker-b") if e[0] == tenant]

    assert first == [(tenant, "EvLEASE")] and meanwhile == [] and taken_over == [(tenant, "EvLEASE")]
    async with db.tenant_session(tenant) as session:
        assert (
            await leased_event(session=session, source="slack", event_id="EvLEASE", owner="worker-a") is None
        )
        item = await leased_event(session=session, source="slack", event_id="EvLEASE", owner="worker-b")
        assert item is not None and item.attempts == 2


async def test_handed_back_leases_are_taken_at_once_and_a_finished_event_never_again(db: Database) -> None:
    tenant = await new_tenant(db)
    await record(db, tenant, "EvBACK")
    assert [e for e in await lease(db, "stopping") if e[0] == tenant] == [(tenant, "EvBACK")]
    async with db.app_engine.connect() as connection:
        assert await release_leases(connection=connection, owner="stopping") >= 1

    assert [e for e in await lease(db, "next") if e[0] == tenant] == [(tenant, "EvBACK")]
    async with db.tenant_session(tenant) as session:
        assert (
            await finish_event(session=session, source="slack", event_id="EvBACK", owner="stopping") is False
        )
        assert await finish_event(session=session, source="slack", event_id="EvBACK", owner="next") is True
    assert [e for e in await lease(db, "later", lease_s=0.0) if e[0] == tenant] == []


async def test_another_tenants_session_cannot_read_or_finish_a_recorded_event(db: Database) -> None:
    a, b = await new_tenant(db, "a"), await new_tenant(db, "b")
    await record(db, a, "EvPRIVATE")
    assert [e for e in await lease(db, "w") if e[0] == a] == [(a, "EvPRIVATE")]
    async with db.tenant_session(b) as session:
        assert await leased_event(session=session, source="slack", event_id="EvPRIVATE", owner="w") is None
        assert await finish_event(session=session, source="slack", event_id="EvPRIVATE", owner="w") is False
