"""Metric ingest: rows/s of the bulk upsert (COPY to staging + INSERT ... ON CONFLICT, through tenant_session, RLS on)
against a raw COPY of the same rows into an unindexed table, in one run. Goal: ratio >= 0.5.

    .venv/bin/python benchmarks/ingest.py [--tenants 5000] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _db import scratch_database  # type: ignore[import-not-found]
from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import text

from storage.metrics.service import upsert_metrics

METRICS = ("revenue", "orders", "customers", "average_ticket", "cogs")
DAYS = 365
console = Console()


def tenant_rows(seed: int) -> pd.DataFrame:
    """5 metrics x 365 days for one tenant."""
    rng = np.random.default_rng(seed)
    times = pd.date_range("2025-01-01", periods=DAYS, freq="D", tz="UTC")
    return pd.concat(
        [
            pd.DataFrame(
                {"metric": m, "dimension": "", "time": times, "value": rng.gamma(5, 100, DAYS), "unit": "USD"}
            )
            for m in METRICS
        ],
        ignore_index=True,
    )


async def main(n_tenants: int) -> dict[str, float]:
    async with scratch_database() as db:
        tenants = []
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("creating tenants", total=n_tenants)
            for i in range(n_tenants):
                tenants.append(
                    await db.system.ensure_tenant(
                        slug=f"bench-{i:05d}",
                        name=f"Bench {i}",
                        industry="cafe",
                        timezone="UTC",
                        currency="USD",
                        country="US",
                    )
                )
                progress.advance(task)
        frames = [
            tenant_rows(i) for i in range(min(n_tenants, 50))
        ]  # reused round-robin: generation is not timed
        total = n_tenants * len(METRICS) * DAYS

        async with db.owner_engine.connect() as conn:
            await conn.execute(
                text(
                    "CREATE UNLOGGED TABLE IF NOT EXISTS bench_raw (tenant_id uuid, metric text, "
                    "dimension text, time timestamptz, value float8, unit text, source text)"
                )
            )
            await conn.execute(text("ALTER TABLE bench_raw SET LOGGED"))
            await conn.commit()
            raw = (await conn.get_raw_connection()).driver_connection
            started = time.perf_counter()
            with Progress(console=console, transient=True) as progress:
                task = progress.add_task("raw COPY (baseline)", total=n_tenants)
                for i, tenant in enumerate(tenants):
                    f = frames[i % len(frames)]
                    records = list(
                        zip(
                            [tenant] * len(f),
                            f["metric"],
                            f["dimension"],
                            f["time"].tolist(),
                            f["value"].astype(float),
                            f["unit"],
                            ["bench"] * len(f),
                            strict=True,
                        )
                    )
                    async with raw.transaction():
                        await raw.copy_records_to_table("bench_raw", records=records)
                    progress.advance(task)
            raw_seconds = time.perf_counter() - started

        started = time.perf_counter()
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("upsert through tenant_session", total=n_tenants)
            for i, tenant in enumerate(tenants):
                async with db.tenant_session(tenant) as session:
                    await upsert_metrics(session=session, rows=frames[i % len(frames)], source="bench")
                progress.advance(task)
        upsert_seconds = time.perf_counter() - started

        sample = tenants[: max(1, n_tenants // 10)]
        started = time.perf_counter()
        unchanged = 0
        for i, tenant in enumerate(sample):
            async with db.tenant_session(tenant) as session:
                result = await upsert_metrics(session=session, rows=frames[i % len(frames)], source="bench")
                unchanged += result.inserted + result.updated
        reimport_seconds = (time.perf_counter() - started) * n_tenants / len(sample)

    figures = {
        "tenants": n_tenants,
        "rows": total,
        "raw_copy_rows_per_s": total / raw_seconds,
        "upsert_rows_per_s": total / upsert_seconds,
        "ratio_upsert_to_raw_copy": raw_seconds / upsert_seconds,
        "reimport_rows_per_s": total / reimport_seconds,
        "reimport_rows_written": unchanged,
    }
    table = Table(
        title=f"Metric ingest: {n_tenants:,} tenants x {len(METRICS)} metrics x {DAYS} days = {total:,} rows"
    )
    table.add_column("path")
    table.add_column("rows/s", justify="right")
    table.add_column("ratio to raw COPY", justify="right")
    table.add_row("raw COPY, unindexed table (baseline)", f"{figures['raw_copy_rows_per_s']:,.0f}", "1.00")
    table.add_row(
        "upsert (COPY + ON CONFLICT, RLS, PK + BRIN)",
        f"{figures['upsert_rows_per_s']:,.0f}",
        f"{figures['ratio_upsert_to_raw_copy']:.2f}",
    )
    table.add_row(
        "re-import of identical rows (writes nothing)",
        f"{figures['reimport_rows_per_s']:,.0f}",
        f"{figures['reimport_rows_per_s'] / figures['raw_copy_rows_per_s']:.2f}",
    )
    console.print(table)
    console.print(
        f"goal: ratio >= 0.5 -> {'met' if figures['ratio_upsert_to_raw_copy'] >= 0.5 else 'NOT met'}; "
        f"rows rewritten by the re-import: {unchanged}"
    )
    out = Path(__file__).with_name("results")
    out.mkdir(exist_ok=True)
    (out / "ingest.json").write_text(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=5000)
    parser.add_argument("--quick", action="store_true", help="200 tenants")
    args = parser.parse_args()
    asyncio.run(main(200 if args.quick else args.tenants))
