"""Writing the demo businesses into the database (idempotent: seeding again changes nothing already there)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd

from connectors.datasets import online_retail
from connectors.demo.generator import DemoBusiness, generate, metric_rows
from connectors.demo.model import BusinessProfile
from storage.catalog.service import replace_employees, upsert_products
from storage.database import Database
from storage.metrics.service import upsert_metrics
from storage.sources.service import record_sync

Progress = Callable[[int], None]  # called with the number of rows just written
CHUNK_ROWS = 20_000
ONLINE_RETAIL_SLUG = "online-retail"


@dataclass(frozen=True)
class SeedResult:
    """What seeding one tenant did."""

    slug: str
    tenant_id: uuid.UUID
    rows: int
    inserted: int
    updated: int


def demo_row_count(profile: BusinessProfile, *, end: date | None = None) -> int:
    """How many metric rows seeding this profile writes (for progress bars)."""
    return len(metric_rows(generate(profile, end=end)))


async def seed_profile(
    db: Database, profile: BusinessProfile, *, end: date | None = None, progress: Progress | None = None
) -> SeedResult:
    """Create the demo tenant if needed and write its catalog, roster and two years of daily metrics."""
    business: DemoBusiness = generate(profile, end=end)
    tenant_id = await db.system.ensure_tenant(
        slug=profile.slug,
        name=profile.name,
        industry=profile.industry,
        timezone=profile.timezone,
        currency=profile.currency,
        country=profile.country,
    )
    async with db.tenant_session(tenant_id) as session:
        await upsert_products(session=session, products=[_product(s) for s in profile.skus])
        await replace_employees(session=session, employees=[_employee(e) for e in profile.staff])
    rows = metric_rows(business)
    inserted, updated = await _write(db, tenant_id, rows, source="demo", progress=progress)
    async with db.tenant_session(tenant_id) as session:
        await record_sync(
            session=session, provider="demo", cursor={"last_day": str(business.daily.index[-1].date())}
        )
    return SeedResult(profile.slug, tenant_id, len(rows), inserted, updated)


async def seed_online_retail(db: Database, *, progress: Progress | None = None) -> SeedResult:
    """The Online Retail II dataset as a tenant: daily totals and the top SKUs' daily units."""
    dataset = online_retail.load()
    tenant_id = await db.system.ensure_tenant(
        slug=ONLINE_RETAIL_SLUG,
        name="Online Retail II (UK gift-ware)",
        industry="retail",
        timezone="Europe/London",
        currency="GBP",
        country="GB",
    )
    units = {"revenue": "GBP", "average_ticket": "GBP", "returns": "GBP"}
    daily = dataset.daily.rename_axis("time").reset_index().melt(id_vars="time", var_name="metric")
    daily["dimension"] = ""
    daily["unit"] = daily["metric"].map(units).fillna("count")
    sku = dataset.sku_units.rename_axis("time").reset_index().melt(id_vars="time", var_name="sku")
    sku = sku.assign(metric="units_sold", dimension="sku:" + sku["sku"].astype(str), unit="units").drop(
        columns="sku"
    )
    rows = pd.concat([daily, sku], ignore_index=True)
    rows["time"] = pd.to_datetime(rows["time"]).dt.tz_localize("UTC")
    inserted, updated = await _write(db, tenant_id, rows, source="online-retail", progress=progress)
    async with db.tenant_session(tenant_id) as session:
        await record_sync(
            session=session,
            provider="csv",
            name="online-retail-ii",
            cursor={"attribution": dataset.attribution},
        )
    return SeedResult(ONLINE_RETAIL_SLUG, tenant_id, len(rows), inserted, updated)


async def _write(
    db: Database, tenant_id: uuid.UUID, rows: pd.DataFrame, *, source: str, progress: Progress | None
) -> tuple[int, int]:
    inserted = updated = 0
    for start in range(0, len(rows), CHUNK_ROWS):
        chunk = rows.iloc[start : start + CHUNK_ROWS]
        async with db.tenant_session(tenant_id) as session:
            result = await upsert_metrics(session=session, rows=chunk, source=source)
        inserted += result.inserted
        updated += result.updated
        if progress:
            progress(len(chunk))
    return inserted, updated


def _product(sku: object) -> dict[str, object]:
    fields = dataclasses.asdict(sku)  # type: ignore[call-overload]
    fields.pop("mix_share")
    return {"sku": fields.pop("code"), **fields}


def _employee(employee: object) -> dict[str, object]:
    fields = dataclasses.asdict(employee)  # type: ignore[call-overload]
    fields["availability"] = {str(day): list(hours) for day, hours in fields["availability"].items()}
    fields["preferences"] = {"prefers_off": list(fields.pop("prefers_off"))}
    return fields
