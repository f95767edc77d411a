"""Goal progress: known-answer arithmetic, pace, the chance of success, risk and the suggested status."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pytest

from analytics.goals import Goal, GoalError, progress

MARCH = Goal("revenue", 3000.0, date(2025, 3, 1), date(2025, 3, 30))  # 30 days, 100 a day needed


def daily(values: list[float] | np.ndarray, start: str = "2025-02-01") -> pd.Series:
    return pd.Series(
        np.asarray(values, dtype=float), index=pd.date_range(start, periods=len(values), freq="D", tz="UTC")
    )


def feb_then_march(feb: float, march: list[float]) -> pd.Series:
    return daily([feb] * 28 + march)


def test_total_goal_arithmetic_on_day_eleven() -> None:
    series = feb_then_march(100.0, [100.0] * 10)  # 1-10 March at 100 a day
    result = progress(series, MARCH, today=date(2025, 3, 11))
    assert result.actual == pytest.approx(1000.0)
    assert result.fraction_reached == pytest.approx(1000 / 3000)
    assert (result.days_elapsed, result.days_total) == (10, 30)
    assert result.fraction_elapsed == pytest.approx(10 / 30)
    assert result.required_pace == pytest.approx(100.0)
    assert result.actual_pace == pytest.approx(100.0)
    assert result.remaining_pace == pytest.approx(2000 / 20)
    assert result.pace_ratio == pytest.approx(1.0)
    assert result.probability == 1.0 and not result.at_risk
    assert "1,000" in result.sentence and "10 of 30 days" in result.sentence


def test_today_is_not_counted_and_days_before_the_start_are_not_either() -> None:
    series = feb_then_march(500.0, [60.0] * 11)  # 11 March is today and still running
    result = progress(series, MARCH, today=date(2025, 3, 11))
    assert result.actual == pytest.approx(600.0)
    assert result.actual_pace == pytest.approx(60.0)
    assert result.remaining_pace == pytest.approx(2400 / 20)


def test_behind_pace_is_at_risk() -> None:
    values = [100.0, 50.0] * 5  # 750 in 10 days: 75% of the straight-line path
    result = progress(feb_then_march(100.0, values), MARCH, today=date(2025, 3, 11))
    assert result.actual == pytest.approx(750.0)
    assert result.pace_ratio == pytest.approx(0.75)
    assert result.at_risk
    assert "behind pace" in result.sentence


def test_noisy_history_on_pace_has_a_fair_chance_from_the_forecast() -> None:
    rng = np.random.default_rng(3)
    series = daily(120 + rng.normal(0, 10, 38))  # 1 Feb .. 10 Mar, well above the 100 a day needed
    result = progress(series, MARCH, today=date(2025, 3, 11))
    assert result.actual == pytest.approx(float(series["2025-03-01":"2025-03-10"].sum()))
    assert result.probability > 0.9 and not result.at_risk
    assert result.outlook is not None
    assert result.outlook.expected == pytest.approx(result.actual + 20 * 120, rel=0.1)


def test_reached_total_suggests_completion() -> None:
    series = feb_then_march(100.0, [400.0] * 8)  # 3,200 by 8 March
    result = progress(series, MARCH, today=date(2025, 3, 9))
    assert result.fraction_reached == pytest.approx(3200 / 3000)
    assert result.probability == 1.0
    assert result.status_suggestion == "completed"
    created = Goal(**{**MARCH.__dict__, "status": "created"})
    assert progress(series, created, today=date(2025, 3, 9)).status_suggestion == "in_progress"


def test_missed_deadline_suggests_archiving_and_is_final() -> None:
    series = feb_then_march(100.0, [90.0] * 30)  # 2,700 by the deadline
    result = progress(series, MARCH, today=date(2025, 4, 5))
    assert result.actual == pytest.approx(2700.0)
    assert result.fraction_elapsed == 1.0 and result.days_elapsed == 30
    assert result.probability == 0.0 and not result.at_risk
    assert result.status_suggestion == "archived"


def test_average_goal_uses_the_mean_so_far() -> None:
    goal = Goal("revenue", 110.0, date(2025, 3, 1), date(2025, 3, 30), kind="average")
    series = feb_then_march(100.0, [120.0, 100.0] * 5)
    result = progress(series, goal, today=date(2025, 3, 11))
    assert result.actual == pytest.approx(110.0)
    assert result.fraction_reached == pytest.approx(1.0)
    assert result.required_pace is None


def test_level_goal_measures_the_way_from_baseline_to_target() -> None:
    goal = Goal("average_ticket", 9.0, date(2025, 3, 1), date(2025, 3, 30), kind="level")
    series = feb_then_march(7.0, [7.0] * 9 + [8.0])  # baseline 7 (week before), latest 8: half way
    result = progress(series, goal, today=date(2025, 3, 11))
    assert result.actual == pytest.approx(8.0)
    assert result.fraction_reached == pytest.approx(0.5)
    assert result.pace_ratio == pytest.approx(0.5 / (10 / 30))


def test_cost_ceiling_overspending_is_at_risk() -> None:
    goal = Goal("labour_cost", 3000.0, date(2025, 3, 1), date(2025, 3, 30))  # at most 3,000 in March
    result = progress(feb_then_march(150.0, [150.0] * 10), goal, today=date(2025, 3, 11))
    assert result.fraction_reached == pytest.approx(0.5)  # half the budget used in a third of the time
    assert result.probability == 0.0  # 150 a day for 30 days is 4,500
    assert result.at_risk and result.status_suggestion is None
    assert "ahead of the limit" in result.sentence


def test_no_data_in_the_window_yet() -> None:
    result = progress(feb_then_march(100.0, []), MARCH, today=date(2025, 3, 1))
    assert result.actual == 0.0 and result.days_elapsed == 0
    assert result.pace_ratio is None
    assert result.probability == 1.0  # 100 a day for 30 days reaches 3,000


def test_goal_from_a_storage_record() -> None:
    @dataclass
    class Record:
        metric: str = "orders"
        target_value: float = 900.0
        start_date: date = date(2025, 3, 1)
        deadline: date = date(2025, 3, 30)
        aggregation: str = "total"
        baseline_value: float | None = None
        status: str = "created"

    goal = Goal.from_record(Record())
    assert (goal.metric, goal.target, goal.days, goal.status) == ("orders", 900.0, 30, "created")


def test_bad_goal_is_refused() -> None:
    series, today = feb_then_march(1.0, [1.0]), date(2025, 3, 2)
    with pytest.raises(GoalError, match="kind"):
        progress(series, Goal("revenue", 1, date(2025, 3, 1), today, kind="sum"), today=today)  # type: ignore[arg-type]
    with pytest.raises(GoalError, match="not a number"):
        progress(series, Goal("revenue", math.nan, date(2025, 3, 1), today), today=today)
