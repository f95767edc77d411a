"""Alembic, driven from code: the app role and the schema migrations, run as the owner."""

from __future__ import annotations

import re
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection

LOCK_KEY = 7_410_052_611  # pg_advisory_lock key: one migrator at a time across processes
MIGRATIONS = Path(__file__).with_name("migrations")
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def alembic_config(connection: Connection | None = None, app_role: str = "coach_app") -> Config:
    """An Alembic config pointing at our migrations, bound to ``connection`` when given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    config.attributes["app_role"] = app_role
    return config


def ensure_app_role(connection: Connection, role: str, password: str | None) -> None:
    """Create (or correct) the login role the app uses: no SUPERUSER, no BYPASSRLS, no CREATEROLE."""
    if not ROLE_NAME.match(role):
        raise ValueError(f"'{role}' is not a safe role name")
    exists = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar()
    verb = "ALTER" if exists else "CREATE"
    options = "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION INHERIT"
    connection.exec_driver_sql(f"{verb} ROLE {role} {options}")
    if password is not None:
        # Passwords cannot be bound parameters in DDL; quote_literal makes the literal safe.
        literal = connection.execute(text("SELECT quote_literal(:p)"), {"p": password}).scalar_one()
        connection.exec_driver_sql(f"ALTER ROLE {role} PASSWORD {literal}")
    database = connection.execute(text("SELECT current_database()")).scalar_one()
    connection.exec_driver_sql(f'GRANT CONNECT, TEMPORARY ON DATABASE "{database}" TO {role}')


def upgrade(connection: Connection, app_role: str, revision: str = "head") -> None:
    """Migrate the schema up to ``revision``."""
    command.upgrade(alembic_config(connection, app_role), revision)


def downgrade(connection: Connection, app_role: str, revision: str = "base") -> None:
    """Migrate the schema down to ``revision`` (``base`` removes everything)."""
    command.downgrade(alembic_config(connection, app_role), revision)


def current(connection: Connection) -> str | None:
    """The revision the database is at, or None before the first migration."""
    exists = connection.execute(text("SELECT to_regclass('public.alembic_version')")).scalar()
    if not exists:
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
