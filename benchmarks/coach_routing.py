"""Routing benchmark for the offline model: tool choice, arguments and speed on owner questions.

The questions (benchmarks/data/coach_questions.jsonl) were written before, and apart from, the intent examples in
prompts/offline/intents/. Every third question (index % 3 == 2) is the "test" split: it was never looked at while
tuning examples, cues or thresholds; the rest is "dev". Both are reported.

    .venv/bin/python benchmarks/coach_routing.py [--no-cues]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from llama_index.core.tools import FunctionTool  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from coach.offline.llm import build_router  # noqa: E402
from coach.offline.planner import Plan, PlannedCall, plan  # noqa: E402
from coach.offline.router import Router  # noqa: E402
from coach.periods import PeriodError, deadline, resolve_future, resolve_period  # noqa: E402
from coach.tools.schemas import ARGS, TOOL_NAMES  # noqa: E402

DATA = Path(__file__).resolve().parent / "data" / "coach_questions.jsonl"
# 433 questions written by someone who had not seen the intent examples, the code or the first set; periods
# labelled as the days they mean on TODAY. Split fixed before any tuning: every third is test.
OWNERS = Path(__file__).resolve().parent / "data" / "owner_questions.jsonl"
RESULTS = Path(__file__).resolve().parent / "results" / "coach_routing.json"


def schema_tools() -> list[FunctionTool]:
    """One FunctionTool per coach tool, with the real argument schema and a body that is never run."""

    def make(name: str) -> FunctionTool:
        async def run(**kwargs: Any) -> str:
            return json.dumps({"tool": name, "args": kwargs})

        return FunctionTool.from_defaults(
            async_fn=run, name=name, description=ARGS[name].__doc__ or name, fn_schema=ARGS[name]
        )

    return [make(name) for name in TOOL_NAMES]


def load_questions(path: Path = DATA) -> list[dict[str, Any]]:
    """The labelled questions, each with its split and the set it came from."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    for index, row in enumerate(rows):
        row["split"] = "test" if index % 3 == 2 else "dev"
        row["set"] = path.stem
    return rows


TODAY = date(2026, 11, 18)  # the day owner_questions.jsonl was written for (a Wednesday), a US business
PAST_FIELDS = ("period", "compare_to", "baseline")
FUTURE_FIELDS = ("horizon", "week")
UNSCORED = ("query",)  # free words: whether history search finds the topic is judged by its own tests


def _dates(field: str, value: Any) -> tuple[str, str] | str | None:
    """A period argument as the days it means on TODAY (a deadline as one day), None if it cannot be read."""
    try:
        if field == "deadline":
            return deadline(str(value), today=TODAY).isoformat()
        resolve = resolve_period if field in PAST_FIELDS else resolve_future
        period = resolve(str(value), today=TODAY)
        return period.start.isoformat(), period.end.isoformat()
    except PeriodError:
        return None


def _same(field: str, expected: Any, got: Any) -> bool:
    if isinstance(expected, dict) and {"start", "end"} <= set(expected):
        return _dates(field, got) == (expected["start"], expected["end"])
    if field == "deadline" and isinstance(expected, str) and expected[:2] == "20":
        return _dates(field, got) == expected
    if isinstance(expected, list):
        return isinstance(got, list) and {str(e).lower() for e in expected} == {str(g).lower() for g in got}
    if isinstance(expected, int | float) and isinstance(got, int | float):
        return abs(float(expected) - float(got)) < 1e-6
    return str(expected).strip().lower() == str(got).strip().lower()


def _plan_thread(router: Router, tools: list[FunctionTool], row: dict[str, Any]) -> Plan:
    """Plan the row's question after its history, each earlier message planned first and its calls kept, as the
    coach does with a thread's remembered turns."""
    previous: str | None = None
    calls: list[PlannedCall] = []
    for message in row.get("history", []):
        earlier = plan(router, message, tools, previous=previous, previous_calls=calls)
        previous, calls = message, earlier.calls if earlier.kind == "tools" else []
    return plan(router, row["q"], tools, previous=previous, previous_calls=calls)


def evaluate(router: Router, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Route every question; tool-set accuracy, per-tool precision/recall, argument accuracy, timings."""
    tools = schema_tools()
    defaults = {name: {k: f.default for k, f in ARGS[name].model_fields.items()} for name in TOOL_NAMES}
    router.route("warm up", offered=set(TOOL_NAMES))
    timings: list[float] = []
    cases: list[dict[str, Any]] = []
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for row in rows:
        started = time.perf_counter()
        result = _plan_thread(router, tools, row)
        timings.append(1000 * (time.perf_counter() - started))
        got = {c.tool for c in result.calls} if result.kind == "tools" else set()
        want = set(row["tools"])
        for tool in TOOL_NAMES:
            tp[tool] += tool in got and tool in want
            fp[tool] += tool in got and tool not in want
            fn[tool] += tool not in got and tool in want
        first = row["tools"][0] if row["tools"] else None
        effective = [{**defaults[c.tool], **c.args} for c in result.calls if c.tool == first]
        arg_hits = {
            key: any(key in args and _same(key, value, args[key]) for args in effective)
            for key, value in row.get("args", {}).items()
            if key not in UNSCORED
        }
        reply_ok = not want and result.kind == row.get("reply", result.kind)
        cases.append(
            {
                "q": row["q"],
                "split": row["split"],
                "set": row.get("set", "benchmark"),
                "kind": row.get("kind", ""),
                "want": sorted(want),
                "got": sorted(got),
                "route": result.kind,
                "ok": got == want and (bool(want) or reply_ok or "reply" not in row),
                "args": [c.args for c in result.calls],
                "arg_hits": arg_hits,
            }
        )
    return {"cases": cases, "timings": timings, "tp": tp, "fp": fp, "fn": fn}


def summarise(run: dict[str, Any]) -> dict[str, Any]:
    """The figures the benchmark reports."""
    cases, timings = run["cases"], sorted(run["timings"])
    splits = {
        split: round(statistics.mean([c["ok"] for c in cases if c["split"] == split] or [0]), 4)
        for split in ("dev", "test")
    }
    arg_results = [hit for c in cases for hit in c["arg_hits"].values()]
    usable = {
        split: round(
            statistics.mean(
                [c["ok"] and all(c["arg_hits"].values()) for c in cases if c["split"] == split] or [0]
            ),
            4,
        )
        for split in ("dev", "test")
    }
    per_tool = {}
    for tool in TOOL_NAMES:
        tp, fp, fn = run["tp"][tool], run["fp"][tool], run["fn"][tool]
        per_tool[tool] = {
            "precision": round(tp / (tp + fp), 3) if tp + fp else None,
            "recall": round(tp / (tp + fn), 3) if tp + fn else None,
            "support": tp + fn,
        }
    return {
        "questions": len(cases),
        "tool_set_accuracy": round(statistics.mean(c["ok"] for c in cases), 4),
        "tool_set_accuracy_by_split": splits,
        "argument_accuracy": round(statistics.mean(arg_results), 4) if arg_results else None,
        "tool_and_arguments_by_split": usable,
        "labelled_arguments": len(arg_results),
        "routing_ms_p50": round(timings[len(timings) // 2], 1),
        "routing_ms_p95": round(timings[int(0.95 * (len(timings) - 1))], 1),
        "per_tool": per_tool,
        "failures": [
            {k: c[k] for k in ("q", "split", "want", "got", "route", "kind")} for c in cases if not c["ok"]
        ],
        "argument_misses": [
            {
                "q": c["q"],
                "split": c["split"],
                "args": c["args"],
                "missed": [k for k, v in c["arg_hits"].items() if not v],
            }
            for c in cases
            if c["ok"] and not all(c["arg_hits"].values())
        ],
    }


CONFIGS: dict[str, dict[str, Any]] = {
    "examples + cues (before)": {"classifier": False},
    "examples + cues + classifier (now)": {"classifier": True},
    "classifier alone": {"classifier": True, "use_cues": False, "similarity": False},
}


def show(results: dict[str, dict[str, dict[str, Any]]], console: Console, *, splits: tuple[str, ...]) -> None:
    """Every configuration on every set side by side, then the misses of the last configuration in ``splits``
    (test misses stay unseen while tuning)."""
    table = Table(title="Offline model routing: right tool, and right tool with usable arguments")
    for column in (
        "router",
        "set",
        "n",
        "tool dev",
        "tool test",
        "tool+args dev",
        "tool+args test",
        "args",
        "p95 ms",
    ):
        table.add_column(column, justify="left" if column in ("router", "set") else "right")
    for name, by_set in results.items():
        for set_name, summary in by_set.items():
            table.add_row(
                name,
                set_name,
                str(summary["questions"]),
                f"{summary['tool_set_accuracy_by_split']['dev']:.1%}",
                f"{summary['tool_set_accuracy_by_split']['test']:.1%}",
                f"{summary['tool_and_arguments_by_split']['dev']:.1%}",
                f"{summary['tool_and_arguments_by_split']['test']:.1%}",
                f"{summary['argument_accuracy']:.1%}",
                str(summary["routing_ms_p95"]),
            )
    console.print(table)
    last = list(results.values())[-1] if len(results) == 1 else results[list(results)[1]]
    for summary in last.values():
        for failure in (f for f in summary["failures"] if f["split"] in splits):
            console.print(
                f"[red]miss[/red] ({failure['split']}, {failure['kind']}) {failure['q']!r}: want {failure['want']}, "
                f"got {failure['got']} ({failure['route']})"
            )
        for miss in (m for m in summary["argument_misses"] if m["split"] in splits):
            console.print(
                f"[yellow]args[/yellow] ({miss['split']}) {miss['q']!r}: {miss['args']} missed {miss['missed']}"
            )


def main() -> None:
    """Run the benchmark, print it, write benchmarks/results/coach_routing.json."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--show-test", action="store_true", help="also list the test split's misses")
    parser.add_argument("--only", choices=list(CONFIGS), help="one configuration")
    options = parser.parse_args()
    sets = {"benchmark": load_questions(DATA), "owners": load_questions(OWNERS)}
    results: dict[str, dict[str, dict[str, Any]]] = {}
    for name, config in CONFIGS.items():
        if options.only and name != options.only:
            continue
        router = build_router(**config)
        results[name] = {set_name: summarise(evaluate(router, rows)) for set_name, rows in sets.items()}
    show(results, Console(width=200), splits=("dev", "test") if options.show_test else ("dev",))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
