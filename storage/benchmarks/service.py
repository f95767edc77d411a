"""Published industry ratios for the session's tenant: the most recent figure per metric, own country first.

Shares and margins are percentages (0-100; a net margin may be negative). Every figure carries its source and
year; when a figure comes from another country or a neighbouring industry, ``note`` says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.benchmarks.models import ExternalBenchmark

INDUSTRIES = ("cafe", "restaurant", "retail", "bookshop", "salon", "agency")
# tenants.industry (and owners' words for it) -> the benchmark industry
INDUSTRY_OF: dict[str, str] = {
    "cafe": "cafe", "café": "cafe", "coffee_shop": "cafe", "coffee shop": "cafe", "coffee": "cafe",
    "bakery": "cafe", "restaurant": "restaurant", "bar": "restaurant", "pub": "restaurant",
    "takeaway": "restaurant", "retail": "retail", "shop": "retail", "store": "retail", "boutique": "retail",
    "bookshop": "bookshop", "bookstore": "bookshop", "books": "bookshop", "salon": "salon",
    "hair_salon": "salon", "barber": "salon", "barbershop": "salon", "spa": "salon", "beauty": "salon",
    "agency": "agency", "marketing_agency": "agency", "design_agency": "agency", "consultancy": "agency",
}  # fmt: skip
# Where an industry has no figure for a metric, the nearest industry that might (noted in the result).
NEIGHBOUR: dict[str, str] = {"bookshop": "retail", "cafe": "restaurant"}


@dataclass(frozen=True)
class Benchmark:
    """One published figure chosen for a business, with where it comes from and any caveat."""

    industry: str
    metric: str
    country: str
    year: int
    value: float
    low: float | None
    high: float | None
    unit: str
    source: str
    source_url: str
    note: str = ""


def benchmark_industry(industry: str | None) -> str | None:
    """The benchmark industry for a tenant's industry (None for 'other' or unknown ones)."""
    if not industry:
        return None
    word = industry.strip().lower()
    return INDUSTRY_OF.get(word) or INDUSTRY_OF.get(word.replace(" ", "_"))


async def list_benchmarks(
    *, session: AsyncSession, industry: str | None, metric: str | None = None, country: str | None = None
) -> list[Benchmark]:
    """One figure per metric for this industry (default: the tenant's), most recent year, own country first.

    ``country`` defaults to the tenant's; when only another country has the metric, that figure is used and
    ``note`` says so. Metrics missing for the industry fall back to a neighbouring one (bookshop -> retail).
    """
    if industry is None or country is None:
        own = (await session.execute(text("SELECT industry, country FROM tenants"))).first()
        industry = industry if industry is not None else (own.industry if own else None)
        country = country if country is not None else (own.country if own else "US")
    wanted = benchmark_industry(industry)
    if wanted is None:
        return []
    chosen: dict[str, Benchmark] = {}
    for source_industry in (wanted, NEIGHBOUR.get(wanted)):
        if source_industry is None:
            continue
        query = select(ExternalBenchmark).where(ExternalBenchmark.industry == source_industry)
        if metric is not None:
            query = query.where(ExternalBenchmark.metric == metric)
        rows = (await session.scalars(query)).all()
        for name in sorted({r.metric for r in rows} - set(chosen)):
            best = max(
                (r for r in rows if r.metric == name),
                key=lambda r: (r.country == country.upper(), r.year),
            )
            chosen[name] = _benchmark(best, wanted=wanted, country=country.upper())
    return [chosen[name] for name in sorted(chosen)]


def _benchmark(row: ExternalBenchmark, *, wanted: str, country: str) -> Benchmark:
    notes = []
    if row.industry != wanted:
        notes.append(f"no {wanted} figure, so this is the {row.industry} figure")
    if row.country != country:
        notes.append(f"no {country} figure, so this is the {row.country} figure")
    return Benchmark(
        row.industry, row.metric, row.country, row.year, row.value, row.low, row.high, row.unit, row.source,
        row.source_url, note="; ".join(notes),
    )  # fmt: skip
