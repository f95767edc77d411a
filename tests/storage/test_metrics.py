"""Bulk metric upsert: COPY into a staging table, merge with ON CONFLICT; re-importing changes nothing."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import text

from storage.database import Database
from storage.metrics.service import list_metrics, load_frame, load_series, upsert_metrics
from tests.conftest import new_tenant, settings_for


def frame(days: int = 60, value: float = 10.0) -> pd.DataFrame:
    times = pd.date_range("2025-03-01", periods=days, freq="D", tz="UTC")
    revenue = pd.DataFrame(
        {"metric": "revenue", "dimension": "", "time": times, "value": value, "unit": "USD"}
    )
    spend = revenue.assign(metric="marketing_spend", dimension="channel:instagram", value=value / 10)
    return pd.concat([revenue, spend], ignore_index=True)


async def test_reimporting_the_same_rows_changes_nothing(db: Database) -> None:
    tenant = await new_tenant(db)
    async with db.tenant_session(tenant) as session:
        first = await upsert_metrics(session=session, rows=frame(), source="csv")
    async with db.tenant_session(tenant) as session:
        xmin_before = (
            await session.execute(text("SELECT sum(xmin::text::bigint) FROM business_metrics"))
        ).scalar()
        again = await upsert_metrics(session=session, rows=frame(), source="csv")
        xmin_after = (
            await session.execute(text("SELECT sum(xmin::text::bigint) FROM business_metrics"))
        ).scalar()
        count = (await session.execute(text("SELECT count(*) FROM business_metrics"))).scalar()
    assert (first.inserted, first.updated) == (120, 0)
    assert (again.inserted, again.updated) == (0, 0)
    assert xmin_before == xmin_after, "an unchanged row must not be rewritten"
    assert count == 120


async def test_changed_values_are_updated_and_new_days_inserted(db: Database) -> None:
    tenant = await new_tenant(db)
    async with db.tenant_session(tenant) as session:
        await upsert_metrics(session=session, rows=frame(days=30), source="csv")
        result = await upsert_metrics(session=session, rows=frame(days=31, value=12.0), source="csv")
        series = await load_series(session=session, metric="revenue")
    assert (result.inserted, result.updated) == (2, 60)
    assert len(series) == 31 and (series == 12.0).all()


async def test_duplicate_rows_within_one_import_keep_the_last(db: Database) -> None:
    tenant = await new_tenant(db)
    rows = pd.concat([frame(days=5, value=1.0), frame(days=5, value=2.0)], ignore_index=True)
    async with db.tenant_session(tenant) as session:
        result = await upsert_metrics(session=session, rows=rows, source="csv")
        series = await load_series(session=session, metric="revenue")
    assert result.inserted == 10
    assert (series == 2.0).all()


async def test_listing_and_loading_metrics(db: Database) -> None:
    tenant = await new_tenant(db)
    async with db.tenant_session(tenant) as session:
        await upsert_metrics(session=session, rows=frame(days=10), source="csv")
        infos = await list_metrics(session=session)
        wide = await load_frame(session=session)
    assert [(i.metric, i.dimension, i.count) for i in infos] == [
        ("marketing_spend", "channel:instagram", 10),
        ("revenue", "", 10),
    ]
    assert list(wide.columns) == ["marketing_spend[channel:instagram]", "revenue"]
    assert wide["revenue"].sum() == pytest.approx(100.0)


async def test_the_wide_frame_keeps_exact_times_in_order_and_leaves_missing_cells_empty(db: Database) -> None:
    tenant = await new_tenant(db)
    times = pd.to_datetime(
        ["2026-03-02 09:30:00.123456", "2026-03-01 00:00:00.000000", "2026-03-03 23:59:59.999999"], utc=True
    )
    rows = pd.DataFrame(
        {
            "metric": ["orders", "orders", "revenue"],
            "dimension": ["", "", ""],
            "time": times,
            "value": [3.0, 1.0, 250.5],
            "unit": "",
        }
    )
    async with db.tenant_session(tenant) as session:
        await upsert_metrics(session=session, rows=rows, source="csv")
        wide = await load_frame(session=session)
        since = await load_frame(session=session, start=times[0].to_pydatetime())
    assert list(wide.index) == sorted(times) and str(wide.index.tz) == "UTC"
    assert wide.loc[times[0], "orders"] == 3.0 and wide.loc[times[2], "revenue"] == 250.5
    assert pd.isna(wide.loc[times[1], "revenue"]) and pd.isna(wide.loc[times[2], "orders"])
    assert list(since.index) == [times[0], times[2]]


async def test_upsert_outside_a_tenant_session_is_refused(db: Database) -> None:
    async with db.app_engine.connect() as conn:
        from sqlalchemy.ext.asyncio import AsyncSession

        session = AsyncSession(bind=conn)
        with pytest.raises(RuntimeError, match="tenant"):
            await upsert_metrics(session=session, rows=frame(days=2), source="csv")


async def test_an_upsert_after_a_rolled_back_one_on_the_same_pooled_connection_still_works(
    db: Database,
) -> None:
    one = await Database.open(settings_for(db.owner_url, db_pool_size=1), upgrade=False)
    try:
        tenant = await new_tenant(one, "rolled-back")
        with pytest.raises(RuntimeError):
            async with one.tenant_session(tenant) as session:
                await upsert_metrics(session=session, rows=frame(days=3), source="csv")
                raise RuntimeError("the import failed half way")
        async with one.tenant_session(tenant) as session:
            result = await upsert_metrics(session=session, rows=frame(days=3), source="csv")
            count = (await session.execute(text("SELECT count(*) FROM business_metrics"))).scalar()
    finally:
        await one.close()
    assert (result.inserted, count) == (6, 6)
