"""Coaching sessions: every turn with the coach, embedded for memory search."""

from __future__ import annotations

import uuid

from pgvector.sqlalchemy import Vector
from sqlalchemy import Index, Integer, Numeric, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, Identified
from storage.tenants.models import user_fk

EMBEDDING_DIM = 384  # all-MiniLM-L6-v2


class CoachingSession(Identified, Base):
    """One question and answer, with provider, latency, cost and the question's embedding."""

    __tablename__ = "coaching_sessions"
    __table_args__ = (
        user_fk(),
        Index(
            "ix_coaching_sessions_embedding",
            "query_embedding",
            postgresql_using="hnsw",
            postgresql_ops={"query_embedding": "vector_cosine_ops"},
        ),
        Index("ix_coaching_sessions_thread", "tenant_id", "thread_key"),
    )

    user_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    channel: Mapped[str] = mapped_column(Text, server_default="cli")  # slack | email | cli
    thread_key: Mapped[str] = mapped_column(Text, server_default="")
    user_query: Mapped[str] = mapped_column(Text)
    query_embedding: Mapped[list[float] | None] = mapped_column(Vector(EMBEDDING_DIM))
    coach_response: Mapped[str] = mapped_column(Text)
    tool_calls: Mapped[list | None] = mapped_column(JSONB)
    llm_provider: Mapped[str] = mapped_column(Text, server_default="")
    tokens: Mapped[int] = mapped_column(Integer, server_default="0")
    response_time_ms: Mapped[int] = mapped_column(Integer, server_default="0")
    cost_usd: Mapped[float] = mapped_column(Numeric(10, 6), server_default="0")
