"""What the analytics produced for a tenant: forecasts, optimization runs and the evidence graph."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, Identified, TenantScoped


class ForecastRun(Identified, Base):
    """A stored forecast of one metric."""

    __tablename__ = "forecasts"

    metric: Mapped[str] = mapped_column(Text)
    dimension: Mapped[str] = mapped_column(Text, server_default="")
    horizon: Mapped[int] = mapped_column(Integer)
    freq: Mapped[str] = mapped_column(Text, server_default="D")
    result: Mapped[dict] = mapped_column(JSONB)


class OptimizationRun(Identified, Base):
    """A stored inventory, staffing or budget optimization with its inputs and result."""

    __tablename__ = "optimization_runs"

    kind: Mapped[str] = mapped_column(Text)  # inventory | staffing | budget
    status: Mapped[str] = mapped_column(Text)  # optimal | feasible | infeasible
    inputs: Mapped[dict] = mapped_column(JSONB)
    result: Mapped[dict] = mapped_column(JSONB)


class EvidenceGraph(TenantScoped, Base):
    """The evidence graph of a tenant (nodes and edges as JSON), keyed by a stable id so reruns update it."""

    __tablename__ = "evidence_graph"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    graph_data: Mapped[dict] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
