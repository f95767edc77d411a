"""Data sources of the session's tenant."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.sources.models import DataSource
from storage.tenancy import current_tenant


async def record_sync(
    *, session: AsyncSession, provider: str, name: str = "default", cursor: dict[str, Any] | None = None
) -> None:
    """Create the source if new and note a successful sync with its cursor."""
    tenant_id = await current_tenant(session)
    now = datetime.now(UTC)
    statement = insert(DataSource).values(
        tenant_id=tenant_id, provider=provider, name=name, cursor=cursor, last_synced_at=now, status="active"
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["tenant_id", "provider", "name"],
            set_={
                "cursor": statement.excluded.cursor,
                "last_synced_at": now,
                "status": "active",
                "error": None,
            },
        )
    )
