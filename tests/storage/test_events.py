"""Claiming inbound events: once per tenant, even when deliveries race."""

from __future__ import annotations

import asyncio

from storage.database import Database
from storage.messaging.events import claim_event
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
