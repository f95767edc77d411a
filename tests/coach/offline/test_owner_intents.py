"""Each kind of owner question the router used to get wrong (issue 15), in wordings of our own: the right tool and
the argument that matters."""

from __future__ import annotations

from typing import Any

import pytest
from llama_index.core.tools import FunctionTool

from benchmarks.coach_routing import schema_tools
from coach.offline import OfflineLLM

TOOLS: list[FunctionTool] = schema_tools()


def planned(
    llm: OfflineLLM, text: str, previous: str | None = None
) -> tuple[str, list[tuple[str, dict[str, Any]]]]:
    result = llm.plan(text, TOOLS, previous)
    return result.kind, [(c.tool, c.args) for c in result.calls]


@pytest.mark.parametrize(
    ("question", "tool"),
    [
        ("has the instagram boosting been worth the money so far?", "explain_change"),
        ("does a sunny day actually bring more people in?", "explain_change"),
        ("next month should the ad money go to google or to flyers?", "allocate_budget"),
        ("how is the covers target coming along?", "goal_progress"),
        ("give me a quick health check on the shop", "metric_summary"),
        ("do saturdays make more than mondays?", "metric_summary"),
        ("what did you tell me last time about the loyalty stamps?", "search_history"),
        ("our card fees seem to creep up every month, are they?", "metric_summary"),
    ],
)
def test_owner_intents_get_the_right_tool(offline_llm: OfflineLLM, question: str, tool: str) -> None:
    kind, calls = planned(offline_llm, question)
    assert (kind, [name for name, _ in calls]) == ("tools", [tool])


def test_a_what_if_in_hours_carries_the_hours(offline_llm: OfflineLLM) -> None:
    kind, calls = planned(offline_llm, "what if we stayed open three extra hours on fridays?")
    assert kind == "tools" and calls[0][0] == "what_if"
    assert calls[0][1]["intervention"] == "opening_hours" and calls[0][1]["amount"] == 3


def test_spend_on_one_channel_is_that_channels_spend_not_revenue(offline_llm: OfflineLLM) -> None:
    kind, calls = planned(offline_llm, "how much went on google ads in september?")
    assert kind == "tools" and calls[0][0] == "metric_summary"
    assert calls[0][1]["metric"] == "marketing_spend" and calls[0][1].get("dimension") == "channel:google"


@pytest.mark.parametrize(
    "question", ["did spurs get a goal in the derby?", "my goal this year is to read 20 books, tips?"]
)
def test_goals_outside_the_business_are_off_topic(offline_llm: OfflineLLM, question: str) -> None:
    assert planned(offline_llm, question)[0] == "offtopic"


def test_a_wish_becomes_a_goal_with_a_relative_target(offline_llm: OfflineLLM) -> None:
    kind, calls = planned(offline_llm, "would be amazing to grow takings by a quarter before summer")
    assert kind == "tools" and calls[0][0] == "create_goal"
    assert calls[0][1]["change_pct"] == 25 and calls[0][1]["deadline"] == "summer"


def test_a_question_about_the_future_is_a_forecast_over_the_named_days(offline_llm: OfflineLLM) -> None:
    kind, calls = planned(offline_llm, "how many covers are we likely to do over memorial day weekend?")
    assert kind == "tools" and calls[0][0] == "forecast_metric"
    assert calls[0][1]["horizon"] == "memorial day weekend" and calls[0][1]["metric"] == "customers"


def test_a_follow_up_for_the_period_before_counts_back_from_the_last_one(offline_llm: OfflineLLM) -> None:
    kind, calls = planned(offline_llm, "and the month before that?", previous="what were wages in october")
    assert kind == "tools" and calls == [
        ("metric_summary", {"metric": "labour_cost", "period": "month before october"})
    ]
