"""Arguments read from owners' words, following each tool's schema."""

from __future__ import annotations

import pytest

from coach.offline.arguments import extract, merge
from coach.offline.phrases import clean, find_deadline, find_horizon, find_numbers, find_periods
from coach.tools.schemas import ARGS


def args(tool: str, text: str) -> dict[str, object]:
    return extract(tool, ARGS[tool].model_json_schema(), text).args


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("sales last week", "last week"),
        ("sales yesterday", "yesterday"),
        ("revenue in October", "october"),
        ("orders in Q3", "q3"),
        ("footfall over the past 30 days", "last 30 days"),
        ("orders since we changed prices", "since we changed prices"),
        ("takings this month", "this month"),
        ("revenue year to date", "year to date"),
        ("revenue ytd", "year to date"),
        ("sales last wk", "last week"),
    ],
)
def test_past_periods_are_found_as_plain_words(text: str, period: str) -> None:
    assert [p.value for p in find_periods(clean(text))] == [period]


def test_may_the_verb_is_not_a_month() -> None:
    assert find_periods(clean("we may need more staff")) == []
    assert [p.value for p in find_periods(clean("sales in May"))] == ["may"]


@pytest.mark.parametrize(
    ("text", "horizon"),
    [
        ("forecast next month", "next month"),
        ("forecast 8 weeks ahead", "next 8 weeks"),
        ("for 12 weeks", "12 weeks"),
    ],
)
def test_horizons(text: str, horizon: str) -> None:
    found = find_horizon(clean(text))
    assert found is not None and found.value == horizon


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        ("$200", 200.0, "money"),
        ("200 dollars", 200.0, "money"),
        ("2k", 2000.0, "money"),
        ("£1,500", 1500.0, "money"),
        ("5%", 5.0, "percent"),
        ("five percent", 5.0, "percent"),
        ("250", 250.0, "plain"),
    ],
)
def test_numbers_amounts_and_percentages(text: str, value: float, kind: str) -> None:
    [number] = find_numbers(clean(text))
    assert (number.value, number.kind) == (value, kind)


def test_deadline_in_weeks_and_end_of_month() -> None:
    assert find_deadline(clean("in the next 8 weeks")).value == "in 8 weeks"  # type: ignore[union-attr]
    assert find_deadline(clean("by the end of March")).value == "end of march"  # type: ignore[union-attr]


def test_metric_synonyms_and_typos_map_to_canonical_metrics() -> None:
    assert args("metric_summary", "footfall last week")["metric"] == "customers"
    assert args("metric_summary", "wage bill last month")["metric"] == "labour_cost"
    assert args("metric_summary", "revnue last week")["metric"] == "revenue"


def test_what_if_reads_intervention_percentage_and_direction() -> None:
    assert args("what_if", "raise prices by 5") == {"intervention": "price", "change_pct": 5.0}
    assert args("what_if", "what if we cut prices by 10%") == {"intervention": "price", "change_pct": -10.0}


def test_what_if_reads_amount_and_channel_and_keeps_outcome_metric() -> None:
    found = args("what_if", "what happens to customers if we spend $200 more a week on instagram")
    assert found == {
        "intervention": "marketing",
        "amount": 200.0,
        "channel": "instagram",
        "metric": "customers",
    }


def test_goal_number_is_not_taken_as_a_target() -> None:
    assert args("update_goal", "change the target of goal 2 to 5000") == {"goal": "2", "target": 5000.0}


def test_goal_named_by_its_metric() -> None:
    assert args("goal_progress", "are we on track for the revenue goal?") == {"goal": "revenue"}


def test_create_goal_reports_missing_target_and_deadline() -> None:
    found = extract("create_goal", ARGS["create_goal"].model_json_schema(), "set a revenue goal")
    assert found.args == {"metric": "revenue"} and found.missing == ["target", "deadline"]


def test_only_fields_in_the_schema_are_filled() -> None:
    schema = {"properties": {"period": {"type": "string"}}, "required": []}
    assert extract("metric_summary", schema, "revenue last week for instagram").args == {
        "period": "last week"
    }


def test_values_outside_an_enum_are_dropped() -> None:
    schema = {"properties": {"status": {"enum": ["active"]}}, "required": []}
    assert extract("list_goals", schema, "show completed goals").args == {}


def test_benchmark_ratio_names() -> None:
    assert args("benchmark_compare", "is our food cost high for the industry")["metric"] == "cogs_pct"


def test_follow_up_keeps_earlier_arguments_and_takes_new_ones() -> None:
    schema = ARGS["metric_summary"].model_json_schema()
    earlier = extract("metric_summary", schema, "customers last week")
    assert merge(earlier, extract("metric_summary", schema, "and last month?")).args == {
        "metric": "customers",
        "period": "last month",
    }
