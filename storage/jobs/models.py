"""Scheduled job runs per tenant (digests, syncs, nudges)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, Identified


class JobRun(Identified, Base):
    """One run of a scheduled job for one tenant."""

    __tablename__ = "job_runs"

    job: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default="running")  # running | ok | failed
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)
