"""Optimization engine benchmark: rota solve times and gaps, inventory speed and exactness, policy replay.

Run ``.venv/bin/python benchmarks/optimize.py [--quick]``; prints rich tables and writes
``benchmarks/results/optimize.json``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _optimize_instances import inventory_instance, staffing_instance  # noqa: E402
from _optimize_sim import replay  # noqa: E402

from analytics.optimize import check_rota, item_profit, optimize_inventory, plan_staffing  # noqa: E402

console = Console()


def bench_staffing(sizes: list[int], seeds: int) -> list[dict]:
    """Time, gap and checker violations per instance."""
    rows = []
    for n in sizes:
        for seed in range(seeds if n == 20 else max(2, seeds // 4)):
            req = staffing_instance(n, 100 * n + seed)
            t0 = time.perf_counter()
            rota = plan_staffing(req, explain=False)
            wall = time.perf_counter() - t0
            rows.append(
                {
                    "staff": n,
                    "seed": seed,
                    "wall_s": wall,
                    "solver_s": rota.info.seconds,
                    "status": rota.info.status,
                    "gap": rota.info.gap,
                    "violations": len(check_rota(req, rota)),
                    "shifts": len(rota.shifts),
                }
            )
    return rows


def _exact(items: list, budget: float, capacity: float) -> float:
    lattices = []
    for it in items:
        top = it.demand.quantile(0.9999) + it.case_pack
        lattices.append([0] + [q for q in range(it.min_order_qty, int(top) + 1, it.case_pack) if q > 0])
    profits = [item_profit(it, np.array(lat)) for it, lat in zip(items, lattices, strict=True)]
    best = -np.inf
    for combo in itertools.product(*[range(len(lat)) for lat in lattices]):
        qty = [lat[k] for lat, k in zip(lattices, combo, strict=True)]
        if sum(it.unit_cost * q for it, q in zip(items, qty, strict=True)) > budget:
            continue
        if sum(it.volume * (it.position + q) for it, q in zip(items, qty, strict=True)) > capacity:
            continue
        best = max(best, sum(p[k] for p, k in zip(profits, combo, strict=True)))
    return float(best)


def bench_inventory(seeds: int) -> dict:
    """500-SKU timing, distance to exact optima on small instances and to the unthinned model on 500 SKUs."""
    runs = []
    for seed in range(seeds):
        items = inventory_instance(500, seed)
        free = optimize_inventory(items, explain=False)
        kw = {"budget": 0.6 * free.cash_needed, "capacity": 0.8 * free.storage_used}
        t0 = time.perf_counter()
        plan = optimize_inventory(items, explain=False, **kw)
        plain = time.perf_counter() - t0
        t0 = time.perf_counter()
        optimize_inventory(items, explain=True, **kw)
        explained = time.perf_counter() - t0
        full = optimize_inventory(items, explain=False, max_options=100_000, **kw)
        runs.append(
            {
                "seed": seed,
                "plan_s": plain,
                "with_explanation_s": explained,
                "gap": plan.info.gap,
                "vs_unthinned": 1 - plan.expected_profit / full.expected_profit,
            }
        )
    small = []
    for seed in range(seeds * 3):
        items = inventory_instance(4, 1000 + seed)
        free = optimize_inventory(items, explain=False)
        budget, capacity = 0.5 * free.cash_needed, 0.7 * free.storage_used
        plan = optimize_inventory(items, budget=budget, capacity=capacity, explain=False)
        exact = _exact(items, budget, capacity)
        small.append(1 - plan.expected_profit / exact if exact > 0 else 0.0)
    return {"runs": runs, "small_rel_gap": small}


def bench_policy() -> dict:
    """Demo café replay: optimizer vs the naive order-up-to rule, last year of data."""
    from connectors.demo.businesses import DEMO_CAFE
    from connectors.demo.generator import generate

    biz = generate(DEMO_CAFE, end=date(2026, 10, 31))
    split = pd.Timestamp("2025-11-01")
    out = {}
    for policy in ("naive", "optimizer"):
        r = replay(DEMO_CAFE, biz.sku_daily, split, policy)
        out[policy] = {
            "profit": r.profit,
            "revenue": r.revenue,
            "stockout_units": r.stockout_units,
            "wasted_units": r.wasted_units,
            "demand_units": r.demand_units,
        }
    out["profit_ratio"] = out["optimizer"]["profit"] / out["naive"]["profit"]
    out["stockout_ratio"] = out["optimizer"]["stockout_units"] / max(out["naive"]["stockout_units"], 1e-9)
    return out


def main() -> None:
    """Run the benchmark, print tables, write the JSON results."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    seeds = 5 if args.quick else 20
    sizes = [20, 40] if args.quick else [10, 20, 30, 40, 50, 60]
    staff = bench_staffing(sizes, seeds)
    df = pd.DataFrame(staff)
    table = Table(title="Staffing (3 roles, 06:00-23:00, 7 days, 2 workers, gap limit 0.5%)")
    for col in ("staff", "runs", "p50 s", "p95 s", "max gap", "proven optimal", "violations"):
        table.add_column(col)
    summary = []
    for n, grp in df.groupby("staff"):
        row = {
            "staff": int(n),
            "runs": len(grp),
            "p50_s": float(grp["wall_s"].quantile(0.5)),
            "p95_s": float(grp["wall_s"].quantile(0.95)),
            "max_gap": float(grp["gap"].max()),
            "optimal": int((grp["status"] == "optimal").sum()),
            "violations": int(grp["violations"].sum()),
        }
        summary.append(row)
        table.add_row(
            str(n),
            str(row["runs"]),
            f"{row['p50_s']:.2f}",
            f"{row['p95_s']:.2f}",
            f"{row['max_gap']:.2%}",
            str(row["optimal"]),
            str(row["violations"]),
        )
    console.print(table)

    inv = bench_inventory(2 if args.quick else 5)
    runs = pd.DataFrame(inv["runs"])
    t2 = Table(title="Inventory, 500 SKUs, budget 60% and storage 80% of the unconstrained plan")
    for col in (
        "plan p95 s",
        "with explanation p95 s",
        "max MILP gap",
        "max loss vs unthinned",
        "small instances: max loss vs exact",
    ):
        t2.add_column(col)
    t2.add_row(
        f"{runs['plan_s'].quantile(0.95):.2f}",
        f"{runs['with_explanation_s'].quantile(0.95):.2f}",
        f"{runs['gap'].max():.3%}",
        f"{runs['vs_unthinned'].max():.3%}",
        f"{max(inv['small_rel_gap']):.3%}",
    )
    console.print(t2)

    pol = bench_policy()
    t3 = Table(title="Demo café, last 12 months replayed: optimizer vs naive order-up-to")
    for col in ("policy", "profit", "stock-out units", "wasted units"):
        t3.add_column(col)
    for policy in ("naive", "optimizer"):
        p = pol[policy]
        t3.add_row(policy, f"{p['profit']:,.0f}", f"{p['stockout_units']:,.0f}", f"{p['wasted_units']:,.0f}")
    t3.add_row("ratio", f"{pol['profit_ratio']:.3f}", f"{pol['stockout_ratio']:.3f}", "")
    console.print(t3)

    out = Path(__file__).resolve().parent / "results" / "optimize.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {"staffing": staff, "staffing_summary": summary, "inventory": inv, "policy": pol},
            indent=2,
            default=float,
        )
    )
    console.print(f"Wrote {out}")


if __name__ == "__main__":
    main()
