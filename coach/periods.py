"""Plain-word periods ("last week", "October", "Q3", "since we changed prices") resolved to dates.

Everything is computed from ``today`` in the tenant's timezone (the caller passes it), so "yesterday" in
New York is not yesterday in London. Weeks run Monday to Sunday.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import dateparser

from coach.occasions import long_weekend, occasion

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
ANCHOR_DAYS = {
    "christmas": "christmas day",
    "xmas": "christmas day",
}  # "the week before christmas" counts from the 25th
SEASONS = {"spring": (3, 20), "summer": (6, 21), "autumn": (9, 22), "fall": (9, 22), "winter": (12, 21)}
PART_OF_MONTH = {
    "early": (1, 10),
    "start of": (1, 10),
    "beginning of": (1, 10),
    "mid": (11, 20),
    "middle of": (11, 20),
}
PART_OF_MONTH |= {"late": (21, 31), "end of": (21, 31)}
# "the week before last week", "the fortnight before christmas", "the one before october"
BEFORE = re.compile(
    r"(?:the )?(day|week|fortnight|month|quarter|year|one|period|time|(\d+|[a-z]+) (?:days|weeks|months)) "
    r"(?:before|prior to|ahead of|leading up to) (.+)"
)
# "march last year", "this month last year", "thanksgiving last year", "mid august 2025"
LAST_YEAR = re.compile(r"(.+?),? (last year|a year ago|the year before|the previous year|(?:in )?(\d{4}))")


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


def _normalise(text: str) -> str:
    words = re.sub(r"\s+", " ", text.lower().replace("’", "'").strip().rstrip("?.!"))
    return re.sub(r"(?<=\d)(?:st|nd|rd|th)\b", "", words)


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def resolve_period(
    text: str, *, today: date, events: dict[str, date] | None = None, country: str = "US"
) -> Period:
    """The past (or current) period the words name; PeriodError if they name nothing understandable.

    Besides the plain periods this reads named days of ``country`` ("thanksgiving", "labor day weekend",
    "black friday"), parts of months ("mid august"), a year back ("march last year", "this month last year": the
    same days a year earlier, so a month to date is compared with the same days), weeks ago ("2 weeks ago",
    "the week before last") and a period before another ("the week before last week", "the fortnight before
    christmas")."""
    words = _normalise(text)
    words = re.sub(r"^(in|during|over|for|from|on|at) ", "", words)
    yesterday = today - timedelta(days=1)
    shifted = _relative(words, today=today, events=events, country=country)
    if shifted is not None:
        return shifted
    named = _named(words, today=today, country=country, prefer="past")
    if named is not None:
        return _clip(named, today)
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


def _relative(words: str, *, today: date, events: dict[str, date] | None, country: str) -> Period | None:
    """Periods defined by another: weeks ago, a period before another, the same days a year back."""
    match = re.fullmatch(r"(\d+|[a-z]+) (days?|weeks?|months?) ago", words)
    if match and (match.group(1).isdigit() or match.group(1) in WORD_NUMBERS):
        count, unit = _number(match.group(1)), match.group(2).rstrip("s")
        if unit == "day":
            day = today - timedelta(days=count)
            return Period(day, day, words)
        if unit == "week":
            start = _week_start(today) - timedelta(days=7 * count)
            return Period(start, start + timedelta(days=6), f"the week {words}")
        start = _add_months(today.replace(day=1), -count)
        return Period(start, _month_end(start), calendar.month_name[start.month] + f" {start.year}")
    if words in ("last weekend", "the weekend", "weekend", "this weekend", "the last weekend"):
        saturday = _week_start(today) - timedelta(days=2)
        if today.weekday() == 6 and words == "this weekend":
            saturday = today - timedelta(days=1)
        return _clip(
            Period(saturday, saturday + timedelta(days=1), "last weekend"), today + timedelta(days=1)
        )
    match = BEFORE.fullmatch(words)
    if match:
        unit, rest = match.group(1), match.group(3)
        if rest in ("that", "this", "it", "then"):
            raise PeriodError("Which period should I count back from? Try 'the week before last week'.")
        if rest == "last" and unit in ("week", "month", "quarter", "year"):
            rest = f"last {unit}"
        rest = ANCHOR_DAYS.get(rest, rest)
        anchor = resolve_period(rest, today=today, events=events, country=country)
        return before(anchor, unit)
    match = LAST_YEAR.fullmatch(words)
    if match and match.group(1) not in ("this", "last", "the", "same time", "same month", "same week"):
        year = int(match.group(3)) if match.group(3) else today.year - 1
        named = _named(match.group(1), today=today, country=country, prefer="past", year=year)
        if named is not None:
            return _clip(named, today)
        if match.group(3):
            return None
        anchor = resolve_period(match.group(1), today=today, events=events, country=country)
        return year_earlier(anchor, f"{anchor.label} last year")
    return None


def before(anchor: Period, unit: str) -> Period:
    """The period just before ``anchor``: a week, fortnight, month, quarter, year or N days, or (for "one",
    "period", "time") one of the same length; a calendar week, month or quarter is followed by the one before it."""
    label = f"the {unit} before {anchor.label}"
    counted = re.fullmatch(r"(\d+|[a-z]+) (days|weeks|months)", unit)
    if counted:
        span = _number(counted.group(1)) * UNITS[counted.group(2)]
        return Period(anchor.start - timedelta(days=span), anchor.start - timedelta(days=1), label)
    if unit in ("one", "period", "time"):
        return anchor.previous()
    if unit == "year":
        return year_earlier(anchor, f"{anchor.label} a year earlier")
    if unit == "week" and anchor.days == 7 and anchor.start.weekday() == 0:
        return Period(anchor.start - timedelta(days=7), anchor.start - timedelta(days=1), label)
    if unit in ("month", "quarter") and anchor.start.day == 1 and anchor.end == _month_end(anchor.end):
        months = 1 if unit == "month" else 3
        start = _add_months(anchor.start, -months)
        return Period(start, _month_end(_add_months(start, months - 1)), label)
    span = {"day": 1, "week": 7, "fortnight": 14, "month": 30, "quarter": 91}[unit]
    return Period(anchor.start - timedelta(days=span), anchor.start - timedelta(days=1), label)


def year_earlier(period: Period, label: str) -> Period:
    """The same days a year before: whole Monday-to-Sunday weeks move back 52 weeks (so Mondays are compared
    with Mondays), anything else to the same dates (a month to date with the same days of that month)."""
    if period.start.weekday() == 0 and period.days % 7 == 0:
        return Period(period.start - timedelta(days=364), period.end - timedelta(days=364), label)
    return Period(_years_back(period.start), _years_back(period.end), label)


def _years_back(day: date) -> date:
    return day.replace(year=day.year - 1) if (day.month, day.day) != (2, 29) else date(day.year - 1, 2, 28)


def _named(words: str, *, today: date, country: str, prefer: str, year: int | None = None) -> Period | None:
    """A calendar name: a named day (with "weekend" or "week"), part of a month, a month or a quarter, in
    ``year`` or (without one) its latest occurrence that has started (``prefer="past"``) or the next one."""
    words = words.removeprefix("the ")
    part = re.fullmatch(r"(early|mid|middle of|late|start of|beginning of|end of) ?-?([a-z]+)", words)
    if part and part.group(2) in MONTHS:
        first, last = PART_OF_MONTH[part.group(1)]
        return _occurrence(
            lambda y: (
                date(y, MONTHS[part.group(2)], first),
                min(
                    date(y, MONTHS[part.group(2)], 28) + timedelta(days=last - 28),
                    _month_end(date(y, MONTHS[part.group(2)], 1)),
                ),
            ),
            today=today,
            prefer=prefer,
            year=year,
            label=words,
        )
    if year is not None and words in MONTHS:
        start = date(year, MONTHS[words], 1)
        return Period(start, _month_end(start), calendar.month_name[MONTHS[words]] + f" {year}")
    if year is not None and re.fullmatch(r"q[1-4]", words):
        start = date(year, 3 * int(words[1]) - 2, 1)
        return Period(start, _month_end(_add_months(start, 2)), f"Q{words[1]} {year}")
    match = re.fullmatch(r"(?:week of )?(.+?)(?: (long weekend|weekend|week))?", words)
    name, around = (match.group(1), match.group(2)) if match else (words, None)
    if words.startswith("week of "):
        around = "week"
    if occasion(words, today.year, country) is not None:  # a span with a name of its own: "easter weekend"
        name, around = words, None
    if occasion(name, today.year, country) is None and occasion(name, today.year - 1, country) is None:
        return None

    def days(y: int) -> tuple[date, date] | None:
        found = occasion(name, y, country)
        if found is None or around is None:
            return found
        if around == "week":
            return _week_start(found[0]), _week_start(found[0]) + timedelta(days=6)
        return long_weekend(*found)

    return _occurrence(days, today=today, prefer=prefer, year=year, label=words)


def _occurrence(
    days: Callable[[int], tuple[date, date] | None], *, today: date, prefer: str, year: int | None, label: str
) -> Period | None:
    """The occurrence of a yearly period in ``year``, or the latest that has started / the next to come."""
    if year is not None:
        found = days(year)
        return Period(found[0], found[1], f"{label} {year}") if found else None
    years = (today.year, today.year - 1, today.year - 2) if prefer == "past" else (today.year, today.year + 1)
    for y in years:
        found = days(y)
        if found is None:
            continue
        if (prefer == "past" and found[0] <= today) or (prefer == "future" and found[0] > today):
            return Period(found[0], found[1], f"{label} {found[0].year}")
    return None


def resolve_future(text: str, *, today: date, country: str = "US") -> Period:
    """A coming period or horizon ("next month", "8 weeks", "next week", "until Christmas", "thanksgiving
    week", "the week before christmas"), starting tomorrow at the earliest."""
    words = _normalise(text)
    words = re.sub(r"^(over|for|during|at|on) ", "", words)
    tomorrow = today + timedelta(days=1)
    named = (
        None if words.startswith("end of ") else _named(words, today=today, country=country, prefer="future")
    )
    if named is not None:
        return named
    match = BEFORE.fullmatch(words)
    if match and match.group(3) not in ("that", "this", "it", "then"):
        anchor = ANCHOR_DAYS.get(match.group(3), match.group(3))
        window = before(resolve_future(anchor, today=today, country=country), match.group(1))
        if window.start > today:
            return window
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
    quarter = re.fullmatch(r"(?:the )?q([1-4])", target)
    if quarter:  # the end of the next quarter of that number
        end = _month_end(date(today.year, 3 * int(quarter.group(1)), 1))
        end = end if end > today else _month_end(date(today.year + 1, 3 * int(quarter.group(1)), 1))
        return Period(tomorrow, end, f"until the end of Q{quarter.group(1)} {end.year}")
    if target in MONTHS:
        month = MONTHS[target]
        year = today.year if month >= today.month else today.year + 1
        end = _month_end(date(year, month, 1))
        return Period(tomorrow, end, f"until the end of {calendar.month_name[month]} {year}")
    target = {"christmas": "christmas day", "xmas": "christmas day"}.get(target, target)
    if target.removeprefix("the ") in SEASONS:
        month, day = SEASONS[target.removeprefix("the ")]
        end = date(today.year + (date(today.year, month, day) <= today), month, day)
        return Period(tomorrow, end, f"until {target} ({end.isoformat()})")
    named = _named(target, today=today, country=country, prefer="future")
    end = named.start if named is not None else _date(target, today=today, prefer="future")
    if end <= today:
        raise PeriodError(
            f"'{text}' is not in the future; try 'next month' or a date after {today.isoformat()}."
        )
    return Period(tomorrow, end, f"until {end.isoformat()}")


def deadline(text: str, *, today: date, country: str = "US") -> date:
    """The day a deadline in plain words falls on ("end of March", "in 8 weeks", "2026-12-31")."""
    words = re.sub(r"^(?:by|until|till|before) ", "", text.lower().strip())
    words = {"christmas": "christmas day", "xmas": "christmas day"}.get(words, words)
    return resolve_future(words, today=today, country=country).end


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
