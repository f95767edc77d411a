"""A guard on routing quality: the benchmark set must stay above 90% exact tool-set accuracy."""

from __future__ import annotations

from benchmarks.coach_routing import evaluate, load_questions, summarise
from coach.offline import OfflineLLM


def test_routing_accuracy_on_the_benchmark_set_is_at_least_90_percent(offline_llm: OfflineLLM) -> None:
    questions = load_questions()
    offline_llm.router.prime(
        [q["q"] for q in questions] + [h for q in questions for h in q.get("history", [])]
    )
    summary = summarise(evaluate(offline_llm.router, questions))
    assert summary["questions"] >= 180
    assert summary["tool_set_accuracy"] >= 0.90, summary["failures"]
    assert summary["argument_accuracy"] >= 0.85, summary["argument_misses"]
