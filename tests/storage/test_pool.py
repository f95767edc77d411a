"""A pooled connection never carries one tenant's context into another tenant's request."""

from __future__ import annotations

import asyncio
import uuid

import pandas as pd
from sqlalchemy import text

from storage.database import Database
from storage.metrics.service import upsert_metrics
from tests.conftest import new_tenant, settings_for


def rows(value: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "metric": "revenue",
            "time": pd.date_range("2025-01-01", periods=30, freq="D", tz="UTC"),
            "value": value,
        }
    )


async def test_many_concurrent_tasks_alternating_tenants_on_a_small_pool_never_see_each_other(
    db: Database,
) -> None:
    small = await Database.open(settings_for(db.owner_url, db_pool_size=2), upgrade=False)
    try:
        tenants = [await new_tenant(small, f"p{i}") for i in range(4)]
        for i, tenant in enumerate(tenants):
            async with small.tenant_session(tenant) as session:
                await upsert_metrics(session=session, rows=rows(float(i)), source="test")

        async def request(n: int) -> tuple[uuid.UUID, set[str], set[float], str]:
            tenant = tenants[n % len(tenants)]
            async with small.tenant_session(tenant) as session:
                await asyncio.sleep(0.001 * (n % 3))
                owners = set(
                    (
                        await session.execute(text("SELECT DISTINCT tenant_id::text FROM business_metrics"))
                    ).scalars()
                )
                values = set(
                    (await session.execute(text("SELECT DISTINCT value FROM business_metrics"))).scalars()
                )
                setting = (
                    await session.execute(text("SELECT current_setting('app.current_tenant', true)"))
                ).scalar()
            return tenant, owners, values, setting

        results = await asyncio.gather(*(request(n) for n in range(200)))
    finally:
        await small.close()

    for tenant, owners, values, setting in results:
        index = tenants.index(tenant)
        assert owners == {str(tenant)}
        assert values == {float(index)}
        assert setting == str(tenant)
