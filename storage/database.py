"""The database handle: engines, the one door to tenant data (``tenant_session``) and the narrow cross-tenant door.

Two roles are used. The *owner* (``COACH_DATABASE_URL``, or the embedded server's superuser) runs migrations
and owns the tables. The *app* role (``coach_app``) is what every request, job and tool uses: it has neither
SUPERUSER nor BYPASSRLS, so row-level security always filters what it sees.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy import event, text
from sqlalchemy.engine import URL, Connection
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.pool import NullPool

import storage.models  # noqa: F401 - registers every table so foreign keys resolve
from storage import migrate
from storage.errors import DatabaseError, TenantNotFound
from storage.metrics.service import create_stage
from storage.secrets import secret_key
from storage.server import EmbeddedServer
from storage.settings import Settings
from storage.urls import APP_ROLE, app_role_password, async_url, derive_app_url, describe

log = logging.getLogger(__name__)
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
CONNECT_TIMEOUT_S = 5.0
INVALID_PARAMETER = "22023"  # the SQLSTATE our SECURITY DEFINER functions raise for input they refuse


@dataclass(frozen=True)
class TenantInfo:
    """What the cross-tenant door tells about a tenant."""

    id: uuid.UUID
    slug: str
    name: str
    industry: str
    timezone: str
    currency: str
    country: str
    is_active: bool


class Database:
    """Engines and sessions for one process. Open with ``await Database.open(settings)``; close when done."""

    def __init__(
        self, *, owner_url: URL, app_url: URL, pool_size: int, server: EmbeddedServer | None
    ) -> None:
        self.owner_url = owner_url
        self.app_url = app_url
        self.server = server
        self.owner_engine: AsyncEngine = create_async_engine(
            owner_url, poolclass=NullPool, connect_args={"timeout": CONNECT_TIMEOUT_S}
        )
        self.app_engine: AsyncEngine = create_async_engine(
            app_url,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=True,
            connect_args={"timeout": CONNECT_TIMEOUT_S},
        )
        # every app connection gets the metric upsert's staging table when it is opened
        event.listen(self.app_engine.sync_engine, "connect", lambda dbapi, _record: create_stage(dbapi))
        self._sessions = async_sessionmaker(
            self.app_engine, expire_on_commit=False, sync_session_class=TenantSession
        )
        self.system = SystemGateway(self.app_engine)

    @classmethod
    async def open(cls, settings: Settings, *, upgrade: bool = True) -> Database:
        """Connect (starting the embedded server if no URL is set), check the server, migrate, and verify roles."""
        server = None
        if settings.embedded:
            server = EmbeddedServer(settings.data_dir)
            owner = async_url(await asyncio.to_thread(server.start))
        else:
            owner = async_url(settings.database_url or "")
        probe = cls(owner_url=owner, app_url=owner, pool_size=1, server=None)
        try:
            await probe._preflight()  # before anything is written anywhere
        except BaseException:
            if server is not None:
                await asyncio.to_thread(server.stop)
            raise
        finally:
            await probe.close()
        if settings.app_database_url:
            app = async_url(settings.app_database_url)
        else:
            password = None if server else app_role_password(secret_key(settings))
            app = derive_app_url(owner, password=password)
        db = cls(owner_url=owner, app_url=app, pool_size=settings.db_pool_size, server=server)
        try:
            if upgrade:
                await db.upgrade(create_role=settings.app_database_url is None)
            if upgrade or settings.app_database_url or await db._app_role_exists():
                await (
                    db._verify_app_role()
                )  # without upgrade on a fresh server there is no app role to check yet
        except BaseException:
            await db.close()
            raise
        return db

    async def close(self) -> None:
        """Dispose of the pools and let go of the embedded server."""
        await self.app_engine.dispose()
        await self.owner_engine.dispose()
        if self.server is not None:
            await asyncio.to_thread(self.server.stop)
            self.server = None

    async def upgrade(self, *, create_role: bool = True, revision: str = "head") -> None:
        """Create the app role if needed and run the migrations up to ``revision`` as the owner."""
        async with self._owner_errors():
            async with self.owner_engine.connect() as conn:
                await conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": migrate.LOCK_KEY})
                try:
                    if create_role:
                        await conn.run_sync(
                            migrate.ensure_app_role, self.app_url.username or APP_ROLE, self.app_url.password
                        )
                    await conn.run_sync(migrate.upgrade, self.app_url.username or APP_ROLE, revision)
                    await conn.commit()
                finally:
                    await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": migrate.LOCK_KEY})

    async def downgrade(self, revision: str = "base") -> None:
        """Run the migrations down to ``revision`` as the owner."""
        async with self._owner_errors(), self.owner_engine.connect() as conn:
            await conn.run_sync(migrate.downgrade, self.app_url.username or APP_ROLE, revision)
            await conn.commit()

    @asynccontextmanager
    async def tenant_session(self, tenant_id: uuid.UUID | str) -> AsyncIterator[AsyncSession]:
        """A session in which every transaction sees only ``tenant_id``'s rows; commits on success.

        The tenant is set with ``set_config(..., true)`` at the start of each transaction, so it ends with the
        transaction and a pooled connection never carries it into another request.
        """
        session = self._sessions(info={"tenant_id": uuid.UUID(str(tenant_id))})
        async with session, session.begin():
            yield session

    @asynccontextmanager
    async def _owner_errors(self) -> AsyncIterator[None]:
        try:
            yield
        except (TimeoutError, OSError, DBAPIError, SQLAlchemyError) as error:
            raise DatabaseError(_connect_message(self.owner_url, error)) from None

    async def _preflight(self) -> None:
        async with self._owner_errors(), self.owner_engine.connect() as conn:
            version = int((await conn.execute(text("SHOW server_version_num"))).scalar_one())
            vector = (
                await conn.execute(text("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'"))
            ).scalar()
            powers = (
                await conn.execute(
                    text("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
                )
            ).scalar()
        where = describe(self.owner_url)
        if version < 150000:
            raise DatabaseError(
                f"COACH_DATABASE_URL: PostgreSQL 15 or newer is needed; {where} runs {version}."
            )
        if not vector:
            raise DatabaseError(
                f"COACH_DATABASE_URL: the server at {where} has no pgvector extension; install pgvector "
                "(the pgvector/pgvector or timescale/timescaledb-ha images have it)."
            )
        if not powers:
            raise DatabaseError(
                f"COACH_DATABASE_URL: the role at {where} must own the schema and be a superuser or have BYPASSRLS "
                "(it runs migrations and the narrow cross-tenant functions)."
            )

    async def _app_role_exists(self) -> bool:
        async with self._owner_errors(), self.owner_engine.connect() as conn:
            found = await conn.execute(
                text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": self.app_url.username or APP_ROLE}
            )
            return found.scalar() is not None

    async def _verify_app_role(self) -> None:
        try:
            async with self.app_engine.connect() as conn:
                bypass = (
                    await conn.execute(
                        text("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
                    )
                ).scalar()
        except (TimeoutError, OSError, DBAPIError, SQLAlchemyError) as error:
            raise DatabaseError(
                _connect_message(self.app_url, error, setting="COACH_APP_DATABASE_URL")
            ) from None
        if bypass:
            raise DatabaseError(
                f"COACH_APP_DATABASE_URL: the app role {self.app_url.username} can bypass row-level security; "
                "use a role without SUPERUSER or BYPASSRLS."
            )


class TenantSession(Session):
    """A session that binds every transaction it begins to the tenant in ``info["tenant_id"]``."""


_SET_TENANT = text("SELECT set_config('app.current_tenant', :t, true)")


@event.listens_for(TenantSession, "after_begin")
def _set_tenant(session: Session, _transaction: SessionTransaction, connection: Connection) -> None:
    tenant = session.info.get("tenant_id")
    if tenant is not None:
        connection.execute(_SET_TENANT, {"t": str(tenant)})


class SystemGateway:
    """The narrow, explicit path for work that spans tenants: list them, resolve a slug, create one.

    Each call goes through a SECURITY DEFINER function that returns only these columns; nothing else of any
    tenant can be reached without ``tenant_session``.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def list_tenants(self) -> list[TenantInfo]:
        """Every tenant, active or not, ordered by slug."""
        async with self._engine.connect() as conn:
            rows = (await conn.execute(text("SELECT * FROM coach_list_tenants() ORDER BY slug"))).mappings()
            return [TenantInfo(**row) for row in rows]

    async def tenant(self, slug: str) -> TenantInfo:
        """The tenant with this slug, or TenantNotFound."""
        for info in await self.list_tenants():
            if info.slug == slug:
                return info
        raise TenantNotFound(f"No business called '{slug}' exists. `coach tenants` lists them.")

    async def ensure_tenant(
        self, *, slug: str, name: str, industry: str, timezone: str, currency: str, country: str
    ) -> uuid.UUID:
        """The id of the tenant with this slug, created with these details if it does not exist yet.

        The database function checks every detail (slug, name, industry, time zone, currency, country); what it
        refuses comes back as a ValueError saying which detail and why.
        """
        if not SLUG.fullmatch(slug):
            raise ValueError(
                f"{slug!r} is not a valid tenant slug: use lowercase letters, digits and dashes."
            )
        try:
            async with self._engine.begin() as conn:
                result = await conn.execute(
                    text(
                        "SELECT coach_ensure_tenant(:slug, :name, :industry, :timezone, :currency, :country)"
                    ),
                    {
                        "slug": slug,
                        "name": name,
                        "industry": industry,
                        "timezone": timezone,
                        "currency": currency,
                        "country": country,
                    },
                )
                return uuid.UUID(str(result.scalar_one()))
        except DBAPIError as error:
            if getattr(error.orig, "sqlstate", None) != INVALID_PARAMETER:
                raise
            raise ValueError(_database_message(error)) from None


def _database_message(error: DBAPIError) -> str:
    """The message PostgreSQL gave (a RAISE in one of our functions), without the driver's class name."""
    cause = getattr(error.orig, "__cause__", None)
    return str(getattr(cause, "message", None) or error.orig).strip()


def _connect_message(url: URL, error: BaseException, *, setting: str = "COACH_DATABASE_URL") -> str:
    reason = getattr(error, "orig", None) or error
    detail = str(reason).strip().splitlines()[0] if str(reason).strip() else type(reason).__name__
    return f"{setting}: cannot use PostgreSQL at {describe(url)} ({detail})."
