"""Inbound events already handled (Slack event ids, email Message-IDs), so a retry is never answered twice."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.messaging.models import ProcessedEvent
from storage.tenancy import current_tenant


async def claim_event(*, session: AsyncSession, source: str, event_id: str) -> bool:
    """Record that ``event_id`` from ``source`` is being handled; False if it was already (a retry or duplicate).

    Safe under concurrency: two deliveries racing for the same id get True exactly once.
    """
    statement = (
        insert(ProcessedEvent)
        .values(tenant_id=await current_tenant(session), source=source, event_id=event_id)
        .on_conflict_do_nothing(index_elements=["tenant_id", "source", "event_id"])
        .returning(ProcessedEvent.event_id)
    )
    return (await session.execute(statement)).first() is not None
