"""Published industry benchmark ratios: shared reference data, not a tenant table."""

from __future__ import annotations

from sqlalchemy import Double, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class ExternalBenchmark(Base):
    """One published ratio (e.g. labour cost % of revenue for cafés) with its source, year and country."""

    __tablename__ = "external_benchmarks"

    industry: Mapped[str] = mapped_column(Text, primary_key=True)
    metric: Mapped[str] = mapped_column(Text, primary_key=True)
    country: Mapped[str] = mapped_column(Text, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[float] = mapped_column(Double)
    low: Mapped[float | None] = mapped_column(Double)
    high: Mapped[float | None] = mapped_column(Double)
    unit: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    source_url: Mapped[str] = mapped_column(Text, server_default="")
