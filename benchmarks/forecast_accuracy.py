"""Forecast accuracy benchmark: rolling-origin MASE, sMAPE, interval coverage and speed, vs. three peers.

Run: .venv/bin/python benchmarks/forecast_accuracy.py [--quick] [--jobs 2] [--batch 1000]
Writes benchmarks/results/forecast_accuracy.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _forecast_data import Case, all_cases, batch_series, retail  # noqa: E402
from _forecast_peers import PEERS, season_of  # noqa: E402

from analytics.forecast import ForecastError, forecast  # noqa: E402
from analytics.forecast.engine import member_forecast  # noqa: E402
from analytics.forecast.memo import forget_all  # noqa: E402
from analytics.forecast.registry import ALTERNATIVES, INTERMITTENT, REGULAR  # noqa: E402

ORIGINS = 3
RESULTS = Path(__file__).resolve().parent / "results" / "forecast_accuracy.json"


def evaluate(case: Case, k: int) -> list[dict]:
    """All methods on one series at one origin (the k-th of ORIGINS, counted back from the end)."""
    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)
    s, h = case.series.astype(float), case.horizon
    origin = len(s) - h * (ORIGINS - k)
    train, test = s.iloc[:origin], s.iloc[origin : origin + h].to_numpy()
    m = season_of(train)
    y = train.to_numpy()
    scale = float(np.mean(np.abs(y[m:] - y[:-m]))) or float(np.mean(np.abs(np.diff(y)))) or 1.0
    rows = []

    def record(method: str, point: np.ndarray, bands: dict | None, seconds: float) -> None:
        point = np.asarray(point, dtype=float)
        denom = np.abs(test) + np.abs(point)
        smape = float(
            np.mean(np.where(denom > 0, 2 * np.abs(test - point) / np.where(denom > 0, denom, 1), 0))
        )
        row = {
            "case": case.name,
            "group": case.group,
            "origin": k,
            "method": method,
            "mase": float(np.mean(np.abs(test - point)) / scale),
            "smape": 100 * smape,
            "seconds": seconds,
        }
        for lvl, (lo, hi) in (bands or {}).items():
            row[f"cov{int(lvl * 100)}"] = float(np.mean((test >= lo - 1e-9) & (test <= hi + 1e-9)))
        rows.append(row)

    record("seasonal_naive", np.resize(y[-m:], h), None, 0.0)
    t0 = time.perf_counter()
    fc = forecast(train, h, holidays=case.country)
    record(
        "ensemble",
        fc.point.to_numpy(),
        {lvl: (fc.lower[lvl].to_numpy(), fc.upper[lvl].to_numpy()) for lvl in fc.lower},
        time.perf_counter() - t0,
    )
    intermittent = "TSB" in fc.note or "sporadic" in fc.note
    for name in INTERMITTENT if intermittent else (*REGULAR, *ALTERNATIVES.values()):
        if name == "seasonal_naive":
            continue
        t0 = time.perf_counter()
        try:
            point = member_forecast(train, h, name, holidays=case.country).to_numpy()
        except ForecastError:
            continue
        record(f"member:{name}", point, None, time.perf_counter() - t0)
    for name, peer in PEERS.items():
        t0 = time.perf_counter()
        try:
            point, bands = peer(train, h)
        except Exception:  # noqa: BLE001 - a peer that fails on a series is reported as missing
            continue
        record(name, point, bands, time.perf_counter() - t0)
    return rows


def summarise(rows: pd.DataFrame) -> pd.DataFrame:
    """Per method: geometric-mean MASE ratio to seasonal naive, mean sMAPE, coverage and time."""
    per_case = (
        rows.groupby(["case", "method"]).agg(mase=("mase", "mean"), smape=("smape", "mean")).reset_index()
    )
    base = per_case[per_case.method == "seasonal_naive"].set_index("case")["mase"]
    per_case["rel"] = per_case["mase"] / per_case["case"].map(base).clip(lower=1e-9)
    out = per_case.groupby("method").agg(
        rel_mase=("rel", lambda r: float(np.exp(np.mean(np.log(r.clip(lower=1e-6)))))),
        worst_rel=("rel", "max"),
        smape=("smape", "mean"),
        series=("case", "nunique"),
    )
    for col in ("cov80", "cov95", "seconds"):
        if col in rows:
            out[col] = rows.groupby("method")[col].mean()
    return out.sort_values("rel_mase")


def engines(summary: pd.DataFrame) -> dict:
    """Each default member next to the same model on another engine: accuracy and seconds per fit."""
    out = {}
    for default, other in ALTERNATIVES.items():
        a, b = f"member:{default}", f"member:{other}"
        if a in summary.index and b in summary.index:
            out[f"{default} vs {other}"] = {
                "rel_mase": [float(summary.loc[a, "rel_mase"]), float(summary.loc[b, "rel_mase"])],
                "smape": [float(summary.loc[a, "smape"]), float(summary.loc[b, "smape"])],
                "seconds_ratio": float(summary.loc[b, "seconds"] / max(summary.loc[a, "seconds"], 1e-9)),
            }
    return out


def timing(cases: list[Case], repeats: int) -> dict:
    """Wall time of forecast() on the two-year daily demo series, one at a time (interactive use)."""
    daily = [c for c in cases if c.group == "demo"]
    times = []
    for _ in range(repeats):
        for c in daily:
            forget_all()  # the computation, not the forecast remembered from the last call
            t0 = time.perf_counter()
            forecast(c.series, 28, holidays=c.country)
            times.append(time.perf_counter() - t0)
    return {
        "calls": len(times),
        "p50": float(np.percentile(times, 50)),
        "p95": float(np.percentile(times, 95)),
        "max": float(np.max(times)),
    }


def batch(n: int, jobs: int) -> dict:
    """Throughput of forecast(fast=True) over n one-year daily series on `jobs` worker processes."""
    from joblib import Parallel, delayed

    series = batch_series(n)
    t0 = time.perf_counter()
    Parallel(n_jobs=jobs)(delayed(_batch_one)(s) for s in series)
    seconds = time.perf_counter() - t0
    return {
        "series": n,
        "seconds": seconds,
        "series_per_s": n / seconds,
        "projected_1000_s": 1000 * seconds / n,
    }


def _batch_one(s: pd.Series) -> float:
    logging.disable(logging.WARNING)
    try:
        return float(forecast(s, 28, fast=True).point.sum())
    except ForecastError:
        return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a few series, a small batch: a smoke run")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=None, help="series in the throughput test")
    args = parser.parse_args()
    from joblib import Parallel, delayed
    from rich.console import Console
    from rich.table import Table

    console = Console()
    _, _, attribution = retail()
    cases = all_cases(args.quick)
    console.print(f"{len(cases)} series x {ORIGINS} origins. {attribution}")
    t0 = time.perf_counter()
    chunks = Parallel(n_jobs=args.jobs, verbose=10)(
        delayed(evaluate)(c, k) for c in cases for k in range(ORIGINS)
    )
    rows = pd.DataFrame([r for chunk in chunks for r in chunk])
    console.print(f"accuracy runs took {time.perf_counter() - t0:.0f} s")
    summary = summarise(rows)

    table = Table(title="Rolling-origin accuracy (geometric-mean MASE relative to seasonal naive)")
    for col in ("method", "rel MASE", "worst rel", "sMAPE %", "cov80", "cov95", "s/fit", "series"):
        table.add_column(col, justify="right" if col != "method" else "left")
    for method, r in summary.iterrows():
        cov = [f"{r[c]:.0%}" if c in r and pd.notna(r[c]) else "" for c in ("cov80", "cov95")]
        table.add_row(
            str(method),
            f"{r.rel_mase:.3f}",
            f"{r.worst_rel:.2f}",
            f"{r.smape:.1f}",
            *cov,
            f"{r.seconds:.2f}",
            str(int(r.series)),
        )
    console.print(table)

    per_case = rows.groupby(["case", "method"])["mase"].mean().unstack()
    per_case = per_case.div(per_case["seasonal_naive"], axis=0)
    cols = ["ensemble", "peer:damped_ets", "peer:prophet", "peer:sf_ensemble"]
    console.print(per_case[[c for c in cols if c in per_case]].round(3).to_string())

    peers = summary.loc[[p for p in PEERS if p in summary.index]]
    ens = summary.loc["ensemble"]
    goals = {
        "rel_mase_vs_best_peer": float(ens.rel_mase / peers.rel_mase.min()),
        "best_peer": str(peers.rel_mase.idxmin()),
        "worst_series_rel_to_naive": float(ens.worst_rel),
        "smape_vs_prophet_default": float(ens.smape / summary.loc["peer:prophet"].smape),
        "coverage80": float(ens.cov80),
        "coverage95": float(ens.cov95),
    }
    goals["engines"] = engines(summary)
    goals["timing"] = timing(cases, 1 if args.quick else 3)
    goals["batch"] = batch(args.batch or (60 if args.quick else 1000), args.jobs)
    console.print(goals)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "attribution": attribution,
                "summary": summary.reset_index().to_dict("records"),
                "per_series": per_case.reset_index().to_dict("records"),
                "goals": goals,
            },
            indent=2,
            default=float,
        )
    )
    console.print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
