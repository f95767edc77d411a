"""Staff scheduling inputs and outputs: people, rules, hourly need per role, and the rota that comes back.

Hours are whole clock hours; a shift runs from ``start`` to ``end`` (exclusive) on one weekday (0 = Monday),
so a shift 07-15 covers the hours 7, 8, ..., 14. The week is planned on its own (no carry-over from last week).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.optimize.errors import OptimizationError
from analytics.optimize.explain import DEFAULT_TIME_LIMIT, DEFAULT_WORKERS, Explanation, SolveInfo

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKEND = (5, 6)


@dataclass(frozen=True)
class StaffMember:
    """One employee: role(s), wage, weekly hour limits, availability per weekday and days they'd like off."""

    name: str
    role: str
    hourly_wage: float
    min_weekly_hours: float = 0.0
    max_weekly_hours: float = 40.0
    availability: Mapping[int, tuple[int, int]] = field(
        default_factory=dict
    )  # weekday -> (first, last excl.)
    prefers_off: tuple[int, ...] = ()
    extra_roles: tuple[str, ...] = ()

    @property
    def roles(self) -> tuple[str, ...]:
        """Every role this person can cover, main role first."""
        return (self.role, *self.extra_roles)


@dataclass(frozen=True)
class ShiftRules:
    """The hard rules every shift and every person's week must follow."""

    min_shift_hours: int = 3
    max_shift_hours: int = 9
    max_days_in_row: int = 5
    min_rest_hours: int = 11
    max_weekend_days: int | None = None  # per person; None = no cap


@dataclass(frozen=True)
class SoftWeights:
    """What breaking a wish costs, in money, when weighed against wages."""

    day_off: float = 30.0  # working a day the person asked to have off
    weekend_spread: float = 20.0  # per weekend day between the most and least weekend-loaded person
    understaffed_hour: float = 500.0  # per missing staff-hour, only when understaffing is allowed


@dataclass(frozen=True)
class StaffingRequest:
    """Everything needed to plan a week: staff, need per role as a 7 x 24 array of headcounts, rules."""

    staff: Sequence[StaffMember]
    need: Mapping[str, np.ndarray]
    rules: ShiftRules = field(default_factory=ShiftRules)
    weights: SoftWeights = field(default_factory=SoftWeights)
    labour_budget: float | None = None
    allow_understaffing: bool = False  # False: every needed hour must be covered (infeasible otherwise)
    time_limit: float = DEFAULT_TIME_LIMIT
    workers: int = DEFAULT_WORKERS
    gap_limit: float = 0.005  # stop once proven within 0.5% of the cheapest rota (0 = prove optimal)

    def need_array(self, role: str) -> np.ndarray:
        """The 7 x 24 integer headcount needed for ``role`` (zeros for roles nobody asked for)."""
        if role not in self.need:
            return np.zeros((7, 24), dtype=int)
        return np.asarray(self.need[role], dtype=int)


@dataclass(frozen=True)
class Shift:
    """One person working one role from ``start`` to ``end`` (exclusive) on ``day``."""

    employee: str
    role: str
    day: int
    start: int
    end: int

    @property
    def hours(self) -> int:
        """Length of the shift in hours."""
        return self.end - self.start


@dataclass(frozen=True)
class Rota:
    """A week's rota: shifts, cost, coverage against need, unmet wishes, solve status and explanation."""

    shifts: list[Shift]
    cost: float
    coverage: pd.DataFrame  # day, hour, role, need, scheduled, short
    unmet_wishes: list[str]
    info: SolveInfo
    explanation: Explanation

    def table(self) -> pd.DataFrame:
        """The rota as rows: employee, role, day name, start, end, hours."""
        rows = [
            {
                "employee": s.employee,
                "role": s.role,
                "day": DAYS[s.day],
                "start": f"{s.start:02d}:00",
                "end": f"{s.end:02d}:00",
                "hours": s.hours,
            }
            for s in sorted(self.shifts, key=lambda s: (s.day, s.start, s.employee))
        ]
        return pd.DataFrame(rows, columns=["employee", "role", "day", "start", "end", "hours"])

    def hours_by_employee(self) -> dict[str, int]:
        """Total scheduled hours per person."""
        out: dict[str, int] = {}
        for s in self.shifts:
            out[s.employee] = out.get(s.employee, 0) + s.hours
        return out


def required_staff(
    hourly_customers: np.ndarray | pd.DataFrame,
    service_rate: Mapping[str, float],
    minimum: Mapping[str, int] | None = None,
) -> dict[str, np.ndarray]:
    """Staff needed per role and hour: ``max(minimum, ceil(customers / customers-per-staff-hour))``.

    ``hourly_customers`` is 7 x 24 (weekday x hour) expected customers; NaN marks a closed hour (no staff
    needed); an open hour with zero customers still needs the role's minimum crew.
    """
    arr = np.asarray(hourly_customers, dtype=float)
    if arr.shape != (7, 24):
        raise OptimizationError("Hourly demand must have 7 weekdays x 24 hours (NaN for closed hours).")
    if np.nanmin(arr, initial=0.0) < 0:
        raise OptimizationError("Expected customers per hour cannot be negative.")
    minimum = dict(minimum or {})
    out: dict[str, np.ndarray] = {}
    for role, rate in service_rate.items():
        if rate <= 0:
            raise OptimizationError(f"Each {role} must serve more than zero customers an hour.")
        if minimum.get(role, 0) < 0:
            raise OptimizationError(f"The minimum number of {role}s on shift cannot be negative.")
        open_ = ~np.isnan(arr)
        need = np.zeros((7, 24), dtype=int)
        need[open_] = np.maximum(np.ceil(arr[open_] / rate - 1e-9).astype(int), minimum.get(role, 0))
        out[role] = need
    return out


def hourly_customers(
    daily: Sequence[float], hourly_profile: Sequence[float], opening_hours: tuple[int, int]
) -> np.ndarray:
    """A 7 x 24 hourly customer array (NaN when closed) from 7 daily totals and the share per opening hour."""
    first, last = opening_hours
    if len(daily) != 7 or len(hourly_profile) != last - first:
        raise OptimizationError("Give 7 daily totals and one share per opening hour.")
    out = np.full((7, 24), np.nan)
    out[:, first:last] = np.outer(np.asarray(daily, dtype=float), np.asarray(hourly_profile, dtype=float))
    return out


def label_hours(day: int, hours: Sequence[int]) -> str:
    """'Sunday 07:00-09:00' for a run of consecutive hours (the end is when the last hour finishes)."""
    return f"{DAYS[day]} {min(hours):02d}:00-{max(hours) + 1:02d}:00"


def runs(hours: Sequence[int]) -> list[list[int]]:
    """Split sorted hours into runs of consecutive hours."""
    out: list[list[int]] = []
    for h in sorted(hours):
        if out and out[-1][-1] == h - 1:
            out[-1].append(h)
        else:
            out.append([h])
    return out


def validate_request(req: StaffingRequest) -> None:
    """Refuse input no rota could be built from, in words a manager can act on."""
    if not req.staff:
        raise OptimizationError("There is nobody on the staff list to schedule.")
    names = [p.name for p in req.staff]
    if len(set(names)) != len(names):
        raise OptimizationError("Two staff members share a name; give each person a distinct name.")
    roles = {r for p in req.staff for r in p.roles}
    for role, arr in req.need.items():
        if role not in roles:
            raise OptimizationError(
                f"Nobody on the staff list works as a {role}, but the rota asks for {role}s."
            )
        a = np.asarray(arr)
        if a.shape != (7, 24):
            raise OptimizationError(f"The {role} need must have 7 weekdays x 24 hours.")
        if (a < 0).any() or not np.isfinite(a).all():
            raise OptimizationError(f"The {role} need cannot be negative or missing.")
    r = req.rules
    if not 1 <= r.min_shift_hours <= r.max_shift_hours <= 24:
        raise OptimizationError(
            "Shift lengths must satisfy 1 <= shortest shift <= longest shift <= 24 hours."
        )
    if not 1 <= r.max_days_in_row <= 7 or not 0 <= r.min_rest_hours <= 24:
        raise OptimizationError("Days in a row must be 1-7 and rest between shifts 0-24 hours.")
    if req.labour_budget is not None and not req.labour_budget > 0:  # NaN included
        raise OptimizationError("The labour budget must be more than zero.")
    if req.time_limit <= 0 or req.workers < 1 or not 0 <= req.gap_limit < 1:
        raise OptimizationError("The solver needs a positive time limit and at least one worker.")
    for p in req.staff:
        if (
            not min(p.hourly_wage, p.min_weekly_hours, p.max_weekly_hours) >= 0
            or not np.isfinite([p.hourly_wage, p.min_weekly_hours, p.max_weekly_hours]).all()
        ):
            raise OptimizationError(f"{p.name}: wage and weekly hours must be numbers, not negative.")
        if p.min_weekly_hours > p.max_weekly_hours:
            raise OptimizationError(
                f"{p.name}: minimum weekly hours ({p.min_weekly_hours:g}) exceed the "
                f"maximum ({p.max_weekly_hours:g})."
            )
        for day, window in p.availability.items():
            first, last = window
            if day not in range(7) or not 0 <= first < last <= 24:
                raise OptimizationError(
                    f"{p.name}: availability must use weekdays 0-6 (Monday-Sunday) and hours 0-24 with start "
                    f"before end (got day {day}: {first}-{last})."
                )
        if any(d not in range(7) for d in p.prefers_off):
            raise OptimizationError(f"{p.name}: preferred days off must be weekdays 0-6.")


def candidate_shifts(req: StaffingRequest, person: StaffMember, day: int) -> list[tuple[str, int, int]]:
    """Every (role, start, end) shift the person could work that day: inside availability and the role's need."""
    if day not in person.availability:
        return []
    first, last = person.availability[day]
    r = req.rules
    out = []
    for role in person.roles:
        needed = np.flatnonzero(req.need_array(role)[day] > 0)
        if len(needed) == 0:
            continue
        lo, hi = max(first, int(needed[0])), min(last, int(needed[-1]) + 1)
        for start in range(lo, hi):
            for length in range(r.min_shift_hours, r.max_shift_hours + 1):
                if start + length <= hi:
                    out.append((role, start, start + length))
    return out


def max_week_hours(req: StaffingRequest, person: StaffMember) -> int:
    """Upper bound on the hours a person can work given availability, shift length and days in a row."""
    per_day = []
    for day in range(7):
        shifts = candidate_shifts(req, person, day)
        per_day.append(max((e - s for _, s, e in shifts), default=0))
    k = req.rules.max_days_in_row
    if k >= 7:
        return sum(per_day)
    return int(math.floor(sum(sorted(per_day, reverse=True)[: 7 - max(0, 7 // (k + 1))])))
