"""A scratch database for storage benchmarks: embedded server in a temp dir (or COACH_DATABASE_URL's server)."""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storage.database import Database  # noqa: E402
from storage.server import EmbeddedServer  # noqa: E402
from storage.settings import Settings  # noqa: E402
from storage.urls import async_url  # noqa: E402


@asynccontextmanager
async def scratch_database(pool_size: int = 4) -> AsyncIterator[Database]:
    """A migrated, empty database opened as the app opens it; dropped afterwards."""
    server = None
    if os.environ.get("COACH_DATABASE_URL"):
        root = async_url(os.environ["COACH_DATABASE_URL"])
    else:
        server = EmbeddedServer(Path(tempfile.mkdtemp(prefix="coach-bench-")))
        root = async_url(server.start())
    name = f"coach_bench_{secrets.token_hex(4)}"
    admin = create_async_engine(root, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = root.set(database=name).set(drivername="postgresql").render_as_string(hide_password=False)
    db = await Database.open(
        Settings(database_url=url, secret_key="benchmark-secret-key", db_pool_size=pool_size)
    )
    try:
        yield db
    finally:
        await db.close()
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
        if server is not None:
            server.stop()
