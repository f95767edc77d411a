"""Coaching turns of the session's tenant: record them, read a thread back, search them by meaning."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.coaching.models import CoachingSession
from storage.tenancy import current_tenant


@dataclass(frozen=True)
class PastTurn:
    """A question and answer from before, with how similar it is to a search (1 = same meaning)."""

    id: uuid.UUID
    created_at: datetime
    channel: str
    thread_key: str
    question: str
    answer: str
    similarity: float | None = None
    tool_calls: tuple[dict[str, Any], ...] = ()  # what the coach called to answer: [{"name", "args", "ok"}]


async def record_turn(
    *,
    session: AsyncSession,
    user_id: uuid.UUID | None,
    channel: str,
    thread_key: str,
    question: str,
    answer: str,
    embedding: list[float] | None,
    tool_calls: list[dict[str, Any]],
    provider: str,
    tokens: int,
    latency_ms: int,
    cost_usd: float,
) -> uuid.UUID:
    """Store one turn; returns its id."""
    turn = CoachingSession(
        tenant_id=await current_tenant(session),
        user_id=user_id,
        channel=channel,
        thread_key=thread_key,
        user_query=question,
        query_embedding=embedding,
        coach_response=answer,
        tool_calls=tool_calls,
        llm_provider=provider,
        tokens=tokens,
        response_time_ms=latency_ms,
        cost_usd=cost_usd,
    )
    session.add(turn)
    await session.flush()
    return turn.id


async def thread_history(*, session: AsyncSession, thread_key: str, limit: int = 10) -> list[PastTurn]:
    """The last ``limit`` turns of a thread, oldest first."""
    rows = (
        await session.scalars(
            select(CoachingSession)
            .where(CoachingSession.thread_key == thread_key)
            .order_by(CoachingSession.created_at.desc())
            .limit(limit)
        )
    ).all()
    return [_past(r) for r in reversed(rows)]


async def search_turns(
    *, session: AsyncSession, embedding: list[float], limit: int = 5, min_similarity: float = 0.3
) -> list[PastTurn]:
    """Past turns closest in meaning to ``embedding`` (cosine, HNSW index), most similar first."""
    distance = CoachingSession.query_embedding.cosine_distance(embedding)
    rows = (
        await session.execute(
            select(CoachingSession, (1 - distance).label("similarity"))
            .where(CoachingSession.query_embedding.is_not(None))
            .order_by(distance)
            .limit(limit)
        )
    ).all()
    return [_past(r[0], float(r[1])) for r in rows if float(r[1]) >= min_similarity]


async def spend_this_month(*, session: AsyncSession, timezone: str = "UTC") -> float:
    """What the tenant's turns cost in cloud LLM fees since the first of this month in ``timezone`` (the
    business's own: its budget month starts at its midnight)."""
    start = datetime.now(ZoneInfo(timezone)).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    total = await session.scalar(
        select(func.coalesce(func.sum(CoachingSession.cost_usd), 0)).where(
            CoachingSession.created_at >= start
        )
    )
    return float(total or 0)


async def set_search_effort(*, session: AsyncSession, ef_search: int = 80) -> None:
    """Widen the HNSW search for this transaction (more candidates survive the tenant filter)."""
    await session.execute(text(f"SET LOCAL hnsw.ef_search = {int(ef_search)}"))


def _past(row: CoachingSession, similarity: float | None = None) -> PastTurn:
    return PastTurn(
        row.id,
        row.created_at,
        row.channel,
        row.thread_key,
        row.user_query,
        row.coach_response,
        similarity,
        tuple(call for call in row.tool_calls or () if isinstance(call, dict)),
    )
