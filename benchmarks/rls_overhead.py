"""RLS overhead: a typical metric range query (90 days of one metric) through tenant_session (app role, RLS
forced) against the same query run as the owner, who bypasses RLS, with the tenant written into the WHERE
clause. Both through an AsyncSession in a transaction of their own, interleaved in one run, so the difference is
what RLS and setting the tenant cost. Goal: ratio <= 1.2.

    .venv/bin/python benchmarks/rls_overhead.py [--tenants 500] [--queries 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
from pathlib import Path

from _db import scratch_database  # type: ignore[import-not-found]
from ingest import tenant_rows  # type: ignore[import-not-found]
from rich.console import Console
from rich.table import Table
from sqlalchemy import text

from storage.metrics.service import upsert_metrics

SET_TENANT = text("SELECT set_config('app.current_tenant', :t, true)")
QUERY = (
    "SELECT time, value FROM business_metrics WHERE metric = :metric AND dimension = '' "
    "AND time >= :start AND time < :end ORDER BY time"
)
console = Console()


async def main(n_tenants: int, n_queries: int) -> dict[str, float]:
    import pandas as pd

    async with scratch_database(pool_size=2) as db:
        tenants = []
        for i in range(n_tenants):
            tenant = await db.system.ensure_tenant(
                slug=f"rls-{i:05d}",
                name=f"T{i}",
                industry="cafe",
                timezone="UTC",
                currency="USD",
                country="US",
            )
            async with db.tenant_session(tenant) as session:
                await upsert_metrics(session=session, rows=tenant_rows(i), source="bench")
            tenants.append(tenant)
        async with db.owner_engine.connect() as conn:
            await conn.execute(text("ANALYZE business_metrics"))
            await conn.commit()
        # Both paths use pooled connections: the app's pool, and an owner pool of the same size.
        from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

        owner = create_async_engine(db.owner_url, pool_size=2)
        owner_sessions = async_sessionmaker(owner, expire_on_commit=False)
        rng = random.Random(7)
        rls_ms, owner_ms, owner_set_ms, rows_seen = [], [], [], []
        for _ in range(n_queries):
            tenant = rng.choice(tenants)
            start = pd.Timestamp("2025-01-01", tz="UTC") + pd.Timedelta(days=rng.randrange(0, 270))
            params = {
                "metric": rng.choice(["revenue", "orders", "cogs"]),
                "start": start,
                "end": start + pd.Timedelta(days=90),
            }
            order = [0, 1, 2]
            rng.shuffle(order)
            for which in order:
                began = time.perf_counter()
                if which == 0:
                    async with db.tenant_session(tenant) as session:
                        rows = (await session.execute(text(QUERY), params)).all()
                    rls_ms.append((time.perf_counter() - began) * 1000)
                else:  # 2: the owner also pays the one extra round trip tenant_session makes (set_config)
                    async with owner_sessions() as session, session.begin():
                        if which == 2:
                            await session.execute(SET_TENANT, {"t": str(tenant)})
                        rows2 = (
                            await session.execute(
                                text(QUERY.replace("WHERE", "WHERE tenant_id = :t AND")),
                                {**params, "t": tenant},
                            )
                        ).all()
                    (owner_ms if which == 1 else owner_set_ms).append((time.perf_counter() - began) * 1000)
            rows_seen.append(len(rows))
            assert rows == rows2, "both paths must return the same rows"
        async with owner.connect() as conn:
            plan = "\n".join(
                r[0]
                for r in (
                    await conn.execute(
                        text("EXPLAIN " + QUERY.replace("WHERE", "WHERE tenant_id = :t AND")),
                        {
                            "metric": "revenue",
                            "start": pd.Timestamp("2025-02-01", tz="UTC"),
                            "end": pd.Timestamp("2025-05-01", tz="UTC"),
                            "t": tenants[0],
                        },
                    )
                ).all()
            )
        await owner.dispose()

    def p(values: list[float], q: float) -> float:
        return statistics.quantiles(values, n=100)[int(q) - 1]

    figures = {
        "tenants": n_tenants,
        "queries": n_queries,
        "rows_per_query": statistics.mean(rows_seen),
        "rls_p50_ms": statistics.median(rls_ms),
        "owner_p50_ms": statistics.median(owner_ms),
        "rls_p95_ms": p(rls_ms, 95),
        "owner_p95_ms": p(owner_ms, 95),
    }
    figures["owner_with_set_config_p50_ms"] = statistics.median(owner_set_ms)
    figures["ratio_p50"] = figures["rls_p50_ms"] / figures["owner_p50_ms"]
    figures["ratio_p50_to_owner_with_set_config"] = (
        figures["rls_p50_ms"] / figures["owner_with_set_config_p50_ms"]
    )
    figures["ratio_p95"] = figures["rls_p95_ms"] / figures["owner_p95_ms"]
    table = Table(
        title=f"RLS overhead: {n_queries:,} range queries of ~{figures['rows_per_query']:.0f} rows over "
        f"{n_tenants} tenants ({n_tenants * 1825:,} rows)"
    )
    for column in ("path", "p50 ms", "p95 ms"):
        table.add_column(column, justify="right" if column != "path" else "left")
    table.add_row(
        "owner, tenant in WHERE, no RLS (baseline)",
        f"{figures['owner_p50_ms']:.3f}",
        f"{figures['owner_p95_ms']:.3f}",
    )
    table.add_row(
        "app role through tenant_session (RLS)",
        f"{figures['rls_p50_ms']:.3f}",
        f"{figures['rls_p95_ms']:.3f}",
    )
    table.add_row(
        "owner + the set_config round trip, no RLS", f"{figures['owner_with_set_config_p50_ms']:.3f}", ""
    )
    table.add_row(
        "ratio RLS / owner (goal <= 1.2)", f"{figures['ratio_p50']:.2f}", f"{figures['ratio_p95']:.2f}"
    )
    table.add_row(
        "ratio RLS / owner + set_config (the policy itself)",
        f"{figures['ratio_p50_to_owner_with_set_config']:.2f}",
        "",
    )
    console.print(table)
    console.print(f"goal: ratio <= 1.2 -> {'met' if figures['ratio_p50'] <= 1.2 else 'NOT met'} (p50)")
    console.print(f"[dim]owner plan:\n{plan}[/]")
    out = Path(__file__).with_name("results")
    out.mkdir(exist_ok=True)
    (out / "rls_overhead.json").write_text(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=500)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--quick", action="store_true", help="50 tenants, 300 queries")
    args = parser.parse_args()
    asyncio.run(main(50, 300) if args.quick else main(args.tenants, args.queries))
