"""Benchmark series for the forecasting engine: demo businesses, Online Retail II, statsmodels datasets."""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

CACHE = Path(__file__).resolve().parent / "results" / ".retail_cache.pkl"


@dataclass(frozen=True)
class Case:
    """One benchmark series with its forecast horizon and the country whose holidays apply."""

    name: str
    group: str
    series: pd.Series
    horizon: int
    country: str | None = None


def retail() -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Online Retail II daily totals and top-SKU units (cached after the first load)."""
    if CACHE.exists():
        with CACHE.open("rb") as fh:
            return pickle.load(fh)  # noqa: S301 - our own cache file
    from connectors.datasets.online_retail import load

    ds = load()
    out = (ds.daily, ds.sku_units, ds.attribution)
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    with CACHE.open("wb") as fh:
        pickle.dump(out, fh)
    return out


def demo_cases(quick: bool) -> list[Case]:
    """Daily revenue and orders of the two demo businesses, plus a few SKUs' units."""
    from connectors.demo.businesses import DEMO_CAFE, NORTHSIDE_BOOKS
    from connectors.demo.generator import generate

    cases = []
    for profile in (DEMO_CAFE, NORTHSIDE_BOOKS):
        b = generate(profile, end=date(2026, 10, 31))
        for col in ("revenue",) if quick else ("revenue", "orders"):
            cases.append(Case(f"{profile.slug}/{col}", "demo", b.daily[col], 28, profile.country))
        skus = b.sku_daily.pivot_table(index="date", columns="sku", values="units_sold", aggfunc="sum")
        for sku in skus.sum().sort_values().index[:: max(1, len(skus.columns) // (1 if quick else 3))][:3]:
            cases.append(
                Case(f"{profile.slug}/sku {sku}", "demo-sku", skus[sku].asfreq("D"), 28, profile.country)
            )
    return cases


def retail_cases(quick: bool) -> list[Case]:
    """Online Retail II: daily revenue, orders, customers and top-SKU demand."""
    daily, skus, _ = retail()
    cases = [
        Case(f"retail/{c}", "retail", daily[c].asfreq("D"), 28, "GB")
        for c in (("revenue", "orders") if quick else ("revenue", "orders", "customers"))
    ]
    for sku in skus.columns[: 3 if quick else 10]:
        cases.append(Case(f"retail/sku {sku}", "retail-sku", skus[sku].asfreq("D"), 28, "GB"))
    return cases


def package_cases(quick: bool) -> list[Case]:
    """Real series bundled with statsmodels: CO2 (weekly), sunspots and Nile (yearly), El Nino (monthly)."""
    import statsmodels.api as sm

    co2 = sm.datasets.co2.load_pandas().data["co2"].asfreq("W-SAT").interpolate().iloc[-520:]
    sun = sm.datasets.sunspots.load_pandas().data
    nile = sm.datasets.nile.load_pandas().data
    nino = sm.datasets.elnino.load_pandas().data.set_index("YEAR").stack()
    nino.index = pd.date_range("1950-01-01", periods=len(nino), freq="MS")
    macro = sm.datasets.macrodata.load_pandas().data
    quarters = pd.date_range("1959-01-01", periods=len(macro), freq="QS")
    cases = [
        Case("statsmodels/elnino monthly", "package", nino.astype(float), 12),
        Case(
            "statsmodels/sunspots yearly",
            "package",
            pd.Series(sun["SUNACTIVITY"].to_numpy(), pd.date_range("1700", periods=len(sun), freq="YS")),
            10,
        ),
    ]
    if not quick:
        cases += [
            Case("statsmodels/co2 weekly", "package", co2, 13),  # season 52: the peers' AutoARIMA is slow
            Case(
                "statsmodels/nile yearly",
                "package",
                pd.Series(nile["volume"].to_numpy(), pd.date_range("1871", periods=len(nile), freq="YS")),
                8,
            ),
            Case(
                "statsmodels/unemployment quarterly",
                "package",
                pd.Series(macro["unemp"].to_numpy(), quarters),
                8,
            ),
            Case("statsmodels/cpi quarterly", "package", pd.Series(macro["cpi"].to_numpy(), quarters), 8),
        ]
    return cases


def all_cases(quick: bool) -> list[Case]:
    """Every benchmark series."""
    return demo_cases(quick) + retail_cases(quick) + package_cases(quick)


def batch_series(n: int, seed: int = 0) -> list[pd.Series]:
    """n one-year daily series cut from the real and demo data at random end dates (for throughput)."""
    rng = np.random.default_rng(seed)
    pool = [c.series for c in demo_cases(False) + retail_cases(False) if c.series.index.freqstr == "D"]
    out = []
    for i in range(n):
        s = pool[i % len(pool)]
        end = int(rng.integers(300, len(s) + 1))
        out.append(s.iloc[max(0, end - 365) : end])
    return out
