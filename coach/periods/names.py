"""Calendar names owners use ("thanksgiving week", "mid august", "the first half") and periods counted from
another ("the week before", "the weekend after", "a year earlier")."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import date, timedelta

from coach.occasions import long_weekend, occasion
from coach.periods.days import MONTHS, UNITS, Period, add_months, count_of, month_end, week_start

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
HALVES = {"first half": ((1, 1), (6, 30)), "second half": ((7, 1), (12, 31))}


def after(anchor: Period, unit: str) -> Period:
    """The period just after ``anchor`` (the mirror of ``before``)."""
    label = f"the {unit} after {anchor.label}"
    counted = re.fullmatch(r"(\d+|[a-z]+) (days|weeks|months)", unit)
    if counted:
        span = count_of(counted.group(1)) * UNITS[counted.group(2)]
        return Period(anchor.end + timedelta(days=1), anchor.end + timedelta(days=span), label)
    if unit in ("one", "period", "time"):
        return Period(anchor.end + timedelta(days=1), anchor.end + timedelta(days=anchor.days), label)
    if unit == "weekend":
        saturday = anchor.end + timedelta(days=(5 - anchor.end.weekday()) % 7 or 7)
        return Period(saturday, saturday + timedelta(days=1), label)
    if unit == "week" and anchor.days == 7 and anchor.start.weekday() == 0:
        return Period(anchor.end + timedelta(days=1), anchor.end + timedelta(days=7), label)
    if unit in ("month", "quarter") and anchor.start.day == 1 and anchor.end == month_end(anchor.end):
        months = 1 if unit == "month" else 3
        start = add_months(anchor.start, months * max(1, round(anchor.days / (30.4 * months))))
        return Period(start, month_end(add_months(start, months - 1)), label)
    span = {"day": 1, "week": 7, "fortnight": 14, "month": 30, "quarter": 91, "year": 365}[unit]
    return Period(anchor.end + timedelta(days=1), anchor.end + timedelta(days=span), label)


def before(anchor: Period, unit: str) -> Period:
    """The period just before ``anchor``: a week, fortnight, month, quarter, year or N days, or (for "one",
    "period", "time") one of the same length; a calendar week, month or quarter is followed by the one before it."""
    label = f"the {unit} before {anchor.label}"
    counted = re.fullmatch(r"(\d+|[a-z]+) (days|weeks|months)", unit)
    if counted:
        span = count_of(counted.group(1)) * UNITS[counted.group(2)]
        return Period(anchor.start - timedelta(days=span), anchor.start - timedelta(days=1), label)
    if unit in ("one", "period", "time"):
        return anchor.previous()
    if unit == "weekend":
        sunday = anchor.start - timedelta(days=(anchor.start.weekday() + 1) % 7 or 7)
        return Period(sunday - timedelta(days=1), sunday, label)
    if unit == "year":
        return year_earlier(anchor, f"{anchor.label} a year earlier")
    if unit == "week" and anchor.days == 7 and anchor.start.weekday() == 0:
        return Period(anchor.start - timedelta(days=7), anchor.start - timedelta(days=1), label)
    if unit in ("month", "quarter") and anchor.start.day == 1 and anchor.end == month_end(anchor.end):
        months = 1 if unit == "month" else 3
        start = add_months(anchor.start, -months)
        return Period(start, month_end(add_months(start, months - 1)), label)
    span = {"day": 1, "week": 7, "fortnight": 14, "month": 30, "quarter": 91}[unit]
    return Period(anchor.start - timedelta(days=span), anchor.start - timedelta(days=1), label)


def year_earlier(period: Period, label: str) -> Period:
    """The same days a year before: whole Monday-to-Sunday weeks move back 52 weeks (so Mondays are compared
    with Mondays), anything else to the same dates (a month to date with the same days of that month)."""
    if period.start.weekday() == 0 and period.days % 7 == 0:
        return Period(period.start - timedelta(days=364), period.end - timedelta(days=364), label)
    return Period(years_back(period.start), years_back(period.end), label)


def years_back(day: date) -> date:
    """The same date a year earlier (29 February becomes the 28th)."""
    return day.replace(year=day.year - 1) if (day.month, day.day) != (2, 29) else date(day.year - 1, 2, 28)


def named_period(
    words: str, *, today: date, country: str, prefer: str, year: int | None = None
) -> Period | None:
    """A calendar name: a named day (with "weekend" or "week"), part of a month, a month or a quarter, in
    ``year`` or (without one) its latest occurrence that has started (``prefer="past"``) or the next one."""
    words = words.removeprefix("the ")
    part = re.fullmatch(r"(early|mid|middle of|late|start of|beginning of|end of) ?-?([a-z]+)", words)
    if part and part.group(2) in MONTHS:
        first, last = PART_OF_MONTH[part.group(1)]
        return occurrence(
            lambda y: (
                date(y, MONTHS[part.group(2)], first),
                min(
                    date(y, MONTHS[part.group(2)], 28) + timedelta(days=last - 28),
                    month_end(date(y, MONTHS[part.group(2)], 1)),
                ),
            ),
            today=today,
            prefer=prefer,
            year=year,
            label=words,
        )
    if words in HALVES:
        (m1, d1), (m2, d2) = HALVES[words]
        return occurrence(
            lambda y: (date(y, m1, d1), date(y, m2, d2)), today=today, prefer=prefer, year=year, label=words
        )
    if year is not None and words in MONTHS:
        start = date(year, MONTHS[words], 1)
        return Period(start, month_end(start), calendar.month_name[MONTHS[words]] + f" {year}")
    if year is not None and re.fullmatch(r"q[1-4]", words):
        start = date(year, 3 * int(words[1]) - 2, 1)
        return Period(start, month_end(add_months(start, 2)), f"Q{words[1]} {year}")
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
            return week_start(found[0]), week_start(found[0]) + timedelta(days=6)
        return long_weekend(*found)

    return occurrence(days, today=today, prefer=prefer, year=year, label=words)


def occurrence(
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
