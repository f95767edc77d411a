"""Tenant isolation, enforced by PostgreSQL row-level security, for every table that has a tenant_id."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import MetaData, Table, delete, func, select, text, update
from sqlalchemy.exc import DBAPIError, ProgrammingError

from storage.database import Database
from storage.models import Base
from tests.conftest import new_tenant, settings_for
from tests.storage.rows import insert_row, mutable_column

TENANT_TABLES = sorted(t.name for t in Base.metadata.sorted_tables if "tenant_id" in t.columns)


async def reflect(db: Database) -> MetaData:
    """The schema as the database has it (not as the models say)."""
    metadata = MetaData()
    async with db.owner_engine.connect() as conn:
        await conn.run_sync(lambda sync: metadata.reflect(sync, schema=None))
    return metadata


async def test_every_table_with_tenant_id_has_rls_enabled_and_forced_with_a_policy(db: Database) -> None:
    async with db.owner_engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    """
                    SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                           (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
                    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
                      AND EXISTS (SELECT 1 FROM pg_attribute a
                                  WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
                    """
                )
            )
        ).all()
    found = {r.relname for r in rows}
    assert "business_metrics" in found and len(found) >= 15
    assert found == set(TENANT_TABLES), (
        "a tenant table exists in the database without a model (or vice versa)"
    )
    unprotected = [
        r.relname for r in rows if not (r.relrowsecurity and r.relforcerowsecurity and r.policies == 1)
    ]
    assert unprotected == []


async def test_tenant_id_leads_every_tenant_primary_key(db: Database) -> None:
    metadata = await reflect(db)
    for name in TENANT_TABLES:
        assert metadata.tables[name].primary_key.columns.keys()[0] == "tenant_id", name


@pytest.mark.parametrize("table_name", TENANT_TABLES)
async def test_row_of_tenant_a_is_invisible_and_untouchable_for_tenant_b(
    db: Database, table_name: str
) -> None:
    a, b = await new_tenant(db, "a"), await new_tenant(db, "b")
    table: Table = (await reflect(db)).tables[table_name]
    async with db.tenant_session(a) as session:
        await insert_row(session, table, a)

    async with db.tenant_session(b) as session:
        assert (await session.execute(select(func.count()).select_from(table))).scalar_one() == 0
        column = mutable_column(table)
        changed = await session.execute(update(table).values({column: table.c[column].default or None}))
        assert changed.rowcount == 0
        assert (await session.execute(delete(table))).rowcount == 0

    async with db.tenant_session(a) as session:
        assert (await session.execute(select(func.count()).select_from(table))).scalar_one() >= 1


@pytest.mark.parametrize("table_name", TENANT_TABLES)
async def test_tenant_b_cannot_insert_a_row_claiming_tenant_a(db: Database, table_name: str) -> None:
    a, b = await new_tenant(db, "a"), await new_tenant(db, "b")
    table: Table = (await reflect(db)).tables[table_name]
    with pytest.raises(DBAPIError, match="row-level security"):
        async with db.tenant_session(b) as session:
            await insert_row(session, table, a)
    async with db.tenant_session(a) as session:
        assert (await session.execute(select(func.count()).select_from(table))).scalar_one() == 0


async def test_without_a_tenant_queries_return_nothing(db: Database) -> None:
    a = await new_tenant(db)
    async with db.tenant_session(a) as session:
        await session.execute(
            text(
                "INSERT INTO business_metrics (tenant_id, metric, time, value) VALUES (:t, 'revenue', now(), 1)"
            ),
            {"t": a},
        )
    async with db.app_engine.connect() as conn:
        for table in TENANT_TABLES + ["tenants"]:
            assert (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one() == 0, table


async def test_a_tenant_sees_only_its_own_row_in_tenants(db: Database) -> None:
    a, b = await new_tenant(db, "a"), await new_tenant(db, "b")
    async with db.tenant_session(a) as session:
        ids = (await session.execute(text("SELECT id FROM tenants"))).scalars().all()
    assert ids == [a]
    listed = {t.id for t in await db.system.list_tenants()}
    assert {a, b} <= listed


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE business_metrics DISABLE ROW LEVEL SECURITY",
        "ALTER TABLE business_metrics NO FORCE ROW LEVEL SECURITY",
        "DROP POLICY tenant_isolation ON business_metrics",
        "SET ROLE postgres",
        "SET SESSION AUTHORIZATION postgres",
        "CREATE ROLE escape_hatch SUPERUSER",
        "ALTER ROLE coach_app BYPASSRLS",
        "INSERT INTO tenants (slug, name) VALUES ('sneaky', 'Sneaky')",
    ],
)
async def test_app_role_cannot_escape_row_level_security(db: Database, statement: str) -> None:
    with pytest.raises((DBAPIError, ProgrammingError)):
        async with db.app_engine.begin() as conn:
            await conn.execute(text(statement))


async def test_app_role_cannot_turn_row_security_off_to_read_as_owner(db: Database) -> None:
    a = await new_tenant(db)
    async with db.tenant_session(a) as session:
        await session.execute(
            text(
                "INSERT INTO business_metrics (tenant_id, metric, time, value) VALUES (:t, 'orders', now(), 3)"
            ),
            {"t": a},
        )
    with pytest.raises(DBAPIError, match="row-level security"):
        async with db.app_engine.begin() as conn:
            await conn.execute(text("SET row_security = off"))
            await conn.execute(text("SELECT count(*) FROM business_metrics"))


async def test_app_role_has_no_superuser_or_bypassrls(db: Database) -> None:
    async with db.app_engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            )
        ).one()
    assert row == ("coach_app", False, False)


async def test_tenant_context_ends_with_the_transaction(db: Database) -> None:
    single = await Database.open(settings_for(db.owner_url, db_pool_size=1), upgrade=False)
    try:
        a = await new_tenant(single)
        async with single.tenant_session(a) as session:
            inside = (
                await session.execute(text("SELECT current_setting('app.current_tenant', true)"))
            ).scalar()
            raw = await session.connection()
            pid = (await raw.execute(text("SELECT pg_backend_pid()"))).scalar()
        async with single.app_engine.connect() as conn:
            same = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar()
            after = (await conn.execute(text("SELECT current_setting('app.current_tenant', true)"))).scalar()
    finally:
        await single.close()
    assert uuid.UUID(inside) == a
    assert same == pid, "a one-connection pool hands back the same connection"
    assert not after
