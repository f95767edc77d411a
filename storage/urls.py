"""Turning configured PostgreSQL URLs into the asyncpg URLs SQLAlchemy uses, and deriving the app role's."""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy.engine import URL, make_url

APP_ROLE = "coach_app"


def async_url(url: str | URL) -> URL:
    """The same server and credentials with the asyncpg driver."""
    parsed = make_url(str(url)) if isinstance(url, str) else url
    return parsed.set(drivername="postgresql+asyncpg")


def app_role_password(secret_key: bytes) -> str:
    """The app role's password, derived from the secret key so every process agrees without storing it."""
    return hmac.new(secret_key, b"coach-app-database-role", hashlib.sha256).hexdigest()


def derive_app_url(owner_url: URL, *, password: str | None) -> URL:
    """The owner's URL with the app role's name and password instead."""
    return owner_url.set(username=APP_ROLE, password=password)


def describe(url: URL) -> str:
    """A URL fit for error messages: host, port and database, never the password."""
    host = url.host or url.query.get("host") or "local socket"
    port = f":{url.port}" if url.port else ""
    return f"{host}{port}/{url.database}"
