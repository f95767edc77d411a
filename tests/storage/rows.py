"""A generic row factory: a valid row for any table, built from the catalog, with parent rows for its foreign keys."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession


def value_for(type_name: str) -> Any:
    """A plausible value for a column of this SQL type."""
    name = type_name.lower()
    if "uuid" in name:
        return uuid.uuid4()
    if name.startswith("vector"):
        return [0.1] * 384
    if "timestamp" in name or "datetime" in name:
        return dt.datetime.now(dt.UTC)
    if name == "date":
        return dt.date.today()
    if "json" in name:
        return {"k": 1}
    if "bytea" in name or "binary" in name:
        return b"secret"
    if "bool" in name:
        return False
    if "int" in name:
        return 1
    if "double" in name or "float" in name or "numeric" in name or "real" in name:
        return 1.5
    return f"value-{uuid.uuid4().hex[:8]}"


async def insert_row(session: AsyncSession, table: Table, tenant_id: uuid.UUID) -> dict[str, Any]:
    """Insert a row into ``table`` for ``tenant_id`` (and whatever rows its foreign keys need); return it."""
    row: dict[str, Any] = {}
    for column in table.columns:
        if column.name == "tenant_id":
            row[column.name] = tenant_id
        elif not column.nullable or column.primary_key:
            row[column.name] = value_for(
                str(column.type.compile()) if hasattr(column.type, "compile") else "text"
            )
    for fk in table.foreign_key_constraints:
        parent = fk.referred_table
        if parent.name == "tenants":
            continue
        parent_row = await insert_row(session, parent, tenant_id)
        for local, remote in zip(fk.column_keys, [e.column.name for e in fk.elements], strict=True):
            row[local] = parent_row[remote]
    await session.execute(insert(table).values(**row))
    return row


def mutable_column(table: Table) -> str:
    """A non-key column an UPDATE can set."""
    for column in table.columns:
        if not column.primary_key and not column.foreign_keys:
            return column.name
    raise AssertionError(f"{table.name} has no column to update")
