"""Inbound events: claimed once (Slack event ids, email Message-IDs), and Slack messages kept until answered.

A Slack message is recorded with its body before Slack is told it arrived (``record_event``), then answered from
that record under a lease (``lease_due_events`` across tenants, the rest inside the tenant's session), so an
acknowledged message outlives the process that acknowledged it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql import func

from storage.messaging.models import ProcessedEvent
from storage.tenancy import current_tenant

PENDING, DONE, FAILED = "pending", "done", "failed"


@dataclass(frozen=True)
class PendingEvent:
    """A recorded event leased to this worker: its body, how many times it was taken, the placeholder posted."""

    event_id: str
    payload: dict[str, Any]
    attempts: int
    reply_ts: str | None


async def claim_event(*, session: AsyncSession, source: str, event_id: str) -> bool:
    """Record that ``event_id`` from ``source`` is being handled; False if it was already (a retry or duplicate).

    Safe under concurrency: two deliveries racing for the same id get True exactly once.
    """
    return await record_event(session=session, source=source, event_id=event_id, payload=None)


async def record_event(
    *, session: AsyncSession, source: str, event_id: str, payload: dict[str, Any] | None
) -> bool:
    """Record an event: ``pending`` with its body to answer later when ``payload`` is given, else already handled.

    False when ``event_id`` was recorded before (a retry or duplicate); two racing deliveries get True once.
    """
    statement = (
        insert(ProcessedEvent)
        .values(
            tenant_id=await current_tenant(session),
            source=source,
            event_id=event_id,
            payload=payload,
            status=DONE if payload is None else PENDING,
        )
        .on_conflict_do_nothing(index_elements=["tenant_id", "source", "event_id"])
        .returning(ProcessedEvent.event_id)
    )
    return (await session.execute(statement)).first() is not None


async def record_events(
    *, session: AsyncSession, source: str, events: list[tuple[str, dict[str, Any]]]
) -> set[str]:
    """Record many (event id, body) at once, ``pending``, in one statement; the ids that were new (a repeat, in
    the list or from before, is recorded once)."""
    if not events:
        return set()
    tenant = await current_tenant(session)
    rows = [
        {"tenant_id": tenant, "source": source, "event_id": event_id, "payload": payload, "status": PENDING}
        for event_id, payload in dict(reversed(events)).items()  # the first body of a repeated id is kept
    ]
    statement = (
        insert(ProcessedEvent)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["tenant_id", "source", "event_id"])
        .returning(ProcessedEvent.event_id)
    )
    return {str(event_id) for event_id in (await session.scalars(statement)).all()}


async def lease_due_events(
    *, connection: AsyncConnection, owner: str, limit: int, lease_s: float
) -> list[tuple[uuid.UUID, str]]:
    """Lease up to ``limit`` waiting Slack events of any tenant to ``owner`` for ``lease_s`` seconds: (tenant, id).

    The one cross-tenant step (a SECURITY DEFINER function that returns ids only); events leased by a live worker
    are skipped, those whose lease ran out (a crashed or stopped process) are taken again.
    """
    rows = await connection.execute(
        text("SELECT o_tenant_id, o_event_id FROM coach_lease_slack_events(:owner, :limit, :lease)"),
        {"owner": owner, "limit": limit, "lease": lease_s},
    )
    await connection.commit()
    return [(uuid.UUID(str(tenant)), str(event_id)) for tenant, event_id in rows.all()]


async def renew_leases(*, connection: AsyncConnection, owner: str, lease_s: float) -> int:
    """Extend every lease ``owner`` holds by ``lease_s`` seconds from now; how many there were."""
    renewed = await connection.execute(
        text("SELECT coach_renew_slack_leases(:owner, :lease)"), {"owner": owner, "lease": lease_s}
    )
    await connection.commit()
    return int(renewed.scalar_one())


async def release_leases(*, connection: AsyncConnection, owner: str) -> int:
    """Give back every lease ``owner`` holds, so another worker takes those events at once; how many."""
    released = await connection.execute(text("SELECT coach_release_slack_leases(:owner)"), {"owner": owner})
    await connection.commit()
    return int(released.scalar_one())


def _mine(source: str, event_id: str, owner: str) -> Any:
    return (
        (ProcessedEvent.source == source)
        & (ProcessedEvent.event_id == event_id)
        & (ProcessedEvent.status == PENDING)
        & (ProcessedEvent.lease_owner == owner)
    )


async def leased_event(
    *, session: AsyncSession, source: str, event_id: str, owner: str
) -> PendingEvent | None:
    """The event if it is still waiting and ``owner`` holds its lease, else None (done, or taken by another)."""
    row = (
        await session.execute(select(ProcessedEvent).where(_mine(source, event_id, owner)))
    ).scalar_one_or_none()
    if row is None or row.payload is None:
        return None
    return PendingEvent(
        event_id=row.event_id, payload=row.payload, attempts=row.attempts, reply_ts=row.reply_ts
    )


async def note_reply(*, session: AsyncSession, source: str, event_id: str, owner: str, reply_ts: str) -> None:
    """Remember the placeholder posted for an event, so a retry updates it instead of posting another."""
    await session.execute(
        update(ProcessedEvent).where(_mine(source, event_id, owner)).values(reply_ts=reply_ts)
    )


async def finish_event(
    *, session: AsyncSession, source: str, event_id: str, owner: str, status: str = DONE
) -> bool:
    """Mark an event answered (or given up on) and drop its body; False if ``owner`` no longer held it."""
    finished = await session.execute(
        update(ProcessedEvent)
        .where(_mine(source, event_id, owner))
        .values(status=status, payload=None, lease_owner=None, lease_until=None, finished_at=func.now())
        .returning(ProcessedEvent.event_id)
    )
    return finished.first() is not None


async def retry_later(
    *, session: AsyncSession, source: str, event_id: str, owner: str, delay_s: float
) -> None:
    """Give an event back to be taken again after ``delay_s`` seconds (by any worker)."""
    await session.execute(
        update(ProcessedEvent)
        .where(_mine(source, event_id, owner))
        .values(lease_owner=None, lease_until=func.now() + func.make_interval(0, 0, 0, 0, 0, 0, delay_s))
    )
