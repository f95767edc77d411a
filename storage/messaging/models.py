"""The outbox (messages to deliver exactly once) and events already processed (deduplication)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, Text, UniqueConstraint, func, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, Identified, TenantScoped


class OutboxMessage(Identified, Base):
    """An email or Slack message written in the same transaction as its cause, delivered later."""

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("tenant_id", "message_id"),)

    channel: Mapped[str] = mapped_column(Text)  # email | slack
    message_id: Mapped[str] = mapped_column(Text)  # stable id: the email Message-ID or a Slack client_msg_id
    recipient: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text, server_default="")
    payload: Mapped[dict] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(Text, server_default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)


class ProcessedEvent(TenantScoped, Base):
    """An inbound event (Slack event_id, email Message-ID) claimed once, so a retry is not answered twice.

    A Slack message is recorded ``pending`` with its body before Slack gets its acknowledgement, and answered from
    this row under a lease (``lease_owner`` until ``lease_until``, renewed while the answer is written), so a stopped
    or crashed process's work is taken up by the next one; ``reply_ts`` is the placeholder already posted, so a
    half-posted answer is finished in place. ``done`` once the answer is posted (the body is then dropped).
    """

    __tablename__ = "processed_events"
    __table_args__ = (
        Index("ix_processed_events_pending", "lease_until", postgresql_where=text("status = 'pending'")),
    )

    source: Mapped[str] = mapped_column(Text, primary_key=True)  # slack | email
    event_id: Mapped[str] = mapped_column(Text, primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    status: Mapped[str] = mapped_column(Text, server_default="done")  # pending | done | failed
    payload: Mapped[dict | None] = mapped_column(JSONB)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    lease_owner: Mapped[str | None] = mapped_column(Text)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reply_ts: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
