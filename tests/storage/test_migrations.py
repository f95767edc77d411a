"""Migrations upgrade an empty database, match the models, and downgrade cleanly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from storage import migrate
from storage.database import Database
from storage.models import Base
from tests.conftest import settings_for

OBJECTS = (
    "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'",
    "SELECT count(*) FROM pg_proc WHERE proname LIKE 'coach\\_%'",
    "SELECT count(*) FROM pg_policy",
)


async def counts(db: Database) -> list[int]:
    async with db.owner_engine.connect() as conn:
        return [int((await conn.execute(text(q))).scalar_one()) for q in OBJECTS]


async def test_upgrade_from_empty_then_downgrade_to_nothing_then_upgrade_again(databases) -> None:
    url = await databases.create()
    db = await Database.open(settings_for(url))
    try:
        tables, functions, policies = await counts(db)
        assert tables == len(Base.metadata.tables)
        # coach_list_tenants, coach_ensure_tenant, coach_slack_tenant; the Slack event leases (lease, renew,
        # release); spending and checking install link and OAuth state nonces
        assert functions == 8
        assert policies == tables - 1  # every table but external_benchmarks has a policy

        await db.downgrade("base")
        assert await counts(db) == [0, 0, 0]
        async with db.owner_engine.connect() as conn:
            assert await conn.run_sync(migrate.current) is None

        await db.upgrade()
        assert (await counts(db))[0] == len(Base.metadata.tables)
    finally:
        await db.close()


async def test_migrated_schema_matches_the_models(db: Database) -> None:
    def diff(sync_conn):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(sync_conn)
        return compare_metadata(context, Base.metadata)

    async with db.owner_engine.connect() as conn:
        differences = await conn.run_sync(diff)
    # The BRIN index (or hypertable) on business_metrics.time is made by the migration, not the model.
    real = [
        d
        for d in differences
        if not (d[0] == "remove_index" and d[1].name == "ix_business_metrics_time_brin")
    ]
    assert real == []


async def test_upgrade_twice_is_harmless(db: Database) -> None:
    await db.upgrade()
    await db.upgrade()
    async with db.owner_engine.connect() as conn:
        assert await conn.run_sync(migrate.current) == "0006"
