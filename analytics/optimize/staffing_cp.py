"""The CP-SAT model of a week's rota: one literal per possible shift, hard rules as constraints.

Objective (cents): wages + weighted soft wishes (days asked off, weekend spread, and understaffed hours when
understaffing is allowed). With ``guarded`` every rule family is switched on by an assumption literal named in
manager words, so an infeasible week can be explained by a small clashing set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from analytics.optimize.explain import money
from analytics.optimize.staffing_model import (
    DAYS,
    WEEKEND,
    StaffingRequest,
    StaffMember,
    candidate_shifts,
)

CENTS = 100


@dataclass
class StaffModel:
    """A built model with its shift literals and the pieces the explanation reads back."""

    model: cp_model.CpModel
    shifts: dict[
        tuple[int, int], list[tuple[tuple[str, int, int], cp_model.IntVar]]
    ]  # (person, day) -> shifts
    works: dict[tuple[int, int], cp_model.IntVar]
    short: dict[tuple[str, int, int], cp_model.IntVar] = field(default_factory=dict)
    guards: dict[int, str] = field(default_factory=dict)
    wage_cents: cp_model.LinearExpr | int = 0


def build_rota_model(
    req: StaffingRequest, guarded: bool = False, extra: StaffMember | None = None
) -> StaffModel:
    """The CP-SAT model for ``req`` (optionally with one hypothetical extra person, for what-ifs)."""
    m = cp_model.CpModel()
    staff = [*req.staff, *([extra] if extra else [])]
    weights = req.weights
    guards: dict[int, str] = {}

    def guard(name: str) -> list[cp_model.IntVar]:
        if not guarded:
            return []
        lit = m.new_bool_var(name)
        guards[lit.index] = name
        m.add_assumption(lit)
        return [lit]

    shifts: dict[tuple[int, int], list[tuple[tuple[str, int, int], cp_model.IntVar]]] = {}
    works: dict[tuple[int, int], cp_model.IntVar] = {}
    for p, person in enumerate(staff):
        for d in range(7):
            opts = [
                (s, m.new_bool_var(f"x{p}_{d}_{s[0]}_{s[1]}_{s[2]}"))
                for s in candidate_shifts(req, person, d)
            ]
            shifts[(p, d)] = opts
            w = m.new_bool_var(f"w{p}_{d}")
            m.add(sum(v for _, v in opts) == w)  # at most one shift a day; w says whether they work
            works[(p, d)] = w

    # Coverage: each needed (role, day, hour) gets enough people.
    short: dict[tuple[str, int, int], cp_model.IntVar] = {}
    for role in req.need:
        need = req.need_array(role)
        for d in range(7):
            hours = [h for h in range(24) if need[d, h] > 0]
            if not hours:
                continue
            lits = guard(f"cover the {role}s needed on {DAYS[d]}")
            for h in hours:
                cover = [
                    v
                    for p in range(len(staff))
                    for (r, s, e), v in shifts[(p, d)]
                    if r == role and s <= h < e
                ]
                if req.allow_understaffing:
                    gap = m.new_int_var(0, int(need[d, h]), f"short_{role}_{d}_{h}")
                    short[(role, d, h)] = gap
                    m.add(sum(cover) + gap >= int(need[d, h]))
                else:
                    m.add(sum(cover) >= int(need[d, h])).only_enforce_if(lits)

    wage_terms = []
    for p, person in enumerate(staff):
        hours = sum((e - s) * v for d in range(7) for (_, s, e), v in shifts[(p, d)])
        if person.max_weekly_hours < 7 * 24:
            m.add(hours <= int(person.max_weekly_hours)).only_enforce_if(
                guard(f"keep {person.name} at or under {person.max_weekly_hours:g} hours a week")
            )
        if person.min_weekly_hours > 0:
            m.add(hours >= int(-(-person.min_weekly_hours // 1))).only_enforce_if(
                guard(f"give {person.name} at least {person.min_weekly_hours:g} hours a week")
            )
        wage_terms.append(int(round(person.hourly_wage * CENTS)) * hours)
    wage_cents = sum(wage_terms)

    _rest_and_streaks(m, req, staff, shifts, works, guard)
    if req.labour_budget is not None:
        m.add(wage_cents <= int(round(req.labour_budget * CENTS))).only_enforce_if(
            guard(f"stay within the {money(req.labour_budget)} labour budget")
        )

    penalties = []
    for p, person in enumerate(staff):
        penalties += [int(weights.day_off * CENTS) * works[(p, d)] for d in person.prefers_off]
    weekend_people = [
        p for p, person in enumerate(staff) if any(shifts[(p, d)] for d in WEEKEND) and person is not extra
    ]
    if len(weekend_people) > 1 and weights.weekend_spread > 0:
        most, least = m.new_int_var(0, 2, "weekend_most"), m.new_int_var(0, 2, "weekend_least")
        for p in weekend_people:
            load = sum(works[(p, d)] for d in WEEKEND)
            m.add(most >= load)
            m.add(least <= load)
        penalties.append(int(weights.weekend_spread * CENTS) * (most - least))
    penalties += [int(weights.understaffed_hour * CENTS) * g for g in short.values()]
    m.minimize(wage_cents + sum(penalties))
    return StaffModel(m, shifts, works, short, guards, wage_cents)


def _rest_and_streaks(
    m: cp_model.CpModel,
    req: StaffingRequest,
    staff: list[StaffMember],
    shifts: dict[tuple[int, int], list[tuple[tuple[str, int, int], cp_model.IntVar]]],
    works: dict[tuple[int, int], cp_model.IntVar],
    guard: Callable[[str], list[cp_model.IntVar]],
) -> None:
    """Rest between shifts on consecutive days, days in a row, and the weekend cap."""
    rules = req.rules
    rest = guard(f"give everyone at least {rules.min_rest_hours} hours' rest between shifts")
    for p in range(len(staff)):
        for d in range(6):
            today, tomorrow = shifts[(p, d)], shifts[(p, d + 1)]
            if not today or not tomorrow:
                continue
            # A shift ending at or after t clashes with any next-day shift starting before t + rest - 24.
            for t in sorted({e for (_, _, e), _ in today}):
                limit = t + rules.min_rest_hours - 24
                late = [v for (_, _, e), v in today if e >= t]
                early = [v for (_, s, _), v in tomorrow if s < limit]
                if early:
                    m.add(sum(late) + sum(early) <= 1).only_enforce_if(rest)
    k = rules.max_days_in_row
    if k < 7:
        streak = guard(f"let nobody work more than {k} days in a row")
        for p in range(len(staff)):
            for d in range(7 - k):
                m.add(sum(works[(p, d + i)] for i in range(k + 1)) <= k).only_enforce_if(streak)
    if rules.max_weekend_days is not None:
        cap = guard(f"let nobody work more than {rules.max_weekend_days} weekend day(s)")
        for p in range(len(staff)):
            m.add(sum(works[(p, d)] for d in WEEKEND) <= rules.max_weekend_days).only_enforce_if(cap)
