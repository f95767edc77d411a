"""Reading and writing business metrics inside a tenant session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.tenancy import current_tenant

COLUMNS = ("metric", "dimension", "time", "value", "unit", "source")
_STAGE = "metrics_stage"
STAGE_DDL = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGE} (metric text, dimension text, time timestamptz, "
    "value float8, unit text, source text) ON COMMIT DELETE ROWS"
)


def create_stage(dbapi_connection: Any) -> None:
    """Give a new pooled connection its staging table, outside any transaction (so no rollback can drop it);
    ``Database`` calls this from the pool's ``connect`` event."""
    dbapi_connection.run_async(lambda raw: raw.execute(STAGE_DDL))


@dataclass(frozen=True)
class UpsertResult:
    """How many rows an upsert inserted and updated (rows identical to what was stored count as neither)."""

    inserted: int
    updated: int


@dataclass(frozen=True)
class MetricInfo:
    """A metric the tenant has: name, dimension, unit, how many observations and the time span."""

    metric: str
    dimension: str
    unit: str
    count: int
    first: datetime
    last: datetime


async def upsert_metrics(*, session: AsyncSession, rows: pd.DataFrame, source: str) -> UpsertResult:
    """Insert or update metric rows (columns metric, dimension, time, value, unit) for the session's tenant.

    Rows are streamed with COPY into a temporary table and merged with INSERT ... ON CONFLICT; a row whose
    value, unit and source are unchanged is left alone, so re-importing the same data changes nothing.
    """
    if rows.empty:
        return UpsertResult(0, 0)
    tenant = str(await current_tenant(session))
    frame = rows.assign(source=source)
    if "dimension" not in frame:
        frame["dimension"] = ""
    if "unit" not in frame:
        frame["unit"] = ""
    frame["time"] = pd.to_datetime(frame["time"], utc=True)
    frame = frame.drop_duplicates(subset=["metric", "dimension", "time"], keep="last")
    records = list(
        zip(
            frame["metric"].astype(str),
            frame["dimension"].astype(str),
            frame["time"].tolist(),
            frame["value"].astype(float),
            frame["unit"].astype(str),
            frame["source"].astype(str),
            strict=True,
        )
    )
    connection = await session.connection()
    driver = (await connection.get_raw_connection()).driver_connection
    await driver.copy_records_to_table(_STAGE, records=records, columns=list(COLUMNS))
    # One statement empties the stage and merges it (so several upserts may share a transaction).
    result = await session.execute(
        text(
            f"""
            WITH staged AS (DELETE FROM {_STAGE} RETURNING *),
            merged AS (
                INSERT INTO business_metrics AS m (tenant_id, metric, dimension, time, value, unit, source)
                SELECT CAST(:tenant AS uuid), metric, dimension, time, value, unit, source FROM staged
                ON CONFLICT (tenant_id, metric, dimension, time) DO UPDATE
                    SET value = EXCLUDED.value, unit = EXCLUDED.unit, source = EXCLUDED.source
                    WHERE (m.value, m.unit, m.source) IS DISTINCT FROM (EXCLUDED.value, EXCLUDED.unit, EXCLUDED.source)
                RETURNING (xmax = 0) AS inserted
            )
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM merged
            """
        ),
        {"tenant": tenant},
    )
    inserted, updated = result.one()
    return UpsertResult(int(inserted), int(updated))


async def list_metrics(*, session: AsyncSession) -> list[MetricInfo]:
    """Every metric and dimension the tenant has, with unit, count and time span."""
    result = await session.execute(
        text(
            "SELECT metric, dimension, max(unit) AS unit, count(*) AS count, min(time) AS first, max(time) AS last "
            "FROM business_metrics GROUP BY metric, dimension ORDER BY metric, dimension"
        )
    )
    return [MetricInfo(**row) for row in result.mappings()]


async def load_series(
    *,
    session: AsyncSession,
    metric: str,
    dimension: str = "",
    start: datetime | None = None,
    end: datetime | None = None,
) -> pd.Series:
    """One metric's values as a Series indexed by time (UTC), oldest first; empty if the tenant has none."""
    result = await session.execute(
        text(
            "SELECT time, value FROM business_metrics WHERE metric = :metric AND dimension = :dimension "
            "AND (CAST(:start AS timestamptz) IS NULL OR time >= :start) "
            "AND (CAST(:end AS timestamptz) IS NULL OR time <= :end) ORDER BY time"
        ),
        {"metric": metric, "dimension": dimension, "start": start, "end": end},
    )
    rows = result.all()
    index = pd.DatetimeIndex([r[0] for r in rows], name="time")
    return pd.Series(
        [r[1] for r in rows], index=index, name=metric if not dimension else f"{metric}[{dimension}]"
    )


async def load_frame(
    *, session: AsyncSession, start: datetime | None = None, end: datetime | None = None
) -> pd.DataFrame:
    """All metrics as a wide frame: one row per time, one column per metric (``metric[dimension]`` if any)."""
    result = await session.execute(
        text(
            "SELECT (extract(epoch FROM time) * 1000000)::bigint, "
            "CASE WHEN dimension = '' THEN metric ELSE metric || '[' || dimension || ']' END, value "
            "FROM business_metrics "
            "WHERE (CAST(:start AS timestamptz) IS NULL OR time >= :start) "
            "AND (CAST(:end AS timestamptz) IS NULL OR time <= :end)"
        ),
        {"start": start, "end": end},
    )
    rows = result.all()
    if not rows:
        return pd.DataFrame()
    micros, names, values = zip(*rows, strict=True)
    # (time, column) is the primary key, so each cell is set once: a scatter into a matrix, no pivot needed
    times, row = np.unique(np.asarray(micros, dtype=np.int64), return_inverse=True)
    columns, col = np.unique(np.asarray(names, dtype=object), return_inverse=True)
    cells = np.full((len(times), len(columns)), np.nan)
    cells[row, col] = np.asarray(values, dtype=float)
    index = pd.DatetimeIndex(pd.to_datetime(times, unit="us", utc=True), name="time")
    return pd.DataFrame(cells, index=index, columns=pd.Index(list(columns), name="column"))
