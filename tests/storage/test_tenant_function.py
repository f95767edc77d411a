"""coach_ensure_tenant, the SECURITY DEFINER door that creates tenants, refuses what no tenant may hold.

The checks live in the function itself, so any caller of the app role (not only ``SystemGateway``) is held to them.
"""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from storage.database import Database

ENSURE = text("SELECT coach_ensure_tenant(:slug, :name, :industry, :timezone, :currency, :country)")


def good(**changes: str | None) -> dict[str, str | None]:
    """Arguments a real business would give (a fresh slug each time), with ``changes`` applied."""
    return {
        "slug": f"good-{secrets.token_hex(4)}",
        "name": "Corner Cafe",
        "industry": "cafe",
        "timezone": "Europe/London",
        "currency": "GBP",
        "country": "GB",
    } | changes


async def call_as_app_role(db: Database, arguments: dict[str, str | None]) -> object:
    """Call the SQL function directly, as the application's role does."""
    async with db.app_engine.begin() as conn:
        return (await conn.execute(ENSURE, arguments)).scalar_one()


async def slugs(db: Database) -> set[str]:
    return {t.slug for t in await db.system.list_tenants()}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("slug", "Evil Slug'; DROP TABLE users;--"),
        ("slug", "x"),
        ("slug", "-starts-with-a-dash"),
        ("slug", "UPPER-case"),
        ("slug", "a" * 64),
        ("slug", "demo-cafe\n"),
        ("slug", None),
        ("timezone", "Not/AZone"),
        ("timezone", ""),
        ("timezone", "UTC+3"),
        ("timezone", None),
        ("currency", "usd"),
        ("currency", "US"),
        ("currency", "DOLLARS"),
        ("country", "USA"),
        ("country", "gb"),
        ("name", ""),
        ("name", "   "),
        ("name", "x" * 201),
        ("name", "Cafe\r\nBcc: everyone@example.com"),
        ("name", None),
        ("industry", ""),
        ("industry", "cafe'; --"),
        ("industry", None),
    ],
)
async def test_the_function_refuses_bad_input_with_sqlstate_22023_and_stores_nothing(
    db: Database, field: str, value: str | None
) -> None:
    arguments = good(**{field: value})

    with pytest.raises(DBAPIError) as refused:
        await call_as_app_role(db, arguments)

    assert getattr(refused.value.orig, "sqlstate", None) == "22023"
    assert arguments["slug"] not in await slugs(db)


async def test_the_function_still_creates_a_tenant_from_good_input_and_returns_it_again(db: Database) -> None:
    arguments = good(timezone="America/Chicago", currency="USD", country="US")

    first = await call_as_app_role(db, arguments)
    again = await call_as_app_role(db, arguments | {"name": "Another name"})

    assert first == again
    stored = await db.system.tenant(str(arguments["slug"]))
    assert (stored.name, stored.timezone, stored.currency, stored.country) == (
        "Corner Cafe",
        "America/Chicago",
        "USD",
        "US",
    )


async def test_utc_and_a_63_character_slug_are_accepted(db: Database) -> None:
    slug = "s" + secrets.token_hex(31)  # 63 characters, the longest a slug may be

    await call_as_app_role(db, good(slug=slug, timezone="UTC"))

    assert slug in await slugs(db)


async def test_ensure_tenant_turns_the_databases_refusal_into_a_clear_value_error(db: Database) -> None:
    slug = f"tz-{secrets.token_hex(4)}"

    with pytest.raises(ValueError, match="Not/AZone.*time zone"):
        await db.system.ensure_tenant(
            slug=slug, name="Nowhere", industry="cafe", timezone="Not/AZone", currency="USD", country="US"
        )

    assert slug not in await slugs(db)


async def test_ensure_tenant_refuses_a_slug_with_a_trailing_newline(db: Database) -> None:
    with pytest.raises(ValueError, match="slug"):
        await db.system.ensure_tenant(
            slug="demo-cafe\n", name="Cafe", industry="cafe", timezone="UTC", currency="USD", country="US"
        )
