"""SMART checks of a proposed goal: bad inputs are named, the kind is chosen, achievability is labelled."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics.goals import GoalError, check_goal, default_kind, label_for, transition

KNOWN = frozenset({"revenue", "orders", "average_ticket", "labour_cost", "stock_on_hand"})
TODAY = date(2025, 4, 1)
DEADLINE = date(2025, 4, 30)  # a 30-day window, 1-30 April


def history(values: float | np.ndarray = 100.0, days: int = 90) -> pd.Series:
    index = pd.date_range("2025-01-01", periods=days, freq="D", tz="UTC")  # ends 31 March
    return pd.Series(np.broadcast_to(np.asarray(values, dtype=float), days).copy(), index=index)


def noisy(seed: int = 1, level: float = 100.0, sd: float = 10.0) -> pd.Series:
    return history(level + np.random.default_rng(seed).normal(0, sd, 90))


def check(series: pd.Series, **kwargs: object):  # type: ignore[no-untyped-def]
    arguments = {
        "metric": "revenue",
        "target": 3000,
        "deadline": DEADLINE,
        "today": TODAY,
        "known_metrics": KNOWN,
    }
    return check_goal(series, **{**arguments, **kwargs})  # type: ignore[arg-type]


def test_flat_100_a_day_makes_a_3000_total_in_30_days_likely() -> None:
    result = check(history(100.0), target=3000)
    assert result.ok and result.kind == "total"
    assert result.label == "likely"
    assert result.outlook is not None and result.outlook.expected == pytest.approx(3000.0)
    assert result.run_rate == pytest.approx(3000.0)
    assert "looks likely" in result.sentence and "3,000" in result.sentence


def test_flat_100_a_day_makes_a_6000_total_in_30_days_unrealistic() -> None:
    result = check(history(100.0), target=6000)
    assert result.label == "unrealistic"
    assert result.outlook is not None and result.outlook.probability == 0.0


def test_noisy_series_labels_follow_the_forecast_probability() -> None:
    series = noisy()
    easy, even, far = (check(series, target=t) for t in (2500, 3000, 4500))
    assert easy.label == "likely" and far.label == "unrealistic"
    assert even.label == "stretch", even.sentence  # the expected total is about 3,000: roughly a coin toss
    assert easy.outlook is not None and far.outlook is not None
    assert easy.outlook.lower < easy.outlook.expected < easy.outlook.upper
    assert 2850 < easy.outlook.expected < 3150
    assert "a stretch" in even.sentence


def test_average_goal_is_a_total_goal_divided_by_the_days() -> None:
    result = check(history(100.0), target=100, kind="average")
    assert result.kind == "average" and result.label == "likely"
    assert result.outlook is not None and result.outlook.expected == pytest.approx(100.0)
    assert check(history(100.0), target=101, kind="average").label == "unrealistic"


def test_kind_defaults_to_total_for_flows_and_level_for_levels() -> None:
    assert default_kind("revenue")[0] == "total"
    assert default_kind("marketing_spend[channel:instagram]")[0] == "total"
    assert default_kind("average_ticket")[0] == "level"
    assert default_kind("stock_on_hand")[0] == "level"
    result = check(history(8.0), metric="average_ticket", target=8)
    assert result.kind == "level" and "level" in result.kind_reason
    assert result.label == "likely"


def test_cost_goal_is_a_ceiling() -> None:
    costs = history(100.0)
    under = check(costs, metric="labour_cost", target=3200)
    over = check(costs, metric="labour_cost", target=2500)
    assert not under.higher_is_better
    assert under.label == "likely" and over.label == "unrealistic"
    assert "Staying at or below" in under.sentence


def test_unknown_metric_is_refused_with_a_suggestion() -> None:
    result = check(history(), metric="revenu")
    assert not result.ok and result.label is None
    assert result.suggestions == ("revenue",)
    assert "Did you mean revenue?" in result.sentence


def test_deadline_in_the_past_or_today_is_refused() -> None:
    for deadline in (date(2025, 3, 1), TODAY):
        result = check(history(), deadline=deadline)
        assert not result.ok
        assert any("not after today" in p for p in result.problems)


def test_deadline_more_than_three_years_away_is_refused() -> None:
    result = check(history(), deadline=date(2028, 6, 1))
    assert any("3 years" in p for p in result.problems)


@pytest.mark.parametrize("target", [-5, 0, math.nan, math.inf, "lots"])
def test_target_must_be_a_positive_finite_number(target: object) -> None:
    result = check(history(), target=target)
    assert not result.ok
    assert any("positive number" in p for p in result.problems)


def test_every_problem_is_reported_at_once() -> None:
    result = check(history(), metric="sales!", target=-1, deadline=date(2020, 1, 1))
    assert len(result.problems) == 3


def test_no_history_leaves_achievability_unjudged_but_the_goal_valid() -> None:
    result = check(history().iloc[:0])
    assert result.ok and result.label is None
    assert "cannot be judged" in result.sentence


def test_labels_at_their_thresholds() -> None:
    assert [label_for(p) for p in (0.6, 0.59, 0.2, 0.19)] == ["likely", "stretch", "stretch", "unrealistic"]


@pytest.mark.parametrize(
    ("current", "new"),
    [
        ("created", "in_progress"),
        ("created", "archived"),
        ("in_progress", "completed"),
        ("in_progress", "archived"),
        ("archived", "in_progress"),  # reopen
        ("in_progress", "in_progress"),  # no-op
    ],
)
def test_legal_status_moves(current: str, new: str) -> None:
    assert transition(current, new) == new


@pytest.mark.parametrize(
    ("current", "new", "message"),
    [
        ("completed", "in_progress", "already completed"),
        ("completed", "archived", "already completed"),
        ("created", "completed", "not started"),
        ("archived", "completed", "reopen"),
        ("in_progress", "created", "cannot go from in_progress to created"),
        ("in_progress", "done", "not a goal status"),
    ],
)
def test_illegal_status_moves_say_why(current: str, new: str, message: str) -> None:
    with pytest.raises(GoalError, match=message):
        transition(current, new)
