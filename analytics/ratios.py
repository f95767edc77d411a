"""Business ratios from daily metrics, and how they compare with published industry figures.

Pure: a wide daily frame in, dataclasses out. Shares and margins are percentages (0-100), the same convention
as the benchmark table. The net margin here is a *proxy*: revenue minus COGS, labour and marketing, before
rent, utilities and other overheads, so it is always higher than the business's true net margin.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Protocol

import pandas as pd

LOWER_IS_BETTER = frozenset({"labour_cost_pct", "cogs_pct"})
HIGHER_IS_BETTER = frozenset({"gross_margin", "net_margin", "revenue_per_employee"})
POINT_TOLERANCE_PP = 1.0  # percentage points: closer than this to a single published figure is "in range"
MONEY_TOLERANCE = 0.05  # relative, for money figures without a range
LABELS = {
    "labour_cost_pct": "labour cost as % of revenue",
    "cogs_pct": "cost of goods as % of revenue",
    "gross_margin": "gross margin",
    "net_margin": "net margin proxy (before rent and overheads)",
    "average_ticket": "average ticket",
    "revenue_per_employee": "revenue per employee (annualised)",
}


class BenchmarkLike(Protocol):
    """What compare() needs of a published figure (storage's Benchmark has these attributes)."""

    metric: str
    value: float
    low: float | None
    high: float | None
    unit: str
    source: str
    year: int
    country: str


@dataclass(frozen=True)
class Ratio:
    """One ratio of the business over a period, with the sums it came from."""

    name: str
    label: str
    value: float
    unit: str  # "percent" or the currency of revenue
    numerator: float
    denominator: float
    note: str = ""


@dataclass(frozen=True)
class Comparison:
    """The business's ratio next to a published figure, with a verdict and a plain sentence."""

    metric: str
    label: str
    value: float
    unit: str
    benchmark: float
    low: float | None
    high: float | None
    verdict: str  # better | worse | in range | above | below | unclear
    lower_is_better: bool | None  # None: neither direction is better (average ticket)
    source: str
    year: int
    country: str
    sentence: str


def compute_ratios(
    frame: pd.DataFrame, *, headcount: float | None, period: tuple[date, date], currency: str = "USD"
) -> dict[str, Ratio]:
    """The ratios the frame supports over ``period`` (both dates included); missing inputs leave a ratio out."""
    start, end = period
    index = pd.DatetimeIndex(frame.index)
    days_index = (index.tz_localize(None) if index.tz is not None else index).normalize()
    window = frame.loc[(days_index >= pd.Timestamp(start)) & (days_index <= pd.Timestamp(end))]
    sums = {c: float(pd.to_numeric(window[c], errors="coerce").fillna(0).sum()) for c in window.columns}
    revenue = sums.get("revenue")
    if revenue is None or revenue <= 0 or window.empty:
        return {}
    ratios: dict[str, Ratio] = {}

    def share(name: str, part: float, note: str = "") -> None:
        ratios[name] = Ratio(name, LABELS[name], 100 * part / revenue, "percent", part, revenue, note)

    marketing = sum(v for c, v in sums.items() if c.split("[", 1)[0] == "marketing_spend")
    if "labour_cost" in sums:
        share("labour_cost_pct", sums["labour_cost"])
    if "cogs" in sums:
        share("cogs_pct", sums["cogs"])
        share("gross_margin", revenue - sums["cogs"])
    if "cogs" in sums and "labour_cost" in sums:
        costs = sums["cogs"] + sums["labour_cost"] + marketing
        share(
            "net_margin",
            revenue - costs,
            "revenue minus COGS, labour and marketing; rent, utilities and other overheads are not included, "
            "so the true net margin is lower",
        )
    if sums.get("orders", 0) > 0:
        ticket = revenue / sums["orders"]
        ratios["average_ticket"] = Ratio(
            "average_ticket", LABELS["average_ticket"], ticket, currency, revenue, sums["orders"]
        )
    elif "average_ticket" in window:
        daily = pd.to_numeric(window["average_ticket"], errors="coerce").dropna()
        if len(daily):
            ratios["average_ticket"] = Ratio(
                "average_ticket", LABELS["average_ticket"], float(daily.mean()), currency, float(daily.sum()),
                float(len(daily)), "mean of daily averages (no order counts to weight them)",
            )  # fmt: skip
    if headcount is not None and headcount > 0:
        covered = window.index[window["revenue"].notna()]
        first, last = pd.Timestamp(covered.min()).date(), pd.Timestamp(covered.max()).date()
        days = (last - first).days + 1
        value = revenue / days * 365 / headcount
        ratios["revenue_per_employee"] = Ratio(
            "revenue_per_employee", LABELS["revenue_per_employee"], value, currency, revenue * 365 / days,
            float(headcount), f"{days} days of revenue scaled to a year, over {headcount:g} employees",
        )  # fmt: skip
    return ratios


def compare(ratios: Mapping[str, Ratio], benchmarks: Iterable[BenchmarkLike]) -> list[Comparison]:
    """Each ratio that has a published figure, judged (for cost shares lower is better), in metric order."""
    by_metric = {b.metric: b for b in benchmarks}
    return [_compare(ratios[name], by_metric[name]) for name in sorted(ratios) if name in by_metric]


def _compare(ratio: Ratio, bench: BenchmarkLike) -> Comparison:
    lower_better = (
        True if ratio.name in LOWER_IS_BETTER else False if ratio.name in HIGHER_IS_BETTER else None
    )
    low, high = _range(bench, percent=ratio.unit == "percent")
    value = ratio.value
    position = "in range" if low <= value <= high else "above" if value > high else "below"
    verdict = position
    if lower_better is not None and position != "in range":
        verdict = "better" if (position == "below") == lower_better else "worse"
    if ratio.name == "net_margin" and position != "below":
        verdict = "unclear"  # the proxy leaves out rent and overheads, so being at or above proves nothing
    return Comparison(
        metric=ratio.name, label=ratio.label, value=value, unit=ratio.unit, benchmark=bench.value,
        low=bench.low, high=bench.high, verdict=verdict, lower_is_better=lower_better, source=bench.source,
        year=bench.year, country=bench.country, sentence=_sentence(ratio, bench, verdict),
    )  # fmt: skip


def _range(bench: BenchmarkLike, *, percent: bool) -> tuple[float, float]:
    """The published range; a single figure gets a small tolerance band (1 point, or 5% for money)."""
    if bench.low is None and bench.high is None:
        margin = POINT_TOLERANCE_PP if percent else abs(bench.value) * MONEY_TOLERANCE
        return bench.value - margin, bench.value + margin
    low = bench.low if bench.low is not None else -math.inf
    high = bench.high if bench.high is not None else math.inf
    return low, high


def _fmt(value: float, unit: str) -> str:
    return (
        f"{value:.1f}%"
        if unit == "percent"
        else f"{value:,.2f} {unit}"
        if value < 100
        else f"{value:,.0f} {unit}"
    )


def _sentence(ratio: Ratio, bench: BenchmarkLike, verdict: str) -> str:
    unit = ratio.unit
    if bench.low is not None and bench.high is not None:
        published = f"{_fmt(bench.low, unit)} to {_fmt(bench.high, unit)}"
    elif bench.high is not None:
        published = f"at most {_fmt(bench.high, unit)}"
    elif bench.low is not None:
        published = f"at least {_fmt(bench.low, unit)}"
    else:
        published = f"about {_fmt(bench.value, unit)}"
    source = bench.source.split(":", 1)[0]
    text = (
        f"Your {ratio.label} is {_fmt(ratio.value, unit)}; the published figure is {published} "
        f"({source}, {bench.year}, {bench.country})."
    )
    verdicts = {
        "better": " That is better than the benchmark.",
        "worse": " That is worse than the benchmark.",
        "in range": " That is in line with the benchmark.",
        "above": " Yours is higher.",
        "below": " Yours is lower.",
        "unclear": " Rent and overheads are not in your figure, so your true net margin is lower than this and the "
        "comparison cannot show you are ahead.",
    }
    text += verdicts[verdict]
    if ratio.name == "net_margin" and verdict == "worse":
        text += " Even before rent and overheads you are below it, so the true gap is larger."
    note = getattr(bench, "note", "")
    return f"{text} Note: {note}." if note else text
