"""Storing what the analytics produced for the session's tenant."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.analysis.models import EvidenceGraph, ForecastRun, OptimizationRun
from storage.tenancy import current_tenant


async def save_forecast(
    *, session: AsyncSession, metric: str, dimension: str, horizon: int, freq: str, result: dict[str, Any]
) -> uuid.UUID:
    """Store a forecast; returns its id."""
    run = ForecastRun(
        tenant_id=await current_tenant(session),
        metric=metric,
        dimension=dimension,
        horizon=horizon,
        freq=freq,
        result=result,
    )
    session.add(run)
    await session.flush()
    return run.id


async def save_optimization(
    *, session: AsyncSession, kind: str, status: str, inputs: dict[str, Any], result: dict[str, Any]
) -> uuid.UUID:
    """Store an optimization run with its inputs and result; returns its id."""
    run = OptimizationRun(
        tenant_id=await current_tenant(session), kind=kind, status=status, inputs=inputs, result=result
    )
    session.add(run)
    await session.flush()
    return run.id


async def upsert_evidence_graph(*, session: AsyncSession, graph_id: str, graph: dict[str, Any]) -> None:
    """Create or replace the evidence graph with this stable id."""
    statement = insert(EvidenceGraph).values(
        tenant_id=await current_tenant(session), id=graph_id, graph_data=graph, updated_at=datetime.now(UTC)
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["tenant_id", "id"],
            set_={"graph_data": statement.excluded.graph_data, "updated_at": statement.excluded.updated_at},
        )
    )
