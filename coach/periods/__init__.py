"""Plain-word periods ("last week", "October", "Q3", "since we changed prices") resolved to dates.

Everything is computed from ``today`` in the tenant's timezone (the caller passes it), so "yesterday" in
New York is not yesterday in London. Weeks run Monday to Sunday. ``days`` holds the Period and calendar
arithmetic, ``names`` the calendar names (holidays, parts of months, halves) and periods counted from
another, ``resolve`` the reading of an owner's words.
"""

from coach.periods.days import WORD_NUMBERS, Period, PeriodError, today_in
from coach.periods.names import after, before, year_earlier
from coach.periods.resolve import deadline, resolve_future, resolve_period

__all__ = [
    "WORD_NUMBERS",
    "Period",
    "PeriodError",
    "after",
    "before",
    "deadline",
    "resolve_future",
    "resolve_period",
    "today_in",
    "year_earlier",
]
