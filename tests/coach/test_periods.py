"""Plain-word periods resolve to the right days."""

from __future__ import annotations

from datetime import date

import pytest

from coach.periods import PeriodError, deadline, resolve_future, resolve_period

TODAY = date(2026, 11, 25)  # a Wednesday


@pytest.mark.parametrize(
    ("words", "start", "end"),
    [
        ("yesterday", date(2026, 11, 24), date(2026, 11, 24)),
        ("last week", date(2026, 11, 16), date(2026, 11, 22)),
        ("this week", date(2026, 11, 23), date(2026, 11, 25)),
        ("last month", date(2026, 10, 1), date(2026, 10, 31)),
        ("October", date(2026, 10, 1), date(2026, 10, 31)),
        ("in march", date(2026, 3, 1), date(2026, 3, 31)),
        ("December", date(2025, 12, 1), date(2025, 12, 31)),
        ("Q3", date(2026, 7, 1), date(2026, 9, 30)),
        ("q4 2025", date(2025, 10, 1), date(2025, 12, 31)),
        ("last 30 days", date(2026, 10, 26), date(2026, 11, 24)),
        ("the past two weeks", date(2026, 11, 11), date(2026, 11, 24)),
        ("year to date", date(2026, 1, 1), date(2026, 11, 25)),
        ("last quarter", date(2026, 7, 1), date(2026, 9, 30)),
        ("since 1 March 2025", date(2025, 3, 1), date(2026, 11, 24)),
        ("2026-02-01 to 2026-02-14", date(2026, 2, 1), date(2026, 2, 14)),
    ],
)
def test_past_periods(words: str, start: date, end: date) -> None:
    period = resolve_period(words, today=TODAY)
    assert (period.start, period.end) == (start, end)


def test_since_a_named_event_uses_the_event_date() -> None:
    period = resolve_period(
        "since we changed prices", today=TODAY, events={"changed prices|price change": date(2025, 3, 1)}
    )
    assert period.start == date(2025, 3, 1)


def test_previous_period_of_a_week_and_of_a_month() -> None:
    assert resolve_period("last week", today=TODAY).previous().start == date(2026, 11, 9)
    month = resolve_period("October", today=TODAY).previous()
    assert (month.start, month.end) == (date(2026, 9, 1), date(2026, 9, 30))


@pytest.mark.parametrize(
    ("words", "start", "end"),
    [
        ("next week", date(2026, 11, 30), date(2026, 12, 6)),
        ("next month", date(2026, 12, 1), date(2026, 12, 31)),
        ("8 weeks", date(2026, 11, 26), date(2027, 1, 20)),
        ("next 4 weeks", date(2026, 11, 26), date(2026, 12, 23)),
        ("end of March", date(2026, 11, 26), date(2027, 3, 31)),
    ],
)
def test_future_periods(words: str, start: date, end: date) -> None:
    period = resolve_future(words, today=TODAY)
    assert (period.start, period.end) == (start, end)


def test_deadline_dates() -> None:
    assert deadline("2026-12-31", today=TODAY) == date(2026, 12, 31)
    assert deadline("in 8 weeks", today=TODAY) == date(2027, 1, 20)


@pytest.mark.parametrize("words", ["next year's blue moon", "the 45th of Smarch"])
def test_unreadable_periods_say_what_would_work(words: str) -> None:
    with pytest.raises(PeriodError, match="last week"):
        resolve_period(words, today=TODAY)


def test_a_future_period_asked_as_past_is_impossible() -> None:
    with pytest.raises(PeriodError, match="not started"):
        resolve_period("2027-05-01", today=TODAY)
    with pytest.raises(PeriodError, match="not in the future"):
        resolve_future("2025-01-01", today=TODAY)
