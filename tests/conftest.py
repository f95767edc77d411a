"""Shared fixtures: one real PostgreSQL per test session (embedded, or the server in COACH_DATABASE_URL).

Each test session works in databases of its own (``coach_test_<random>``), created on that server and dropped at
the end, so a developer's data is never touched.
"""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from storage.database import Database
from storage.server import EmbeddedServer
from storage.settings import Settings
from storage.urls import async_url


@pytest.fixture(scope="session")
def pg_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[URL]:
    """The owner URL of the server the tests use (its maintenance database)."""
    configured = os.environ.get("COACH_DATABASE_URL")
    if configured:
        yield async_url(configured)
        return
    server = EmbeddedServer(tmp_path_factory.mktemp("coach-data"))
    yield async_url(server.start())
    server.stop()


class DatabaseFactory:
    """Creates fresh databases on the test server and drops them at the end of the session."""

    def __init__(self, server_url: URL) -> None:
        self.server_url = server_url
        self.created: list[str] = []

    async def create(self) -> URL:
        name = f"coach_test_{secrets.token_hex(4)}"
        engine = create_async_engine(self.server_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        await engine.dispose()
        self.created.append(name)
        return self.server_url.set(database=name)

    async def drop_all(self) -> None:
        engine = create_async_engine(self.server_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        async with engine.connect() as conn:
            for name in self.created:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await engine.dispose()


@pytest.fixture(scope="session")
async def databases(pg_server_url: URL) -> AsyncIterator[DatabaseFactory]:
    """Makes fresh, empty databases on the test server."""
    factory = DatabaseFactory(pg_server_url)
    yield factory
    await factory.drop_all()


def settings_for(url: URL, **overrides: object) -> Settings:
    """Settings pointing the app at ``url`` as its owner URL, with a fixed test secret."""
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return Settings(database_url=plain, secret_key="test-secret-key-not-for-production", **overrides)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
async def db(databases: DatabaseFactory) -> AsyncIterator[Database]:
    """A migrated database opened the way the app opens it (as the app role, RLS applies)."""
    url = await databases.create()
    database = await Database.open(settings_for(url))
    yield database
    await database.close()


async def new_tenant(db: Database, prefix: str = "t") -> uuid.UUID:
    """A fresh tenant with a unique slug."""
    slug = f"{prefix}-{secrets.token_hex(4)}"
    return await db.system.ensure_tenant(
        slug=slug, name=slug.title(), industry="cafe", timezone="UTC", currency="USD", country="US"
    )


@pytest.fixture
async def two_tenants(db: Database) -> tuple[uuid.UUID, uuid.UUID]:
    """Two fresh tenants, A and B."""
    return await new_tenant(db, "a"), await new_tenant(db, "b")


def repo_root() -> Path:
    """The checkout's top folder."""
    return Path(__file__).resolve().parent.parent
