"""The outbox: messages written in the same transaction as their cause, delivered later exactly once.

A row moves ``pending -> sending -> sent`` (or back to ``pending`` with a later ``next_attempt_at`` after a
failure, and to ``failed`` when attempts run out). ``sending`` is a lease: a sender that died while holding it
never finished the SMTP DATA (see ``bot.email.sender``), so an expired lease is safe to take again.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.messaging.models import OutboxMessage, ProcessedEvent
from storage.tenancy import current_tenant

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"


async def enqueue(
    *,
    session: AsyncSession,
    channel: str,
    message_id: str,
    recipient: str,
    subject: str,
    payload: dict[str, Any],
) -> bool:
    """Add a message to deliver; False (and nothing written) when one with this ``message_id`` already exists."""
    statement = (
        insert(OutboxMessage)
        .values(
            tenant_id=await current_tenant(session),
            channel=channel,
            message_id=message_id,
            recipient=recipient,
            subject=subject,
            payload=payload,
        )
        .on_conflict_do_nothing(index_elements=["tenant_id", "message_id"])
        .returning(OutboxMessage.id)
    )
    return (await session.execute(statement)).first() is not None


async def claim_due(
    *, session: AsyncSession, channel: str, now: datetime, lease: timedelta, limit: int = 50
) -> list[OutboxMessage]:
    """Due messages (pending, or ``sending`` with an expired lease), locked and marked ``sending`` until the lease
    ends; rows another sender holds are skipped."""
    statement = (
        select(OutboxMessage)
        .where(
            OutboxMessage.channel == channel,
            OutboxMessage.status.in_((PENDING, SENDING)),
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list((await session.scalars(statement)).all())
    for row in rows:
        row.status = SENDING
        row.attempts += 1
        row.next_attempt_at = now + lease
    await session.flush()
    return rows


async def lock_for_send(*, session: AsyncSession, outbox_id: uuid.UUID) -> OutboxMessage | None:
    """The row, locked, if it is still ours to send (``sending``); None when it was sent or given up meanwhile."""
    row = await session.scalar(select(OutboxMessage).where(OutboxMessage.id == outbox_id).with_for_update())
    return row if row is not None and row.status == SENDING else None


async def mark_sent(*, session: AsyncSession, outbox_id: uuid.UUID, now: datetime) -> None:
    """Record that the message was handed to the relay."""
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id)
        .values(status=SENT, sent_at=now, error=None)
    )


async def mark_retry(
    *, session: AsyncSession, outbox_id: uuid.UUID, error: str, retry_at: datetime | None
) -> None:
    """Put the message back for another attempt at ``retry_at``, or give up (``failed``) when it is None."""
    values: dict[str, Any] = {"error": error[:2000]}
    values |= {"status": PENDING, "next_attempt_at": retry_at} if retry_at else {"status": FAILED}
    await session.execute(update(OutboxMessage).where(OutboxMessage.id == outbox_id).values(**values))


async def get_by_message_id(*, session: AsyncSession, message_id: str) -> OutboxMessage | None:
    """The outbox row with this Message-ID in the session's tenant, or None."""
    return await session.scalar(select(OutboxMessage).where(OutboxMessage.message_id == message_id))


async def is_ours(*, session: AsyncSession, message_ids: list[str]) -> bool:
    """True when any of these Message-IDs is one we sent (a loop: our own mail coming back)."""
    if not message_ids:
        return False
    found = await session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.message_id.in_(message_ids)).limit(1)
    )
    return found is not None


async def count_waiting(*, session: AsyncSession, channel: str) -> int:
    """How many messages of ``channel`` wait to be sent (pending or being sent)."""
    statement = select(func.count()).where(
        OutboxMessage.channel == channel, OutboxMessage.status.in_((PENDING, SENDING))
    )
    return int(await session.scalar(statement) or 0)


async def event_seen(*, session: AsyncSession, source: str, event_id: str) -> bool:
    """True when this inbound event was already handled (a cheap check before work; ``claim_event`` decides)."""
    found = await session.scalar(
        select(ProcessedEvent.event_id).where(
            ProcessedEvent.source == source, ProcessedEvent.event_id == event_id
        )
    )
    return found is not None
