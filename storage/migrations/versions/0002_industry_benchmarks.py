"""Load the bundled industry benchmark snapshot into external_benchmarks (idempotent upsert).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.benchmarks.snapshot import read_snapshot

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPSERT = sa.text("""
    INSERT INTO external_benchmarks (industry, metric, country, year, value, low, high, unit, source, source_url)
    VALUES (:industry, :metric, :country, :year, :value, :low, :high, :unit, :source, :source_url)
    ON CONFLICT (industry, metric, country, year) DO UPDATE
        SET value = EXCLUDED.value, low = EXCLUDED.low, high = EXCLUDED.high, unit = EXCLUDED.unit,
            source = EXCLUDED.source, source_url = EXCLUDED.source_url
""")
DELETE = sa.text(
    "DELETE FROM external_benchmarks WHERE industry = :industry AND metric = :metric AND country = :country "
    "AND year = :year"
)


def upgrade() -> None:
    rows = read_snapshot()
    if rows:
        op.get_bind().execute(UPSERT, rows)


def downgrade() -> None:
    keys = [{k: row[k] for k in ("industry", "metric", "country", "year")} for row in read_snapshot()]
    if keys:
        op.get_bind().execute(DELETE, keys)
