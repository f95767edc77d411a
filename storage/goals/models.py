"""SMART goals and their check-ins."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, Double, ForeignKeyConstraint, Text, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, Identified
from storage.tenants.models import user_fk


class SmartGoal(Identified, Base):
    """A goal on one metric with a number and a deadline; status created -> in_progress -> completed/archived."""

    __tablename__ = "smart_goals"
    __table_args__ = (user_fk(),)

    user_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, server_default="")
    metric: Mapped[str] = mapped_column(Text)
    dimension: Mapped[str] = mapped_column(Text, server_default="")
    aggregation: Mapped[str] = mapped_column(Text, server_default="total")  # total | level | average
    target_value: Mapped[float] = mapped_column(Double)
    baseline_value: Mapped[float | None] = mapped_column(Double)
    current_value: Mapped[float | None] = mapped_column(Double)
    start_date: Mapped[date] = mapped_column(Date, server_default=func.current_date())
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(Text, server_default="created")
    outlook: Mapped[dict | None] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class GoalCheckin(Identified, Base):
    """A progress reading of a goal at a point in time."""

    __tablename__ = "goal_checkins"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "goal_id"], ["smart_goals.tenant_id", "smart_goals.id"], ondelete="CASCADE"
        ),
    )

    goal_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    value: Mapped[float] = mapped_column(Double)
    probability: Mapped[float | None] = mapped_column(Double)
    note: Mapped[str] = mapped_column(Text, server_default="")
