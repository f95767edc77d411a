"""Tenants (businesses) and their users."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKeyConstraint, String, Text, UniqueConstraint, func, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, Identified


class Tenant(Base):
    """A business using the coach. Tenants are named by slug everywhere (``demo-cafe``)."""

    __tablename__ = "tenants"

    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, server_default=func.gen_random_uuid()
    )
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(Text)
    industry: Mapped[str] = mapped_column(Text, server_default="other")
    timezone: Mapped[str] = mapped_column(Text, server_default="UTC")
    currency: Mapped[str] = mapped_column(String(3), server_default="USD")
    country: Mapped[str] = mapped_column(String(2), server_default="US")
    subscription_tier: Mapped[str] = mapped_column(Text, server_default="starter")
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class User(Identified, Base):
    """A person at a tenant who talks to the coach (owner, manager, staff)."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("tenant_id", "slack_user_id"),
        UniqueConstraint("tenant_id", "email"),
    )

    display_name: Mapped[str] = mapped_column(Text, server_default="")
    email: Mapped[str | None] = mapped_column(Text)
    slack_user_id: Mapped[str | None] = mapped_column(Text)
    timezone: Mapped[str | None] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text, server_default="member")  # owner | manager | member
    digest_opt_out: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))


def user_fk(column: str = "user_id") -> ForeignKeyConstraint:
    """A composite foreign key to users within the same tenant."""
    return ForeignKeyConstraint(["tenant_id", column], ["users.tenant_id", "users.id"], ondelete="CASCADE")
