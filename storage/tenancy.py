"""Which tenant a session belongs to."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def current_tenant(session: AsyncSession) -> uuid.UUID:
    """The tenant the session's transaction is bound to; RuntimeError outside ``tenant_session``."""
    if "tenant_id" in session.info:  # put there by tenant_session: no round trip needed
        return session.info["tenant_id"]
    tenant = (await session.execute(text("SELECT current_setting('app.current_tenant', true)"))).scalar()
    if not tenant:
        raise RuntimeError("This needs a tenant: open it with Database.tenant_session(tenant_id).")
    return uuid.UUID(str(tenant))
