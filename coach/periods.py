"""Plain-word periods ("last week", "October", "Q3", "since we changed prices") resolved to dates.

Everything is computed from ``today`` in the tenant's timezone (the caller passes it), so "yesterday" in
New York is not yesterday in London. Weeks run Monday to Sunday.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import dateparser

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
UNITS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "month": 30, "months": 30, "year": 365, "years": 365}
WORD_NUMBERS = {
    "a": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fourteen": 14,
    "thirty": 30,
    "ninety": 90,
}


class PeriodError(ValueError):
    """A period that cannot be understood or is impossible; the message says what would work."""


@dataclass(frozen=True)
class Period:
    """An inclusive range of days with the words it came from."""

    start: date
    end: date
    label: str

    @property
    def days(self) -> int:
        """How many days the period covers."""
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one (for a calendar month: the month before)."""
        if self.start.day == 1 and self.end == _month_end(self.start) and self.days > 27:
            start = _add_months(self.start, -1)
            return Period(start, _month_end(start), f"the month before {self.label}")
        return Period(
            self.start - timedelta(days=self.days),
            self.start - timedelta(days=1),
            f"the {self.days} days before",
        )

    def describe(self) -> str:
        """Label with its dates, e.g. 'last week (2026-11-16 to 2026-11-22)'."""
        return f"{self.label} ({self.start.isoformat()} to {self.end.isoformat()})"


def today_in(timezone: str) -> date:
    """Today's date in the named timezone (UTC if the name is unknown)."""
    try:
        zone = ZoneInfo(timezone)
    except Exception:  # noqa: BLE001 - an unknown zone name falls back to UTC
        zone = ZoneInfo("UTC")
    return datetime.now(zone).date()


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _number(word: str) -> int:
    return int(word) if word.isdigit() else WORD_NUMBERS[word]


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def resolve_period(text: str, *, today: date, events: dict[str, date] | None = None) -> Period:
    """The past (or current) period the words name; PeriodError if they name nothing understandable."""
    words = re.sub(r"\s+", " ", text.lower().strip().rstrip("?.!"))
    words = re.sub(r"^(in|during|over|for|from) ", "", words)
    yesterday = today - timedelta(days=1)
    if words in ("today", "so far today"):
        return Period(today, today, "today")
    if words in ("yesterday",):
        return Period(yesterday, yesterday, "yesterday")
    if words in ("this week", "week to date", "so far this week"):
        return Period(_week_start(today), today, "this week")
    if words in ("last week", "past week", "previous week", "the last week"):
        start = _week_start(today) - timedelta(days=7)
        return Period(start, start + timedelta(days=6), "last week")
    if words in ("this month", "month to date", "so far this month"):
        return Period(today.replace(day=1), today, "this month")
    if words in ("last month", "previous month", "past month"):
        start = _add_months(today.replace(day=1), -1)
        return Period(start, _month_end(start), "last month")
    if words in ("this year", "year to date", "ytd", "so far this year"):
        return Period(date(today.year, 1, 1), today, "this year")
    if words in ("last year", "previous year"):
        return Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31), "last year")
    if words in ("this quarter", "quarter to date"):
        start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        return Period(start, today, "this quarter")
    if words in ("last quarter", "previous quarter"):
        start = _add_months(date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), -3)
        return Period(start, _month_end(_add_months(start, 2)), "last quarter")
    match = re.fullmatch(r"(?:the )?(?:last|past|previous) (\d+|[a-z]+) (days?|weeks?|months?|years?)", words)
    if match and (match.group(1).isdigit() or match.group(1) in WORD_NUMBERS):
        span = _number(match.group(1)) * UNITS[match.group(2)]
        return Period(
            yesterday - timedelta(days=span - 1), yesterday, f"the last {match.group(1)} {match.group(2)}"
        )
    match = re.fullmatch(r"q([1-4])(?: (\d{4}))?", words)
    if match:
        quarter = int(match.group(1))
        year = int(match.group(2)) if match.group(2) else today.year
        start = date(year, 3 * quarter - 2, 1)
        if not match.group(2) and start > today:
            start = start.replace(year=year - 1)
        end = _month_end(_add_months(start, 2))
        return _clip(Period(start, end, f"Q{quarter} {start.year}"), today)
    match = re.fullmatch(r"([a-z]+)(?: (\d{4}))?", words)
    if match and match.group(1) in MONTHS:
        month = MONTHS[match.group(1)]
        year = int(match.group(2)) if match.group(2) else today.year
        start = date(year, month, 1)
        if not match.group(2) and start > today:
            start = start.replace(year=year - 1)
        return _clip(Period(start, _month_end(start), calendar.month_name[month] + f" {start.year}"), today)
    if words.startswith("since "):
        anchor = _event_or_date(words.removeprefix("since "), today=today, events=events or {})
        return Period(anchor, yesterday, f"since {anchor.isoformat()}")
    match = re.fullmatch(r"(?:the )?week (?:of|starting|beginning) (.+)", words)
    if match:
        start = _week_start(_date(match.group(1), today=today))
        return _clip(Period(start, start + timedelta(days=6), f"the week of {start.isoformat()}"), today)
    match = re.fullmatch(r"(.+?) (?:to|until|-|through) (.+)", words)
    if match:
        start, end = _date(match.group(1), today=today), _date(match.group(2), today=today)
        if end < start:
            raise PeriodError(f"'{text}' ends before it starts.")
        return _clip(Period(start, end, f"{start.isoformat()} to {end.isoformat()}"), today)
    day = _date(words, today=today)
    return _clip(Period(day, day, day.isoformat()), today)


def resolve_future(text: str, *, today: date) -> Period:
    """A coming period or horizon ("next month", "8 weeks", "next week", "until Christmas"), starting tomorrow."""
    words = re.sub(r"\s+", " ", text.lower().strip().rstrip("?.!"))
    tomorrow = today + timedelta(days=1)
    if words in ("next week", "the coming week"):
        start = _week_start(today) + timedelta(days=7)
        return Period(start, start + timedelta(days=6), "next week")
    if words in ("this week", "rest of the week"):
        return Period(tomorrow, _week_start(today) + timedelta(days=6), "the rest of this week")
    if words in ("next month", "the coming month"):
        start = _add_months(today.replace(day=1), 1)
        return Period(start, _month_end(start), "next month")
    if words in ("this month", "rest of the month", "rest of this month"):
        return Period(tomorrow, _month_end(today), "the rest of this month")
    if words in ("next quarter",):
        start = _add_months(date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), 3)
        return Period(start, _month_end(_add_months(start, 2)), "next quarter")
    if words in ("this year", "rest of the year", "end of the year", "end of year"):
        return Period(tomorrow, date(today.year, 12, 31), "the rest of the year")
    match = re.fullmatch(
        r"(?:the )?(?:next|coming|in|over the next)? ?(\d+|[a-z]+) (days?|weeks?|months?|years?)", words
    )
    if match and (match.group(1).isdigit() or match.group(1) in WORD_NUMBERS):
        span = _number(match.group(1)) * UNITS[match.group(2)]
        return Period(tomorrow, today + timedelta(days=span), f"the next {match.group(1)} {match.group(2)}")
    match = re.fullmatch(r"(?:the )?week (?:of|starting|beginning) (.+)", words)
    if match:
        start = _week_start(_date(match.group(1), today=today, prefer="future"))
        return Period(start, start + timedelta(days=6), f"the week of {start.isoformat()}")
    target = words.removeprefix("until ").removeprefix("by ").removeprefix("end of ")
    if target in MONTHS:
        month = MONTHS[target]
        year = today.year if month >= today.month else today.year + 1
        end = _month_end(date(year, month, 1))
        return Period(tomorrow, end, f"until the end of {calendar.month_name[month]} {year}")
    end = _date(target, today=today, prefer="future")
    if end <= today:
        raise PeriodError(
            f"'{text}' is not in the future; try 'next month' or a date after {today.isoformat()}."
        )
    return Period(tomorrow, end, f"until {end.isoformat()}")


def deadline(text: str, *, today: date) -> date:
    """The day a deadline in plain words falls on ("end of March", "in 8 weeks", "2026-12-31")."""
    return resolve_future(text, today=today).end


def _clip(period: Period, today: date) -> Period:
    if period.start > today:
        raise PeriodError(f"{period.describe()} has not started yet; ask about a past period or a forecast.")
    if period.end >= today:
        return Period(
            period.start, today - timedelta(days=1) if period.start < today else today, period.label
        )
    return period


def _event_or_date(words: str, *, today: date, events: dict[str, date]) -> date:
    for name, day in events.items():
        if name in words or any(w in words for w in name.split("|")):
            return day
    return _date(words, today=today)


def _date(words: str, *, today: date, prefer: str = "past") -> date:
    settings = {
        "RELATIVE_BASE": datetime.combine(today, time(12)),
        "PREFER_DATES_FROM": prefer,
        "PREFER_DAY_OF_MONTH": "first",
        "DATE_ORDER": "DMY",
    }
    parsed = dateparser.parse(words, settings=settings, languages=["en"])  # type: ignore[arg-type]
    if parsed is None:
        raise PeriodError(
            f"I could not read '{words}' as a period. Try 'last week', 'October', 'Q3', 'last 30 days' or a date."
        )
    return parsed.date()
