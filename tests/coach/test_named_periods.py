"""Periods owners name by holidays, parts of months, weeks ago and years back resolve to the right days, and the
offline model finds them in a message (issue 15: periods)."""

from __future__ import annotations

from datetime import date

import pytest

from coach.offline.phrases import clean, find_horizon, find_periods
from coach.periods import PeriodError, deadline, resolve_future, resolve_period

TODAY = date(
    2027, 2, 10
)  # a Wednesday in February: last year's Christmas and this year's spring are both near


def _found(message: str) -> list[tuple[date, date]]:
    periods = [resolve_period(f.value, today=TODAY) for f in find_periods(clean(message))]
    return [(p.start, p.end) for p in periods]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("hows footfall been in jan", [(date(2027, 1, 1), date(2027, 1, 31))]),
        ("takings for nov last yr", [(date(2026, 11, 1), date(2026, 11, 30))]),
        ("what did we do over the memorial day weekend", [(date(2026, 5, 23), date(2026, 5, 25))]),
        ("sales around thanksgiving 2025", [(date(2025, 11, 27), date(2025, 11, 27))]),
        ("the week of thanksgiving, how busy", [(date(2026, 11, 23), date(2026, 11, 29))]),
        ("covers in late december", [(date(2026, 12, 21), date(2026, 12, 31))]),
        ("orders 3 weeks ago", [(date(2027, 1, 18), date(2027, 1, 24))]),
        ("revenue the week before last", [(date(2027, 1, 25), date(2027, 1, 31))]),
        ("how about last weekend", [(date(2027, 2, 6), date(2027, 2, 7))]),
        ("sales in the ten days before xmas", [(date(2026, 12, 15), date(2026, 12, 24))]),
    ],
)
def test_named_periods_in_a_message_resolve_to_their_days(
    message: str, expected: list[tuple[date, date]]
) -> None:
    assert _found(message) == expected


def test_a_month_named_with_last_year_is_last_years_month_not_this_years() -> None:
    assert _found("how did feb last year go") == [(date(2026, 2, 1), date(2026, 2, 28))]


def test_the_same_month_last_year_as_a_baseline_is_one_month_not_a_whole_year() -> None:
    assert _found("january takings vs the same month last year") == [
        (date(2027, 1, 1), date(2027, 1, 31)),
        (date(2026, 1, 1), date(2026, 1, 31)),
    ]


def test_a_month_to_date_compared_with_last_year_uses_the_same_days_of_last_year() -> None:
    this_month, baseline = _found("this month compared with last year")
    assert baseline == (date(2026, 2, 1), this_month[1].replace(year=2026))


def test_a_whole_week_a_year_back_is_52_weeks_back_so_weekdays_line_up() -> None:
    period = resolve_period("last week last year", today=TODAY)
    assert (period.start, period.end) == (date(2026, 2, 2), date(2026, 2, 8))
    assert period.start.weekday() == 0


def test_holidays_follow_the_businesss_country() -> None:
    us = resolve_period("labour day", today=TODAY, country="US")
    assert us.start == date(2026, 9, 7)
    assert resolve_period("boxing day", today=TODAY, country="GB").start == date(2026, 12, 26)


def test_a_holiday_the_country_does_not_have_is_not_invented() -> None:
    with pytest.raises(PeriodError):
        resolve_period("thanksgiving", today=TODAY, country="GB")


def test_a_counted_back_period_needs_something_to_count_from() -> None:
    with pytest.raises(PeriodError, match="count back"):
        resolve_period("the week before that", today=TODAY)


@pytest.mark.parametrize(
    ("message", "start", "end"),
    [
        ("what will sales look like over easter weekend", date(2027, 3, 26), date(2027, 3, 29)),
        ("forecast for valentines", date(2027, 2, 14), date(2027, 2, 14)),
        ("how busy will the week before memorial day be", date(2027, 5, 24), date(2027, 5, 30)),
    ],
)
def test_named_days_ahead_are_forecast_horizons(message: str, start: date, end: date) -> None:
    horizon = find_horizon(clean(message))
    assert horizon is not None
    window = resolve_future(horizon.value, today=TODAY)
    assert (window.start, window.end) == (start, end)


def test_goal_deadlines_by_a_season_or_a_holiday() -> None:
    assert deadline("by spring", today=TODAY) == date(2027, 3, 20)
    assert deadline("christmas", today=TODAY) == date(2027, 12, 25)


@pytest.mark.parametrize(
    ("words", "day"),
    [
        ("end of the month", date(2027, 2, 28)),
        ("end of this quarter", date(2027, 3, 31)),
        ("end of the week", date(2027, 2, 14)),
        ("end of q3", date(2027, 9, 30)),
    ],
)
def test_deadlines_at_the_end_of_a_calendar_unit(words: str, day: date) -> None:
    assert deadline(words, today=TODAY) == day


def test_a_month_named_as_a_horizon_is_that_month_not_everything_until_it() -> None:
    window = resolve_future("in april", today=TODAY)
    assert (window.start, window.end) == (date(2027, 4, 1), date(2027, 4, 30))
    assert deadline("april", today=TODAY) == date(2027, 4, 30)
