"""Products and employees of the session's tenant."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.catalog.models import Employee, Product
from storage.tenancy import current_tenant


async def upsert_products(*, session: AsyncSession, products: Iterable[dict[str, Any]]) -> int:
    """Insert or update products by SKU; returns how many were written."""
    tenant_id = await current_tenant(session)
    rows = [{**p, "tenant_id": tenant_id} for p in products]
    if not rows:
        return 0
    statement = insert(Product).values(rows)
    updates = {c: statement.excluded[c] for c in rows[0] if c not in ("tenant_id", "sku")}
    await session.execute(statement.on_conflict_do_update(index_elements=["tenant_id", "sku"], set_=updates))
    return len(rows)


async def replace_employees(*, session: AsyncSession, employees: Iterable[dict[str, Any]]) -> int:
    """Make the roster exactly these employees (matched by name); returns how many there are."""
    tenant_id = await current_tenant(session)
    rows = list(employees)
    existing = {e.name: e for e in (await session.scalars(select(Employee))).all()}
    keep = {r["name"] for r in rows}
    await session.execute(delete(Employee).where(Employee.name.not_in(keep)))
    for row in rows:
        if row["name"] in existing:
            for key, value in row.items():
                setattr(existing[row["name"]], key, value)
        else:
            session.add(Employee(tenant_id=tenant_id, **row))
    await session.flush()
    return len(rows)


async def list_products(*, session: AsyncSession) -> list[Product]:
    """The tenant's products, by SKU."""
    return list((await session.scalars(select(Product).order_by(Product.sku))).all())


async def list_employees(*, session: AsyncSession) -> list[Employee]:
    """The tenant's staff roster, by name."""
    return list((await session.scalars(select(Employee).order_by(Employee.name))).all())
