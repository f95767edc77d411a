"""Coach turn latency with the offline model on the demo tenant, warm, per capability, against the bare tool call.

For each capability one owner question goes through the whole turn (guard, offline model routing and argument
extraction, FunctionAgent loop, the tool, grounding, the templated answer, memory write); the same tool is also
called directly with the arguments the model chose. Ratio = turn / bare call (the agent's overhead).
Goals: p95 <= 1.5 s per turn except optimization turns (<= 4 s). Every capability is measured twice in one run:
as a process runs before ``bot.heap.settle()``, then after it, as ``coach serve`` runs (start-up objects set aside
from garbage collection).

    .venv/bin/python benchmarks/coach.py [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from datetime import date
from pathlib import Path

from _db import scratch_database  # type: ignore[import-not-found]
from rich.console import Console
from rich.table import Table

from analytics.forecast.memo import forget_all
from bot.heap import settle
from coach.core import Coach, Turn
from coach.embeddings import embed
from coach.offline import OfflineLLM
from coach.tools.context import ToolContext
from coach.tools.registry import build_tools
from coach.warmup import warm_up
from connectors.demo.businesses import DEMO_CAFE
from connectors.demo.seed import seed_profile
from storage.settings import Settings

END, TODAY = date(2026, 6, 30), date(2026, 7, 1)
OPTIMIZATION = {"optimize_inventory", "plan_staffing", "allocate_budget"}
QUESTIONS = {
    "metric_summary": "How did sales go last week?",
    "list_metrics": "What data do you have on my business?",
    "forecast_metric": "What will revenue look like next month?",
    "explain_change": "Why did revenue change last week?",
    "what_if": "What if we raise prices by 5%?",
    "optimize_inventory": "How much stock should I order this week?",
    "plan_staffing": "Make me next week's rota",
    "allocate_budget": "How should I split my marketing budget?",
    "create_goal": "Set a goal of 95000 revenue by the end of August",
    "list_goals": "What are my goals?",
    "goal_progress": "How are my goals going?",
    "search_history": "What did we talk about regarding the rota?",
    "benchmark_compare": "How does my labour cost compare to other cafes?",
}
console = Console()


def pct(values: list[float], q: int) -> float:
    """The q-th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


async def main(runs: int) -> dict[str, dict[str, float]]:
    async with scratch_database() as db:
        tenant = (await seed_profile(db, DEMO_CAFE, end=END)).tenant_id
        settings = Settings(database_url="postgresql://unused@localhost/x", llm_provider="offline")
        coach = Coach(db, settings, offline=OfflineLLM(), embed=embed, today=TODAY)
        await coach.answer(Turn(tenant_id=tenant, text="hello"))  # load the models and the intent examples
        warm_up()
        unsettled = await measure(coach, tenant, runs)
        settle()
        figures = await measure(coach, tenant, runs)
        for tool, f in figures.items():
            f["unsettled_p50_s"], f["unsettled_p95_s"] = unsettled[tool]["p50_s"], unsettled[tool]["p95_s"]
        await coach.aclose()
    show(figures, runs)
    out = Path(__file__).with_name("results")
    out.mkdir(exist_ok=True)
    (out / "coach.json").write_text(json.dumps(figures, indent=2))
    return figures


async def measure(coach: Coach, tenant: uuid.UUID, runs: int) -> dict[str, dict[str, float]]:
    """Each capability's turn and bare-tool times (the first run of each warms caches and is not counted)."""
    db, info = coach.db, await coach.tenant(tenant)
    figures: dict[str, dict[str, float]] = {}
    for tool, question in QUESTIONS.items():
        turns, bare, routed = [], [], []
        for i in range(runs + 1):  # the first run warms caches for this capability and is not counted
            forget_all()  # time the forecasts themselves, not the answer remembered from the last run
            started = time.perf_counter()
            reply = await coach.answer(Turn(tenant_id=tenant, text=question, thread=f"bench-{tool}-{i}"))
            elapsed = time.perf_counter() - started
            calls = reply.tool_calls
            routed.append(float([c["name"] for c in calls] == [tool]))
            if not calls:
                continue
            ctx = ToolContext(db=db, tenant=info, user_id=None, today=TODAY, embed=embed, frames=coach.frames)
            direct = {t.metadata.name: t for t in build_tools(ctx)}[calls[0]["name"]]
            forget_all()
            started = time.perf_counter()
            await direct.acall(**calls[0]["args"])
            if i:
                turns.append(elapsed)
                bare.append(time.perf_counter() - started)
        if turns:
            figures[tool] = {
                "p50_s": statistics.median(turns),
                "p95_s": pct(turns, 95),
                "bare_p50_s": statistics.median(bare),
                "overhead_ratio": statistics.median(turns) / max(statistics.median(bare), 1e-6),
                "routed_right": sum(routed) / len(routed),
            }
    return figures


def show(figures: dict[str, dict[str, float]], runs: int) -> None:
    """The table of figures, settled and not."""
    table = Table(title=f"Coach turns, offline model, demo café, warm ({runs} runs each)")
    for column in (
        "capability",
        "turn p50 s",
        "turn p95 s",
        "before settling p50 / p95 s",
        "bare tool p50 s",
        "turn / bare",
        "goal p95",
        "met",
    ):
        table.add_column(column, justify="left" if column == "capability" else "right")
    for tool, f in figures.items():
        goal = 4.0 if tool in OPTIMIZATION else 1.5
        table.add_row(
            tool,
            f"{f['p50_s']:.2f}",
            f"{f['p95_s']:.2f}",
            f"{f['unsettled_p50_s']:.2f} / {f['unsettled_p95_s']:.2f}",
            f"{f['bare_p50_s']:.2f}",
            f"{f['overhead_ratio']:.2f}",
            f"{goal:.1f}",
            "yes" if f["p95_s"] <= goal else "no",
        )
    console.print(table)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    asyncio.run(main(parser.parse_args().runs))
