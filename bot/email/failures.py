"""Telling a passing failure (the database or the network is down: the sender should retry) from a lasting one."""

from __future__ import annotations

import asyncpg
from sqlalchemy import exc as sa_exc

from storage.errors import DatabaseError

TRANSIENT_TYPES: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset, unreachable, a Unix socket not there (yet); TimeoutError is one too
    DatabaseError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.DisconnectionError,
    sa_exc.TimeoutError,  # no pooled connection came free in time
)
# SQLSTATE classes that pass: connection (08), resources (53), operator intervention such as a shutdown or a
# server starting up (57), serialization failures and deadlocks (40).
TRANSIENT_SQLSTATE = ("08", "53", "57", "40")


def _chain(error: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    todo: list[BaseException | None] = [error]
    while todo:
        item = todo.pop()
        if item is None or any(item is seen for seen in found) or len(found) > 20:
            continue
        found.append(item)
        todo += [item.__cause__, item.__context__, getattr(item, "orig", None)]
    return found


def is_transient(error: BaseException) -> bool:
    """True when ``error`` (or what caused it) is the database or network failing for now, not the message."""
    for item in _chain(error):
        if isinstance(item, TRANSIENT_TYPES):
            return True
        if isinstance(item, sa_exc.DBAPIError) and item.connection_invalidated:
            return True
        state = str(getattr(item, "sqlstate", None) or getattr(item, "pgcode", None) or "")
        if state[:2] in TRANSIENT_SQLSTATE:
            return True
    return False
