"""Limits on answering inbound email, per reply token, per sender and for strangers, in the session's tenant.

The windows slide (the last hour, the last day) on the database's clock, so every instance counts the same
rows; ``take_answer`` holds a transaction lock per tenant while it counts and records, so deliveries racing on
several instances cannot overshoot a limit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.email.models import EmailAnswer
from storage.tenancy import current_tenant

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
KEEP = timedelta(days=2)  # longer than the longest window
_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")


@dataclass(frozen=True)
class AnswerLimits:
    """How many answers may go out: per reply token and per sender in an hour, to strangers per user in a day."""

    per_token_hour: int
    per_sender_hour: int
    stranger_day: int


@dataclass(frozen=True)
class AnswerAsk:
    """What one answer would count against: the token (hashed), the sender, the user answered, a stranger or not."""

    token_hash: str
    sender: str
    user_id: uuid.UUID
    stranger: bool


async def _count(session: AsyncSession, window: timedelta, *conditions: ColumnElement[bool]) -> int:
    statement = select(func.count()).where(EmailAnswer.created_at > func.now() - window, *conditions)
    return int(await session.scalar(statement) or 0)


async def answer_refusal(*, session: AsyncSession, ask: AnswerAsk, limits: AnswerLimits) -> str | None:
    """Which limit answering ``ask`` now would pass ("per token", "per sender", "stranger"), or None."""
    if await _count(session, HOUR, EmailAnswer.token_hash == ask.token_hash) >= limits.per_token_hour:
        return f"per token: {limits.per_token_hour} answers an hour"
    if await _count(session, HOUR, EmailAnswer.sender == ask.sender) >= limits.per_sender_hour:
        return f"per sender: {limits.per_sender_hour} answers an hour"
    if ask.stranger and (
        await _count(session, DAY, EmailAnswer.user_id == ask.user_id, EmailAnswer.stranger.is_(True))
        >= limits.stranger_day
    ):
        return f"stranger: {limits.stranger_day} answers a day to mail from other addresses"
    return None


async def take_answer(*, session: AsyncSession, ask: AnswerAsk, limits: AnswerLimits) -> str | None:
    """Record one answer and return None when it is within every limit; else the limit (nothing recorded)."""
    tenant = await current_tenant(session)
    await session.execute(_LOCK, {"key": f"email-answers:{tenant}"})
    refusal = await answer_refusal(session=session, ask=ask, limits=limits)
    if refusal is not None:
        return refusal
    await session.execute(delete(EmailAnswer).where(EmailAnswer.created_at < func.now() - KEEP))
    session.add(
        EmailAnswer(
            tenant_id=tenant,
            user_id=ask.user_id,
            token_hash=ask.token_hash,
            sender=ask.sender,
            stranger=ask.stranger,
        )
    )
    await session.flush()
    return None
