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
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from llama_index.core.tools import FunctionTool  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from coach.offline.llm import build_router  # noqa: E402
from coach.offline.planner import plan  # noqa: E402
from coach.offline.router import Router  # noqa: E402
from coach.tools.schemas import ARGS, TOOL_NAMES  # noqa: E402

DATA = Path(__file__).resolve().parent / "data" / "coach_questions.jsonl"
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
    """The labelled questions, each with its split."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    for index, row in enumerate(rows):
        row["split"] = "test" if index % 3 == 2 else "dev"
    return rows


def _same(expected: Any, got: Any) -> bool:
    if isinstance(expected, int | float) and isinstance(got, int | float):
        return abs(float(expected) - float(got)) < 1e-6
    return str(expected).strip().lower() == str(got).strip().lower()


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
        previous = row.get("history", [None])[-1]
        started = time.perf_counter()
        result = plan(router, row["q"], tools, previous=previous)
        timings.append(1000 * (time.perf_counter() - started))
        got = {c.tool for c in result.calls} if result.kind == "tools" else set()
        want = set(row["tools"])
        for tool in TOOL_NAMES:
            tp[tool] += tool in got and tool in want
            fp[tool] += tool in got and tool not in want
            fn[tool] += tool not in got and tool in want
        effective = [{**defaults[c.tool], **c.args} for c in result.calls]
        arg_hits = {
            key: any(key in args and _same(value, args[key]) for args in effective)
            for key, value in row.get("args", {}).items()
        }
        cases.append(
            {
                "q": row["q"],
                "split": row["split"],
                "want": sorted(want),
                "got": sorted(got),
                "kind": result.kind,
                "ok": got == want,
                "args": [c.args for c in result.calls],
                "arg_hits": arg_hits,
            }
        )
    return {"cases": cases, "timings": timings, "tp": tp, "fp": fp, "fn": fn}


def summarise(run: dict[str, Any]) -> dict[str, Any]:
    """The figures the benchmark reports."""
    cases, timings = run["cases"], sorted(run["timings"])
    splits = {
        split: round(statistics.mean(c["ok"] for c in cases if c["split"] == split), 4)
        for split in ("dev", "test")
    }
    arg_results = [hit for c in cases for hit in c["arg_hits"].values()]
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
        "labelled_arguments": len(arg_results),
        "routing_ms_p50": round(timings[len(timings) // 2], 1),
        "routing_ms_p95": round(timings[int(0.95 * (len(timings) - 1))], 1),
        "per_tool": per_tool,
        "failures": [{k: c[k] for k in ("q", "split", "want", "got", "kind")} for c in cases if not c["ok"]],
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


def show(summary: dict[str, Any], console: Console, *, splits: tuple[str, ...] = ("dev",)) -> None:
    """Print the figures as rich tables, and the misses of ``splits`` (test misses stay unseen while tuning)."""
    table = Table(title="Offline model routing")
    for column in ("questions", "tool-set accuracy", "dev", "test", "argument accuracy", "p50 ms", "p95 ms"):
        table.add_column(column, justify="right")
    table.add_row(
        str(summary["questions"]),
        f"{summary['tool_set_accuracy']:.1%}",
        f"{summary['tool_set_accuracy_by_split']['dev']:.1%}",
        f"{summary['tool_set_accuracy_by_split']['test']:.1%}",
        f"{summary['argument_accuracy']:.1%} of {summary['labelled_arguments']}",
        str(summary["routing_ms_p50"]),
        str(summary["routing_ms_p95"]),
    )
    console.print(table)
    tools = Table(title="Per tool")
    for column in ("tool", "precision", "recall", "support"):
        tools.add_column(column, justify="right" if column != "tool" else "left")
    for tool, figures in summary["per_tool"].items():
        tools.add_row(tool, str(figures["precision"]), str(figures["recall"]), str(figures["support"]))
    console.print(tools)
    for failure in (f for f in summary["failures"] if f["split"] in splits):
        console.print(
            f"[red]miss[/red] ({failure['split']}) {failure['q']!r}: want {failure['want']}, "
            f"got {failure['got']} ({failure['kind']})"
        )
    for miss in (m for m in summary["argument_misses"] if m["split"] in splits):
        console.print(
            f"[yellow]args[/yellow] ({miss['split']}) {miss['q']!r}: {miss['args']} missed {miss['missed']}"
        )


def main() -> None:
    """Run the benchmark, print it, write benchmarks/results/coach_routing.json."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-cues", action="store_true", help="embeddings only (ablation)")
    parser.add_argument("--show-test", action="store_true", help="also list the test split's misses")
    options = parser.parse_args()
    router = build_router(use_cues=not options.no_cues)
    summary = summarise(evaluate(router, load_questions()))
    summary["cues"] = not options.no_cues
    show(summary, Console(), splits=("dev", "test") if options.show_test else ("dev",))
    if not options.no_cues:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    main()
