"""The real Coach on labelled questions with two models side by side: the offline model and a real small local model.

The local model is Qwen2.5-Coder-1.5B-Instruct (Q4_K_M) in llama.cpp's ``llama-server``, reached through the
project's OpenAI-compatible provider (``COACH_OPENAI_BASE_URL``); set it up once with ``make real-llm``. Each
provider answers the same questions through ``coach.core.Coach`` on its own freshly seeded demo café (so goals one
run creates do not leak into the other), with today fixed to the day the labels were written for.

The questions: a fixed subset, as a turn of the local model takes 10-60 s on 2 cores. From the test split (every
third row) of benchmarks/data/owner_questions.jsonl and coach_questions.jsonl, rows without thread history, in file
order: for each of the 14 tools the first single-tool question of each set (28), the first 2 questions of each set
that need no tool (4), and the first 3 that need two tools (6): 38 in all.

Reported per provider: tool-set accuracy, argument accuracy (``coach_routing._same`` on the labelled arguments of
the first expected tool), grounded-number rate (answers whose every figure is in a tool result or the question),
how often the Coach's grounding guard replaced the model's answer, turns with a repeated identical tool call,
turns that fell back to the offline model, and latency p50/p95. Written to benchmarks/results/coach_real_llm.json.

    .venv/bin/python benchmarks/coach_real_llm.py [--limit N] [--providers offline,local]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _db import scratch_database  # type: ignore[import-not-found]  # noqa: E402
from real_llm import MODEL_NAME, SetupError, running_server  # type: ignore[import-not-found]  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from benchmarks.coach_routing import DATA, OWNERS, TODAY, UNSCORED, _same, load_questions  # noqa: E402
from coach.core import Coach, Turn  # noqa: E402
from coach.embeddings import embed  # noqa: E402
from coach.grounding import ungrounded  # noqa: E402
from coach.offline import OfflineLLM  # noqa: E402
from coach.tools.schemas import ARGS, TOOL_NAMES  # noqa: E402
from connectors.demo.businesses import DEMO_CAFE  # noqa: E402
from connectors.demo.seed import seed_profile  # noqa: E402
from storage.settings import Settings  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "coach_real_llm.json"
GUARD_MESSAGE = "answer stated figures no tool gave"
TURN_TIMEOUT_S = (
    120.0  # a whole turn (several model calls): past it the Coach falls back to the offline model
)
console = Console(width=160)


def select_questions() -> list[dict[str, Any]]:
    """The fixed subset described in the module docstring."""
    chosen: list[dict[str, Any]] = []
    for path in (OWNERS, DATA):
        rows = [r for r in load_questions(path) if r["split"] == "test" and not r.get("history")]
        for tool in TOOL_NAMES:
            chosen.extend([r for r in rows if r["tools"] == [tool]][:1])
        chosen.extend([r for r in rows if not r["tools"]][:2])
        chosen.extend([r for r in rows if len(r["tools"]) == 2][:3])
    return chosen


class GuardCounter(logging.Handler):
    """Counts the Coach's 'answer stated figures no tool gave' warnings (the grounding guard replacing an answer)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0
        self.failures: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if GUARD_MESSAGE in message:
            self.count += 1
        elif message.startswith("provider "):
            self.failures.append(message[:300])


def score(row: dict[str, Any], reply: Any, *, guarded: bool, model_failed: bool) -> dict[str, Any]:
    """One question's outcome: right tools, right arguments, grounded figures, repeated calls."""
    defaults = {name: {k: f.default for k, f in ARGS[name].model_fields.items()} for name in TOOL_NAMES}
    calls = [] if model_failed else reply.tool_calls
    got, want = {c["name"] for c in calls}, set(row["tools"])
    first = row["tools"][0] if row["tools"] else None
    effective = [{**defaults[c["name"]], **c["args"]} for c in calls if c["name"] == first]
    arg_hits = {
        key: any(key in args and _same(key, value, args[key]) for args in effective)
        for key, value in row.get("args", {}).items()
        if key not in UNSCORED
    }
    signatures = Counter(
        json.dumps([c["name"], c["args"]], sort_keys=True, default=str) for c in reply.tool_calls
    )
    evidence = [row["q"], *(r.for_model() for r in reply.results)]
    return {
        "q": row["q"],
        "set": row["set"],
        "want": sorted(want),
        "got": sorted(got),
        "calls": [{"name": c["name"], "args": c["args"], "ok": c["ok"]} for c in reply.tool_calls],
        "tool_ok": got == want and not model_failed,
        "arg_hits": arg_hits,
        "provider": reply.provider,
        "fell_back": model_failed,
        "guard_replaced": guarded,
        "grounded": not guarded and not ungrounded(reply.text, evidence),
        "repeated_call": any(n > 1 for n in signatures.values()),
        "latency_ms": reply.latency_ms,
        "tokens": reply.tokens,
        "answer": reply.text[:400],
    }


async def run_provider(name: str, rows: list[dict[str, Any]], base_url: str | None) -> list[dict[str, Any]]:
    """Every row through a real Coach on a freshly seeded demo café, with ``name``'s model."""
    if name == "offline":
        settings = Settings(database_url="postgresql://unused@localhost/x", llm_provider="offline")
    else:
        settings = Settings(
            database_url="postgresql://unused@localhost/x",
            llm_provider="openai",
            openai_api_key="sk-local-llama-server",  # llama-server checks no key; the client insists on one
            openai_base_url=base_url or "",
            openai_model=MODEL_NAME,
            llm_timeout_s=240,
            llm_max_retries=0,
            llm_monthly_budget_usd=1e9,  # uncapped: the local model is priced as an unknown cloud model
            llm_breaker_cooldown_s=0,  # a timed-out question must not send the next ones to offline
        )
    guard = GuardCounter()
    logging.getLogger("coach.core").addHandler(guard)
    cases: list[dict[str, Any]] = []
    async with scratch_database() as db:
        tenant = (await seed_profile(db, DEMO_CAFE, end=TODAY - timedelta(days=1))).tenant_id
        coach = Coach(
            db, settings, offline=OfflineLLM(), embed=embed, today=TODAY, provider_timeout_s=TURN_TIMEOUT_S
        )
        await coach.answer(
            Turn(tenant_id=tenant, text="hello")
        )  # load models; fill the server's prompt cache
        for index, row in enumerate(rows):
            before, failures_before = guard.count, len(guard.failures)
            reply = await coach.answer(Turn(tenant_id=tenant, text=row["q"], thread=f"{name}-{index}"))
            failed = name != "offline" and reply.provider != "openai"
            case = score(row, reply, guarded=guard.count > before, model_failed=failed)
            case["errors"] = guard.failures[failures_before:]
            cases.append(case)
            mark = "[green]ok[/green]" if case["tool_ok"] else "[red]miss[/red]"
            console.print(
                f"{name:8} {index + 1:2}/{len(rows)} {mark} {reply.latency_ms / 1000:6.1f}s {row['q'][:60]!r} "
                f"want {case['want']} got {case['got']}{' GUARD' if case['guard_replaced'] else ''}"
                f"{' FELL BACK' if failed else ''}"
            )
        await coach.aclose()
    logging.getLogger("coach.core").removeHandler(guard)
    return cases


def summarise(cases: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures reported for one provider."""
    latencies = sorted(c["latency_ms"] / 1000 for c in cases)
    hits = [hit for c in cases for hit in c["arg_hits"].values()]
    with_args = [c for c in cases if c["arg_hits"]]
    return {
        "questions": len(cases),
        "tool_set_accuracy": round(statistics.mean(c["tool_ok"] for c in cases), 4),
        "argument_accuracy": round(statistics.mean(hits), 4) if hits else None,
        "labelled_arguments": len(hits),
        "tool_and_arguments": round(
            statistics.mean(c["tool_ok"] and all(c["arg_hits"].values()) for c in with_args), 4
        )
        if with_args
        else None,
        "grounded_rate": round(statistics.mean(c["grounded"] for c in cases), 4),
        "guard_replaced": sum(c["guard_replaced"] for c in cases),
        "repeated_tool_calls": sum(c["repeated_call"] for c in cases),
        "fell_back_to_offline": sum(c["fell_back"] for c in cases),
        "latency_s_p50": round(latencies[len(latencies) // 2], 2),
        "latency_s_p95": round(latencies[int(0.95 * (len(latencies) - 1))], 2),
        "tokens_per_turn_mean": round(statistics.mean(c["tokens"] for c in cases), 1),
    }


def show(summaries: dict[str, dict[str, Any]]) -> None:
    """Both providers side by side."""
    table = Table(
        title=f"Real Coach, demo café, {next(iter(summaries.values()))['questions']} labelled questions"
    )
    table.add_column("figure")
    for name in summaries:
        table.add_column(name, justify="right")
    for key in next(iter(summaries.values())):
        table.add_row(key, *(str(s[key]) for s in summaries.values()))
    console.print(table)


async def main(limit: int | None, providers: list[str], threads: int | None) -> None:
    rows = select_questions()[:limit]
    runs: dict[str, list[dict[str, Any]]] = {}
    if "offline" in providers:
        runs["offline"] = await run_provider("offline", rows, None)
    if "local" in providers:
        with running_server(timeout_s=300, threads=threads) as base_url:
            runs[f"local ({MODEL_NAME})"] = await run_provider("local", rows, base_url)
    summaries = {name: summarise(cases) for name, cases in runs.items()}
    show(summaries)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {"today": TODAY.isoformat(), "summary": summaries, "cases": runs}, indent=2, ensure_ascii=False
        )
        + "\n"
    )
    console.print(
        f"written to {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="only the first N questions of the subset")
    parser.add_argument("--providers", default="offline,local", help="comma-separated: offline, local")
    parser.add_argument("--threads", type=int, help="llama-server threads (1 when another job holds a core)")
    options = parser.parse_args()
    try:
        asyncio.run(main(options.limit, options.providers.split(","), options.threads))
    except SetupError as error:
        Console(stderr=True).print(f"[red]coach_real_llm:[/red] {error}")
        sys.exit(1)
