"""A period of days and the calendar arithmetic every period rule uses."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
MONTHS |= {"sept": 9}
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
        if self.start.day == 1 and self.end == month_end(self.start) and self.days > 27:
            start = add_months(self.start, -1)
            return Period(start, month_end(start), f"the month before {self.label}")
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


def month_end(day: date) -> date:
    """The last day of ``day``'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after (or before) ``day``'s."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def count_of(word: str) -> int:
    """A count written in digits or as a word ("3", "three")."""
    return int(word) if word.isdigit() else WORD_NUMBERS[word]


def normalise(text: str) -> str:
    """Lowercase, straight quotes, single spaces, no trailing punctuation or ordinal suffixes ("4th" -> "4")."""
    words = re.sub(r"\s+", " ", text.lower().replace("’", "'").strip().rstrip("?.!"))
    return re.sub(r"(?<=\d)(?:st|nd|rd|th)\b", "", words)


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())
