"""Answers mailed in reply to inbound email, one row each: what the answer limits count."""

from __future__ import annotations

import uuid

from sqlalchemy import Boolean, Index, Text, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, Identified
from storage.tenants.models import user_fk


class EmailAnswer(Identified, Base):
    """One answer (or could-not-read note) mailed to ``user_id`` because of a reply from ``sender``.

    The reply token is kept only as its SHA-256 (a token is a bearer credential); rows older than the longest
    window are pruned as new ones are written.
    """

    __tablename__ = "email_answers"
    __table_args__ = (user_fk(), Index("ix_email_answers_recent", "tenant_id", "created_at"))

    user_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))  # the token's user: who was answered
    token_hash: Mapped[str] = mapped_column(Text)  # hex SHA-256 of the reply token
    sender: Mapped[str] = mapped_column(Text)  # the address the reply came from, lowercased
    stranger: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))  # sender is not the user
