"""Independent checker: validates a rota against every hard rule of its request, from the shifts alone.

It shares no code with the solver's model (only the request/rota dataclasses), so a modelling mistake in the
solver shows up here as a violation.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from analytics.optimize.staffing_model import DAYS, Rota, Shift, StaffingRequest


@dataclass(frozen=True)
class Violation:
    """One broken hard rule: which rule, who (or which role), and a sentence."""

    rule: str
    who: str
    message: str


def check_rota(request: StaffingRequest, rota: Rota | list[Shift]) -> list[Violation]:
    """Every hard-rule violation in the rota (an empty list means the rota is valid)."""
    shifts = rota.shifts if isinstance(rota, Rota) else list(rota)
    staff = {p.name: p for p in request.staff}
    rules = request.rules
    out: list[Violation] = []

    def bad(rule: str, who: str, message: str) -> None:
        out.append(Violation(rule, who, message))

    by_person: dict[str, list[Shift]] = defaultdict(list)
    for s in shifts:
        where = f"{DAYS[s.day] if 0 <= s.day < 7 else s.day} {s.start}-{s.end}"
        person = staff.get(s.employee)
        if person is None:
            bad("unknown person", s.employee, f"{s.employee} is not on the staff list ({where}).")
            continue
        by_person[s.employee].append(s)
        if s.role not in person.roles:
            bad("role", s.employee, f"{s.employee} does not work as {s.role} ({where}).")
        if not (0 <= s.day < 7 and 0 <= s.start < s.end <= 24):
            bad("time", s.employee, f"{s.employee}'s shift {where} is outside the week.")
            continue
        window = person.availability.get(s.day)
        if window is None or not (window[0] <= s.start and s.end <= window[1]):
            bad("availability", s.employee, f"{s.employee} is not available {where}.")
        if not rules.min_shift_hours <= s.hours <= rules.max_shift_hours:
            bad("shift length", s.employee, f"{s.employee}'s shift {where} lasts {s.hours} hours.")

    for name, own in by_person.items():
        person = staff[name]
        own = sorted(own, key=lambda s: (s.day, s.start))
        days = [s.day for s in own]
        if len(set(days)) != len(days):
            bad("one shift a day", name, f"{name} has more than one shift on a day.")
        total = sum(s.hours for s in own)
        if total > person.max_weekly_hours:
            bad("max hours", name, f"{name} works {total} hours, over their {person.max_weekly_hours:g}.")
        if total < person.min_weekly_hours:
            bad("min hours", name, f"{name} works {total} hours, under their {person.min_weekly_hours:g}.")
        for a, b in zip(own, own[1:], strict=False):
            gap = (b.day * 24 + b.start) - (a.day * 24 + a.end)
            if gap < rules.min_rest_hours:
                bad("rest", name, f"{name} gets only {gap} hours' rest before {DAYS[b.day]} {b.start}:00.")
        worked = set(days)
        streak = best = 0
        for d in range(7):
            streak = streak + 1 if d in worked else 0
            best = max(best, streak)
        if best > rules.max_days_in_row:
            bad("days in a row", name, f"{name} works {best} days in a row (limit {rules.max_days_in_row}).")
        weekend = len(worked & {5, 6})
        if rules.max_weekend_days is not None and weekend > rules.max_weekend_days:
            bad("weekend cap", name, f"{name} works {weekend} weekend days (limit {rules.max_weekend_days}).")
    for name, person in staff.items():
        if name not in by_person and person.min_weekly_hours > 0:
            bad("min hours", name, f"{name} has no shifts but must get {person.min_weekly_hours:g} hours.")

    if not request.allow_understaffing:
        for role in request.need:
            need = request.need_array(role)
            have = np.zeros((7, 24), dtype=int)
            for s in shifts:
                if s.role == role and 0 <= s.day < 7:
                    have[s.day, max(0, s.start) : min(24, s.end)] += 1
            for d, h in zip(*np.nonzero(have < need), strict=True):
                bad(
                    "coverage", role, f"{DAYS[d]} {h:02d}:00 has {have[d, h]} {role}(s); {need[d, h]} needed."
                )
    if request.labour_budget is not None:
        cost = sum(staff[s.employee].hourly_wage * s.hours for s in shifts if s.employee in staff)
        if cost > request.labour_budget + 1e-6:
            bad("labour budget", "all", f"Wages {cost:.2f} exceed the {request.labour_budget:.2f} budget.")
    return out
