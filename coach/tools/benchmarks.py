"""The benchmark_compare tool: the business's ratios next to published industry figures, with their sources."""

from __future__ import annotations

from analytics.ratios import compare, compute_ratios
from coach.periods import resolve_period
from coach.tools.base import ToolError
from coach.tools.context import ToolContext
from coach.tools.result import Source, ToolResult
from coach.tools.schemas import BenchmarkCompareArgs
from storage.benchmarks.service import list_benchmarks
from storage.catalog.service import list_employees


async def benchmark_compare_tool(ctx: ToolContext, args: BenchmarkCompareArgs) -> ToolResult:
    """Labour cost %, COGS %, margins, average ticket and revenue per employee against industry figures."""
    frame = await ctx.frame()
    if frame.empty:
        raise ToolError("There is no data yet to compare.")
    period = resolve_period(
        args.period, today=min(ctx.today, frame.index.max().date()), country=ctx.tenant.country
    )
    async with ctx.db.tenant_session(ctx.tenant.id) as session:
        headcount = len(await list_employees(session=session)) or None
        published = await list_benchmarks(
            session=session, industry=ctx.tenant.industry, metric=args.metric, country=ctx.tenant.country
        )
    if not published:
        raise ToolError(f"I have no published figures for {ctx.tenant.industry} businesses yet.")
    ratios = compute_ratios(
        frame, headcount=headcount, period=(period.start, period.end), currency=ctx.tenant.currency
    )
    if args.metric is not None:
        ratios = {k: v for k, v in ratios.items() if k == args.metric}
    comparisons = compare(ratios, published)
    if not comparisons:
        raise ToolError("Your data does not have what these ratios need (revenue with costs or staff).")
    rows = [
        {
            "ratio": c.label,
            "yours": round(c.value, 2),
            "published": c.benchmark,
            "low": c.low,
            "high": c.high,
            "unit": c.unit,
            "verdict": c.verdict,
            "source": c.source,
            "year": c.year,
            "country": c.country,
        }
        for c in comparisons
    ]
    notes = [r.note for r in ratios.values() if r.note]
    notes += [b.note for b in published if b.note]
    return ToolResult(
        tool="benchmark_compare",
        headline=" ".join(c.sentence for c in comparisons),
        facts={
            "period": period.describe(),
            "compared": len(comparisons),
            "worse": [c.label for c in comparisons if c.verdict == "worse"],
        },
        table=rows,
        notes=list(dict.fromkeys(notes)),
        sources=[
            Source(
                tool="benchmark_compare",
                data=f"your metrics, {period.describe()}",
                method="ratios from your data",
            ),
            *[
                Source(
                    tool="benchmark_compare",
                    data=f"{c.label}: {c.source} ({c.year}, {c.country})",
                    method="published industry figure",
                )
                for c in comparisons
            ],
        ],
    )
