"""Reading the period an owner's words name: past periods, horizons and deadlines."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time, timedelta

import dateparser

from coach.periods.days import (
    MONTHS,
    UNITS,
    WORD_NUMBERS,
    Period,
    PeriodError,
    add_months,
    count_of,
    month_end,
    normalise,
    week_start,
)
from coach.periods.names import ANCHOR_DAYS, SEASONS, after, before, named_period, year_earlier

# "the week before last week", "the fortnight before christmas", "the one before october"
BEFORE = re.compile(
    r"(?:the )?(day|week|weekend|fortnight|month|quarter|year|one|period|time|(\d+|[a-z]+) (?:days|weeks|months)) "
    r"(?:before|prior to|ahead of|leading up to) (.+)"
)
AFTER = re.compile(
    r"(?:the )?(day|week|weekend|fortnight|month|quarter|year|one|period|time|(\d+|[a-z]+) (?:days|weeks|months)) "
    r"(?:after|following) (.+)"
)
EARLIER = re.compile(r"(.+) an? (week|month) (?:earlier|before)")
# "march last year", "this month last year", "thanksgiving last year", "mid august 2025"
LAST_YEAR = re.compile(r"(.+?),? (last year|a year ago|the year before|the previous year|(?:in )?(\d{4}))")


def resolve_period(
    text: str, *, today: date, events: dict[str, date] | None = None, country: str = "US"
) -> Period:
    """The past (or current) period the words name; PeriodError if they name nothing understandable.

    Besides the plain periods this reads named days of ``country`` ("thanksgiving", "labor day weekend",
    "black friday"), parts of months ("mid august"), a year back ("march last year", "this month last year": the
    same days a year earlier, so a month to date is compared with the same days), weeks ago ("2 weeks ago",
    "the week before last") and a period before another ("the week before last week", "the fortnight before
    christmas")."""
    words = normalise(text)
    words = re.sub(r"^(in|during|over|for|from|on|at) ", "", words)
    yesterday = today - timedelta(days=1)
    shifted = _relative(words, today=today, events=events, country=country)
    if shifted is not None:
        return shifted
    named = named_period(words, today=today, country=country, prefer="past")
    if named is not None:
        return clip(named, today)
    if words in ("today", "so far today"):
        return Period(today, today, "today")
    if words in ("yesterday",):
        return Period(yesterday, yesterday, "yesterday")
    if words in ("this week", "week to date", "so far this week"):
        return Period(week_start(today), today, "this week")
    if words in ("last week", "past week", "previous week", "the last week"):
        start = week_start(today) - timedelta(days=7)
        return Period(start, start + timedelta(days=6), "last week")
    if words in ("this month", "month to date", "so far this month"):
        return Period(today.replace(day=1), today, "this month")
    if words in ("last month", "previous month", "past month"):
        start = add_months(today.replace(day=1), -1)
        return Period(start, month_end(start), "last month")
    if words in ("this year", "year to date", "ytd", "so far this year"):
        return Period(date(today.year, 1, 1), today, "this year")
    if words in ("last year", "previous year"):
        return Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31), "last year")
    if words in ("this quarter", "quarter to date"):
        start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        return Period(start, today, "this quarter")
    if words in ("last quarter", "previous quarter"):
        start = add_months(date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), -3)
        return Period(start, month_end(add_months(start, 2)), "last quarter")
    match = re.fullmatch(r"(?:the )?(?:last|past|previous) (\d+|[a-z]+) (days?|weeks?|months?|years?)", words)
    if match and (match.group(1).isdigit() or match.group(1) in WORD_NUMBERS):
        span = count_of(match.group(1)) * UNITS[match.group(2)]
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
        end = month_end(add_months(start, 2))
        return clip(Period(start, end, f"Q{quarter} {start.year}"), today)
    match = re.fullmatch(r"([a-z]+)(?: (\d{4}))?", words)
    if match and match.group(1) in MONTHS:
        month = MONTHS[match.group(1)]
        year = int(match.group(2)) if match.group(2) else today.year
        start = date(year, month, 1)
        if not match.group(2) and start > today:
            start = start.replace(year=year - 1)
        return clip(Period(start, month_end(start), calendar.month_name[month] + f" {start.year}"), today)
    if words.startswith("since "):
        anchor = _event_or_date(words.removeprefix("since "), today=today, events=events or {})
        return Period(anchor, yesterday, f"since {anchor.isoformat()}")
    match = re.fullmatch(r"(?:the )?week (?:of|starting|beginning) (.+)", words)
    if match:
        start = week_start(_date(match.group(1), today=today))
        return clip(Period(start, start + timedelta(days=6), f"the week of {start.isoformat()}"), today)
    match = re.fullmatch(r"(.+?) (?:to|until|-|through) (.+)", words)
    if match:
        start, end = _date(match.group(1), today=today), _date(match.group(2), today=today)
        if end < start:
            raise PeriodError(f"'{text}' ends before it starts.")
        return clip(Period(start, end, f"{start.isoformat()} to {end.isoformat()}"), today)
    day = _date(words, today=today)
    return clip(Period(day, day, day.isoformat()), today)


def _relative(words: str, *, today: date, events: dict[str, date] | None, country: str) -> Period | None:
    """Periods defined by another: weeks ago, a period before another, the same days a year back."""
    match = re.fullmatch(r"(\d+|[a-z]+) (days?|weeks?|months?) ago", words)
    if match and (match.group(1).isdigit() or match.group(1) in WORD_NUMBERS):
        count, unit = count_of(match.group(1)), match.group(2).rstrip("s")
        if unit == "day":
            day = today - timedelta(days=count)
            return Period(day, day, words)
        if unit == "week":
            start = week_start(today) - timedelta(days=7 * count)
            return Period(start, start + timedelta(days=6), f"the week {words}")
        start = add_months(today.replace(day=1), -count)
        return Period(start, month_end(start), calendar.month_name[start.month] + f" {start.year}")
    if words in ("last weekend", "the weekend", "weekend", "this weekend", "the last weekend"):
        saturday = week_start(today) - timedelta(days=2)
        if today.weekday() == 6 and words == "this weekend":
            saturday = today - timedelta(days=1)
        return clip(Period(saturday, saturday + timedelta(days=1), "last weekend"), today + timedelta(days=1))
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
    match = AFTER.fullmatch(words)
    if match:
        rest = {"next": "next week", "last": "last week"}.get(match.group(3), match.group(3))
        if rest in ("that", "this", "it", "then"):
            raise PeriodError("Which period should I count on from? Try 'the week after last week'.")
        anchor = resolve_period(rest, today=today, events=events, country=country)
        return clip(after(anchor, match.group(1)), today)
    match = EARLIER.fullmatch(words)
    if match:
        anchor = resolve_period(match.group(1), today=today, events=events, country=country)
        if match.group(2) == "week":
            return Period(
                anchor.start - timedelta(days=7),
                anchor.end - timedelta(days=7),
                f"{anchor.label} a week earlier",
            )
        start = add_months(anchor.start.replace(day=1), -1)
        first = start.replace(day=min(anchor.start.day, month_end(start).day))
        return Period(first, first + timedelta(days=anchor.days - 1), f"{anchor.label} a month earlier")
    months = re.fullmatch(r"(?:from )?([a-z]+) (?:to|until|through|-) ([a-z]+)", words)
    if months and months.group(1) in MONTHS and months.group(2) in MONTHS:
        last = resolve_period(months.group(2), today=today)
        first_month = MONTHS[months.group(1)]
        year = last.start.year if first_month <= last.start.month else last.start.year - 1
        return clip(Period(date(year, first_month, 1), last.end, words), today)
    match = LAST_YEAR.fullmatch(words)
    if match and match.group(1) not in ("this", "last", "the", "same time", "same month", "same week"):
        year = int(match.group(3)) if match.group(3) else today.year - 1
        named = named_period(match.group(1), today=today, country=country, prefer="past", year=year)
        if named is not None:
            return clip(named, today)
        if match.group(3):
            return None
        anchor = resolve_period(match.group(1), today=today, events=events, country=country)
        return year_earlier(anchor, f"{anchor.label} last year")
    return None


def resolve_future(text: str, *, today: date, country: str = "US") -> Period:
    """A coming period or horizon ("next month", "8 weeks", "next week", "until Christmas", "thanksgiving
    week", "the week before christmas"), starting tomorrow at the earliest."""
    words = normalise(text)
    words = re.sub(r"^(over|for|during|at|on) ", "", words)
    tomorrow = today + timedelta(days=1)
    named = (
        None
        if words.startswith("end of ")
        else named_period(words, today=today, country=country, prefer="future")
    )
    if named is not None:
        return named
    match = AFTER.fullmatch(words)
    if match and match.group(3) not in ("that", "this", "it", "then"):
        rest = {"next": "next week"}.get(match.group(3), match.group(3))
        return after(resolve_future(rest, today=today, country=country), match.group(1))
    match = BEFORE.fullmatch(words)
    if match and match.group(3) not in ("that", "this", "it", "then"):
        anchor = ANCHOR_DAYS.get(match.group(3), match.group(3))
        window = before(resolve_future(anchor, today=today, country=country), match.group(1))
        if window.start > today:
            return window
    if words in ("next week", "the coming week"):
        start = week_start(today) + timedelta(days=7)
        return Period(start, start + timedelta(days=6), "next week")
    if words in ("this week", "rest of the week"):
        return Period(tomorrow, week_start(today) + timedelta(days=6), "the rest of this week")
    if words in ("this weekend", "the weekend", "weekend", "next weekend", "the coming weekend"):
        saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
        return Period(max(saturday, tomorrow), saturday + timedelta(days=1), "the weekend")
    bare = re.sub(r"^(?:in|during) ", "", words)
    if bare in MONTHS:  # "in january": that month (the rest of it, if it is this one)
        month = MONTHS[bare]
        year = today.year if month >= today.month else today.year + 1
        start = max(date(year, month, 1), tomorrow)
        return Period(start, month_end(date(year, month, 1)), f"{calendar.month_name[month]} {year}")
    if words in ("next month", "the coming month"):
        start = add_months(today.replace(day=1), 1)
        return Period(start, month_end(start), "next month")
    if words in ("this month", "rest of the month", "rest of this month"):
        return Period(tomorrow, month_end(today), "the rest of this month")
    if words in ("next quarter",):
        start = add_months(date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), 3)
        return Period(start, month_end(add_months(start, 2)), "next quarter")
    if words in ("this year", "rest of the year", "end of the year", "end of year"):
        return Period(tomorrow, date(today.year, 12, 31), "the rest of the year")
    match = re.fullmatch(
        r"(?:the )?(?:next|coming|in|over the next)? ?(\d+|[a-z]+) (days?|weeks?|months?|years?)", words
    )
    if match and (match.group(1).isdigit() or match.group(1) in WORD_NUMBERS):
        span = count_of(match.group(1)) * UNITS[match.group(2)]
        return Period(tomorrow, today + timedelta(days=span), f"the next {match.group(1)} {match.group(2)}")
    match = re.fullmatch(r"(?:the )?week (?:of|starting|beginning) (.+)", words)
    if match:
        start = week_start(_date(match.group(1), today=today, prefer="future"))
        return Period(start, start + timedelta(days=6), f"the week of {start.isoformat()}")
    target = words.removeprefix("until ").removeprefix("by ").removeprefix("end of ")
    unit = re.fullmatch(r"(?:the |this )?(week|month|quarter|year)", target)
    if unit:  # "end of the month", "by the end of this quarter"
        quarter_end = month_end(date(today.year, 3 * ((today.month - 1) // 3) + 3, 1))
        ends = {
            "week": week_start(today) + timedelta(days=6),
            "month": month_end(today),
            "quarter": quarter_end,
            "year": date(today.year, 12, 31),
        }
        end = max(ends[unit.group(1)], tomorrow)
        return Period(tomorrow, end, f"until the end of this {unit.group(1)} ({end.isoformat()})")
    quarter = re.fullmatch(r"(?:the )?q([1-4])", target)
    if quarter:  # the end of the next quarter of that number
        end = month_end(date(today.year, 3 * int(quarter.group(1)), 1))
        end = end if end > today else month_end(date(today.year + 1, 3 * int(quarter.group(1)), 1))
        return Period(tomorrow, end, f"until the end of Q{quarter.group(1)} {end.year}")
    if target in MONTHS:
        month = MONTHS[target]
        year = today.year if month >= today.month else today.year + 1
        end = month_end(date(year, month, 1))
        return Period(tomorrow, end, f"until the end of {calendar.month_name[month]} {year}")
    target = {"christmas": "christmas day", "xmas": "christmas day"}.get(target, target)
    if target.removeprefix("the ") in SEASONS:
        month, day = SEASONS[target.removeprefix("the ")]
        end = date(today.year + (date(today.year, month, day) <= today), month, day)
        return Period(tomorrow, end, f"until {target} ({end.isoformat()})")
    named = named_period(target, today=today, country=country, prefer="future")
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


def clip(period: Period, today: date) -> Period:
    """``period`` cut to the days that have passed (PeriodError if none has)."""
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
