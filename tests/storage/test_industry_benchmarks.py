"""The bundled industry benchmark snapshot: loaded by migration 0002, sourced, plausible, read-only to the app."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from storage.benchmarks.service import INDUSTRIES, benchmark_industry, list_benchmarks
from storage.benchmarks.snapshot import read_snapshot
from storage.database import Database
from tests.conftest import settings_for

ROWS = read_snapshot()
COST_SHARES = {"labour_cost_pct", "cogs_pct"}
MARGINS = {"gross_margin", "net_margin"}
MONEY = {"average_ticket", "revenue_per_employee"}


async def tenant(db: Database, *, industry: str, country: str = "US") -> uuid.UUID:
    slug = f"bench-{secrets.token_hex(4)}"
    return await db.system.ensure_tenant(
        slug=slug, name=slug, industry=industry, timezone="UTC", currency="USD", country=country
    )


async def stored_rows(db: Database) -> set[tuple[str, str, str, int, float]]:
    async with db.owner_engine.connect() as conn:
        result = await conn.execute(
            text("SELECT industry, metric, country, year, value FROM external_benchmarks")
        )
        return {tuple(row) for row in result}  # type: ignore[misc]


@pytest.fixture(scope="module")
async def fresh(databases) -> AsyncIterator[Database]:  # type: ignore[no-untyped-def]
    """A database of this module's own, so tests may change the reference data."""
    database = await Database.open(settings_for(await databases.create()))
    yield database
    await database.close()


def test_snapshot_covers_the_six_industries_with_about_thirty_rows() -> None:
    assert len(ROWS) >= 25
    assert {r["industry"] for r in ROWS} == set(INDUSTRIES)
    for industry in INDUSTRIES:
        assert len({r["metric"] for r in ROWS if r["industry"] == industry}) >= 1, industry
    assert {r["metric"] for r in ROWS} >= COST_SHARES | MARGINS | {"average_ticket"}


def test_every_row_names_its_source_year_and_country() -> None:
    for row in ROWS:
        assert len(row["source"]) >= 20, row
        assert 1990 <= row["year"] <= 2026, row
        assert len(row["country"]) == 2 and row["country"].isupper(), row
        assert row["source_url"] == "" or row["source_url"].startswith("https://"), row


def test_rules_of_thumb_say_so_and_derived_figures_say_how() -> None:
    for row in ROWS:
        if "census" in row["source"].lower() or "abacus" in row["source"].lower():
            continue  # a survey statistic
        lowered = row["source"].lower()
        assert any(w in lowered for w in ("rule of thumb", "derived", "benchmark", "secondary")), row


def test_values_are_in_plausible_ranges_and_inside_their_range() -> None:
    for row in ROWS:
        value = row["value"]
        if row["metric"] in COST_SHARES:
            assert row["unit"] == "percent" and 0 < value < 100, row
        elif row["metric"] in MARGINS:
            assert row["unit"] == "percent" and -100 < value < 100, row
        else:
            assert row["metric"] in MONEY and row["unit"] in {"USD", "GBP", "EUR"} and value > 0, row
        if row["low"] is not None:
            assert row["low"] <= value, row
        if row["high"] is not None:
            assert value <= row["high"], row


async def test_migration_loads_every_snapshot_row(db: Database) -> None:
    expected = {(r["industry"], r["metric"], r["country"], r["year"], r["value"]) for r in ROWS}
    assert await stored_rows(db) == expected


async def test_app_role_reads_the_table_but_cannot_change_it(db: Database) -> None:
    async with db.tenant_session(await tenant(db, industry="cafe")) as session:
        count = (await session.execute(text("SELECT count(*) FROM external_benchmarks"))).scalar_one()
    assert count == len(ROWS)
    for statement in (
        "INSERT INTO external_benchmarks (industry, metric, country, year, value, unit, source) "
        "VALUES ('cafe', 'x', 'US', 2020, 1, 'percent', 'me')",
        "UPDATE external_benchmarks SET value = 0",
        "DELETE FROM external_benchmarks",
    ):
        async with db.app_engine.connect() as conn:
            with pytest.raises(DBAPIError, match="permission denied"):
                await conn.execute(text(statement))
    assert len(await stored_rows(db)) == len(ROWS)


async def test_upgrade_corrects_a_stale_row_and_downgrade_removes_only_snapshot_rows(fresh: Database) -> None:
    first = ROWS[0]
    await fresh.downgrade("0001")
    assert await stored_rows(fresh) == set()
    async with fresh.owner_engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO external_benchmarks (industry, metric, country, year, value, unit, source) VALUES "
                "(:i, :m, :c, :y, -999, 'percent', 'stale'), ('cafe', 'custom', 'US', 2020, 1, 'percent', 'ours')"
            ),
            {"i": first["industry"], "m": first["metric"], "c": first["country"], "y": first["year"]},
        )
    await fresh.upgrade()
    rows = await stored_rows(fresh)
    assert len(rows) == len(ROWS) + 1
    assert (first["industry"], first["metric"], first["country"], first["year"], first["value"]) in rows
    await fresh.downgrade("0001")
    assert await stored_rows(fresh) == {("cafe", "custom", "US", 2020, 1.0)}
    await fresh.upgrade()


def test_tenant_industries_map_to_benchmark_industries() -> None:
    assert [benchmark_industry(i) for i in ("cafe", "bookshop", "retail", "restaurant", "salon", "agency")] == [
        "cafe", "bookshop", "retail", "restaurant", "salon", "agency",
    ]  # fmt: skip
    assert benchmark_industry("Coffee Shop") == "cafe" and benchmark_industry("bookstore") == "bookshop"
    assert benchmark_industry("other") is None and benchmark_industry("") is None


async def test_list_benchmarks_gives_one_figure_per_metric_for_the_tenants_industry(db: Database) -> None:
    async with db.tenant_session(await tenant(db, industry="cafe")) as session:
        figures = await list_benchmarks(session=session, industry=None)
    by_metric = {f.metric: f for f in figures}
    expected = {r["metric"] for r in ROWS if r["industry"] == "cafe"}
    assert set(by_metric) == expected
    assert all(f.industry == "cafe" and f.country == "US" and f.note == "" for f in figures)


async def test_list_benchmarks_picks_the_most_recent_year(db: Database) -> None:
    async with db.tenant_session(await tenant(db, industry="retail")) as session:
        margin = await list_benchmarks(session=session, industry="retail", metric="gross_margin")
    newest = max(r["year"] for r in ROWS if r["industry"] == "retail" and r["metric"] == "gross_margin")
    assert [(m.metric, m.year) for m in margin] == [("gross_margin", newest)]


async def test_another_countrys_figure_is_used_with_a_note(db: Database) -> None:
    async with db.tenant_session(await tenant(db, industry="bookshop", country="GB")) as session:
        figures = await list_benchmarks(session=session, industry=None, metric="net_margin")
    assert len(figures) == 1 and figures[0].country == "US"
    assert "no GB figure" in figures[0].note and figures[0].source


async def test_other_industries_have_no_benchmarks(db: Database) -> None:
    async with db.tenant_session(await tenant(db, industry="other")) as session:
        assert await list_benchmarks(session=session, industry=None) == []


async def test_own_country_wins_and_a_neighbouring_industry_fills_gaps(fresh: Database) -> None:
    async with fresh.owner_engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO external_benchmarks (industry, metric, country, year, value, unit, source) VALUES "
                "('bookshop', 'net_margin', 'GB', 2001, 3.0, 'percent', 'test figure, older but British'), "
                "('retail', 'labour_cost_pct', 'US', 2020, 12.0, 'percent', 'test figure for retail')"
            )
        )
    try:
        async with fresh.tenant_session(await tenant(fresh, industry="bookshop", country="GB")) as session:
            figures = {f.metric: f for f in await list_benchmarks(session=session, industry=None)}
        assert (figures["net_margin"].country, figures["net_margin"].year) == ("GB", 2001)
        assert figures["net_margin"].note == ""
        labour = figures["labour_cost_pct"]
        assert (
            labour.industry == "retail"
            and "no bookshop figure" in labour.note
            and "no GB figure" in labour.note
        )
    finally:
        async with fresh.owner_engine.begin() as conn:
            await conn.execute(text("DELETE FROM external_benchmarks WHERE source LIKE 'test figure%'"))
