"""Named days owners talk about ("thanksgiving", "july 4th weekend", "black friday", "xmas") as dates.

Public holidays come from the ``holidays`` package for the business's country, so "labor day" is September's in
the US and "boxing day" exists where it is a holiday. Retail days that are nobody's public holiday (Black Friday,
Christmas Eve, Easter Sunday, Valentine's Day...) are computed here from their rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from functools import lru_cache

import holidays as holidays_lib
from dateutil.easter import easter

# what owners write -> the holiday's name in the ``holidays`` package (lowercase, "(observed)" removed)
ALIASES: dict[str, str] = {
    "thanksgiving": "thanksgiving day",
    "thanksgiving day": "thanksgiving day",
    "labor day": "labor day",
    "labour day": "labor day",
    "memorial day": "memorial day",
    "independence day": "independence day",
    "july 4": "independence day",
    "4 july": "independence day",
    "4 of july": "independence day",
    "fourth of july": "independence day",
    "the fourth of july": "independence day",
    "july fourth": "independence day",
    "veterans day": "veterans day",
    "columbus day": "columbus day",
    "juneteenth": "juneteenth national independence day",
    "mlk day": "martin luther king jr. day",
    "martin luther king day": "martin luther king jr. day",
    "presidents day": "washington's birthday",
    "presidents' day": "washington's birthday",
    "christmas day": "christmas day",
    "xmas day": "christmas day",
    "new year's day": "new year's day",
    "new years day": "new year's day",
    "boxing day": "boxing day",
    "good friday": "good friday",
    "easter monday": "easter monday",
    "canada day": "canada day",
    "australia day": "australia day",
    "anzac day": "anzac day",
    "may day": "may day",
    "spring bank holiday": "spring bank holiday",
}

# days with a rule of their own: name -> year -> the day
RULES: dict[str, Callable[[int], date]] = {
    "black friday": lambda y: _nth_weekday(y, 11, 3, 4) + timedelta(days=1),
    "cyber monday": lambda y: _nth_weekday(y, 11, 3, 4) + timedelta(days=4),
    "small business saturday": lambda y: _nth_weekday(y, 11, 3, 4) + timedelta(days=2),
    "christmas eve": lambda y: date(y, 12, 24),
    "xmas eve": lambda y: date(y, 12, 24),
    "new year's eve": lambda y: date(y, 12, 31),
    "new years eve": lambda y: date(y, 12, 31),
    "nye": lambda y: date(y, 12, 31),
    "easter": easter,
    "easter sunday": easter,
    "valentine's day": lambda y: date(y, 2, 14),
    "valentines day": lambda y: date(y, 2, 14),
    "valentines": lambda y: date(y, 2, 14),
    "halloween": lambda y: date(y, 10, 31),
    "st patrick's day": lambda y: date(y, 3, 17),
    "st patricks day": lambda y: date(y, 3, 17),
    "mother's day": lambda y: _nth_weekday(y, 5, 6, 2),
    "mothers day": lambda y: _nth_weekday(y, 5, 6, 2),
    "father's day": lambda y: _nth_weekday(y, 6, 6, 3),
    "fathers day": lambda y: _nth_weekday(y, 6, 6, 3),
}
# "christmas" on its own is the Christmas period owners trade through: 24 to 26 December
SPANS: dict[str, tuple[int, int, int, int]] = {
    "christmas": (12, 24, 12, 26),
    "xmas": (12, 24, 12, 26),
    "new year": (12, 31, 1, 1),
    "new years": (12, 31, 1, 1),
}
# spans with a rule of their own
SPAN_RULES: dict[str, Callable[[int], tuple[date, date]]] = {
    "easter weekend": lambda y: (easter(y) - timedelta(days=2), easter(y) + timedelta(days=1)),
    "thanksgiving weekend": lambda y: (
        _nth_weekday(y, 11, 3, 4),
        _nth_weekday(y, 11, 3, 4) + timedelta(days=3),
    ),
}
NAMES = sorted({*ALIASES, *RULES, *SPANS, *SPAN_RULES}, key=len, reverse=True)
PATTERN = r"(?:" + "|".join(re.escape(n) for n in NAMES) + r")"


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


@lru_cache(maxsize=256)
def _public(country: str, year: int) -> dict[str, date]:
    try:
        calendar = holidays_lib.country_holidays(country or "US", years=year)
    except (NotImplementedError, KeyError):
        return {}
    days: dict[str, date] = {}
    for day, name in sorted(calendar.items()):
        for part in str(name).split(";"):
            if "(observed)" not in part:
                days.setdefault(part.strip().lower(), day)
    return days


def occasion(name: str, year: int, country: str) -> tuple[date, date] | None:
    """The first and last day of the named occasion in ``year`` in ``country``, or None if it has none there."""
    name = re.sub(r"\s+", " ", name.lower().replace("’", "'")).strip()
    if name in SPANS:
        m1, d1, m2, d2 = SPANS[name]
        start = date(year, m1, d1)
        return start, date(year + (m2 < m1), m2, d2)
    if name in SPAN_RULES:
        return SPAN_RULES[name](year)
    if name in RULES:
        day = RULES[name](year)
        return day, day
    if name in ALIASES:
        public = _public(country, year).get(ALIASES[name])
        return (public, public) if public else None
    return None


def long_weekend(start: date, end: date) -> tuple[date, date]:
    """The weekend an occasion makes: Saturday to a Monday holiday, a Friday holiday to Sunday, Thursday to
    Sunday for Thanksgiving-style Thursdays; otherwise the Saturday and Sunday nearest after it."""
    weekday = start.weekday()
    if weekday == 0:
        return start - timedelta(days=2), end
    if weekday in (3, 4):
        return start, start + timedelta(days=6 - weekday)
    if weekday in (5, 6):
        return start - timedelta(days=weekday - 5), start + timedelta(days=6 - weekday)
    saturday = start + timedelta(days=5 - weekday)
    return saturday, saturday + timedelta(days=1)
