"""Connected data sources: provider, encrypted credentials and the incremental sync cursor."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, LargeBinary, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, Identified


class DataSource(Identified, Base):
    """One connection of a tenant to a provider (Shopify, Stripe, QuickBooks, ERPNext, CSV, demo)."""

    __tablename__ = "data_sources"
    __table_args__ = (UniqueConstraint("tenant_id", "provider", "name"),)

    provider: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text, server_default="default")
    status: Mapped[str] = mapped_column(Text, server_default="active")
    credentials: Mapped[bytes | None] = mapped_column(LargeBinary)  # encrypted with the secret key
    cursor: Mapped[dict | None] = mapped_column(JSONB)
    last_synced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)
