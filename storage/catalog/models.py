"""What a tenant sells (products) and who works there (employees): inputs to inventory and rota planning."""

from __future__ import annotations

from sqlalchemy import Double, Integer, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, Identified, TenantScoped


class Product(TenantScoped, Base):
    """A stocked product, keyed by SKU."""

    __tablename__ = "products"

    sku: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(Text, server_default="")
    price: Mapped[float] = mapped_column(Double)
    unit_cost: Mapped[float] = mapped_column(Double)
    lead_time_days: Mapped[int] = mapped_column(Integer, server_default="1")
    shelf_life_days: Mapped[int | None] = mapped_column(Integer)
    supplier: Mapped[str] = mapped_column(Text, server_default="")
    case_pack: Mapped[int] = mapped_column(Integer, server_default="1")
    min_order_qty: Mapped[int] = mapped_column(Integer, server_default="1")


class Employee(Identified, Base):
    """A person on the staff roster with role, wage, hour limits and weekly availability."""

    __tablename__ = "employees"

    name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text)
    hourly_wage: Mapped[float] = mapped_column(Double)
    min_weekly_hours: Mapped[int] = mapped_column(Integer, server_default="0")
    max_weekly_hours: Mapped[int] = mapped_column(Integer, server_default="40")
    availability: Mapped[dict] = mapped_column(JSONB)  # {"0": [6, 22], ...} weekday -> [first hour, end hour)
    preferences: Mapped[dict] = mapped_column(JSONB, server_default="{}")
