"""A guard on routing quality over both labelled sets (the figures the benchmark reports, with some margin)."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.coach_routing import DATA, OWNERS, evaluate, load_questions, summarise
from coach.offline import OfflineLLM


def _routed(offline_llm: OfflineLLM, questions: list[dict[str, Any]]) -> dict[str, Any]:
    offline_llm.router.prime(
        [q["q"] for q in questions] + [h for q in questions for h in q.get("history", [])]
    )
    return summarise(evaluate(offline_llm.router, questions))


def test_routing_on_the_first_benchmark_set_stays_above_88_percent(offline_llm: OfflineLLM) -> None:
    summary = _routed(offline_llm, load_questions(DATA))
    assert summary["questions"] >= 180
    assert summary["tool_set_accuracy"] >= 0.88, summary["failures"]
    assert summary["argument_accuracy"] >= 0.85, summary["argument_misses"]


@pytest.mark.parametrize("split", ["dev", "test"])
def test_owners_questions_get_the_right_tool_and_usable_arguments(
    offline_llm: OfflineLLM, split: str
) -> None:
    questions = [q for q in load_questions(OWNERS) if q["split"] == split]
    summary = _routed(offline_llm, questions)
    assert summary["tool_set_accuracy_by_split"][split] >= 0.80, summary["failures"][:20]
    assert summary["tool_and_arguments_by_split"][split] >= 0.60, summary["argument_misses"][:20]
