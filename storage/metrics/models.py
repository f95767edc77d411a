"""Business metrics: one value per tenant, metric, dimension and time."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Double, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, TenantScoped


class BusinessMetric(TenantScoped, Base):
    """A metric observation. ``dimension`` is '' for totals, else e.g. 'channel:instagram' or 'sku:LAT'.

    The migration makes it a TimescaleDB hypertable when the extension is present, else adds a BRIN index on time.
    """

    __tablename__ = "business_metrics"
    metric: Mapped[str] = mapped_column(Text, primary_key=True)
    dimension: Mapped[str] = mapped_column(Text, primary_key=True, server_default="")
    time: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    value: Mapped[float] = mapped_column(Double)
    unit: Mapped[str] = mapped_column(Text, server_default="")
    source: Mapped[str] = mapped_column(Text, server_default="")
