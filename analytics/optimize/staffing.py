"""Plan a week's rota with CP-SAT and explain it: cost, coverage, unmet wishes, limits and clashing rules."""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from analytics.optimize.explain import (
    Explanation,
    SolveInfo,
    join_names,
    minimal_conflict,
    money,
    new_solver,
    solve_info,
)
from analytics.optimize.staffing_cp import CENTS, StaffModel, build_rota_model
from analytics.optimize.staffing_model import (
    DAYS,
    WEEKEND,
    Rota,
    Shift,
    StaffingRequest,
    StaffMember,
    candidate_shifts,
    label_hours,
    max_week_hours,
    runs,
    validate_request,
)

logger = logging.getLogger(__name__)

WHAT_IF_TIME = 5.0  # seconds per what-if re-solve
BUDGET_STEP = 0.05


def _solve(
    req: StaffingRequest, extra: StaffMember | None = None, time_limit: float | None = None
) -> tuple[StaffModel, cp_model.CpSolver, SolveInfo]:
    built = build_rota_model(req, extra=extra)
    solver = new_solver(time_limit or req.time_limit, req.workers, lp_heavy=True, gap_limit=req.gap_limit)
    status = solver.solve(built.model)
    return built, solver, solve_info(solver, status, scale=CENTS)


def _extract(req: StaffingRequest, built: StaffModel, solver: cp_model.CpSolver) -> list[Shift]:
    out = []
    for (p, d), opts in built.shifts.items():
        for (role, start, end), v in opts:
            if p < len(req.staff) and solver.boolean_value(v):
                out.append(Shift(req.staff[p].name, role, d, start, end))
    return out


def coverage_table(req: StaffingRequest, shifts: list[Shift]) -> pd.DataFrame:
    """Need vs scheduled headcount for every (day, hour, role) that needs or has someone."""
    rows = []
    roles = sorted({*req.need, *(s.role for s in shifts)})
    for role in roles:
        need = req.need_array(role)
        have = np.zeros((7, 24), dtype=int)
        for s in shifts:
            if s.role == role:
                have[s.day, s.start : s.end] += 1
        for d, h in zip(*np.nonzero((need > 0) | (have > 0)), strict=True):
            rows.append(
                {
                    "day": int(d),
                    "hour": int(h),
                    "role": role,
                    "need": int(need[d, h]),
                    "scheduled": int(have[d, h]),
                    "short": int(max(0, need[d, h] - have[d, h])),
                }
            )
    return pd.DataFrame(rows, columns=["day", "hour", "role", "need", "scheduled", "short"])


def _wishes(req: StaffingRequest, shifts: list[Shift]) -> tuple[list[str], list[str]]:
    """Unmet wishes, and a sentence on how weekend work is spread."""
    unmet = []
    worked = {(s.employee, s.day) for s in shifts}
    for person in req.staff:
        for d in person.prefers_off:
            if (person.name, d) in worked:
                unmet.append(f"{person.name} works {DAYS[d]}, a day they asked to have off.")
    eligible = [p for p in req.staff if any(candidate_shifts(req, p, d) for d in WEEKEND)]
    load = {p.name: sum((p.name, d) in worked for d in WEEKEND) for p in eligible}
    notes = []
    if load:
        spread = max(load.values()) - min(load.values())
        detail = ", ".join(f"{n} {k}" for n, k in sorted(load.items(), key=lambda kv: -kv[1]))
        notes.append(f"Weekend days worked: {detail}.")
        if spread >= 2:
            unmet.append(f"Weekend work is uneven ({detail}).")
    return unmet, notes


def obvious_conflicts(req: StaffingRequest) -> list[str]:
    """Clashes visible without solving: too few people available for an hour, or minimum hours out of reach."""
    out = []
    for role in req.need:
        need = req.need_array(role)
        for d in range(7):
            groups: dict[tuple[tuple[str, ...], int], list[int]] = {}
            for h in np.flatnonzero(need[d] > 0):
                able = tuple(
                    p.name
                    for p in req.staff
                    if role in p.roles
                    and any(r == role and s <= h < e for r, s, e in candidate_shifts(req, p, d))
                )
                if len(able) < need[d, h]:
                    groups.setdefault((able, int(need[d, h])), []).append(int(h))
            for (able, n), hours in groups.items():
                for run in runs(hours):
                    who = (
                        f"No {role} is"
                        if not able
                        else f"{join_names(able)} {'is the only' if len(able) == 1 else 'are the only'} {role}"
                        f"{'' if len(able) == 1 else 's'}"
                    )
                    out.append(f"{who} available {label_hours(d, run)}, but you need {n}.")
    for p in req.staff:
        top = max_week_hours(req, p)
        if p.min_weekly_hours > top:
            out.append(
                f"{p.name} must get at least {p.min_weekly_hours:g} hours, but their availability and the "
                f"shift rules allow at most {top}."
            )
    return out


def _extra_person(req: StaffingRequest, role: str) -> StaffMember:
    wages = [p.hourly_wage for p in req.staff if role in p.roles]
    need = req.need_array(role)
    avail = {}
    for d in range(7):
        hours = np.flatnonzero(need[d] > 0)
        if len(hours):
            avail[d] = (int(hours[0]), int(hours[-1]) + 1)
    return StaffMember(f"an extra {role}", role, float(np.median(wages)), 0.0, 40.0, avail)


def _outcome(staff: list[StaffMember], built: StaffModel, solver: cp_model.CpSolver) -> tuple[float, int]:
    """Real wages and staff-hours short of a solved rota (``staff`` in the model's order, any extra person last).

    Never the objective: it also prices broken wishes and each uncovered hour (a weight of hundreds of
    dollars), so a difference of objectives is not money anyone would save.
    """
    wages = sum(
        staff[p].hourly_wage * (end - start)
        for (p, _), opts in built.shifts.items()
        for (_, start, end), v in opts
        if solver.boolean_value(v)
    )
    return float(wages), sum(int(solver.value(g)) for g in built.short.values())


def _one_more(req: StaffingRequest, role: str, base: tuple[float, int], limit: float) -> tuple[str, float]:
    """What one more person in ``role`` would change, in words, and the weekly wage saving (negative: cost)."""
    extra = _extra_person(req, role)
    built, solver, info = _solve(req, extra=extra, time_limit=limit)
    if not info.ok:
        return "", 0.0
    wages, short = _outcome([*req.staff, extra], built, solver)
    base_wages, base_short = base
    saving = base_wages - wages  # at most the whole wage bill: the new rota's wages are never negative
    who = f"One more {role} (up to 40 hours, any open hour)"
    if short < base_short:
        cost = f" for {money(-saving)} more in wages" if saving < -0.5 else ""
        return f"{who} would cover {base_short - short} of the {base_short} short staff-hours{cost}.", saving
    tolerance = max(1.0, req.gap_limit * base_wages)  # the solver stops within gap_limit of the cheapest
    if saving >= tolerance:
        return f"{who} would save about {money(saving)} a week in wages.", saving
    return "", 0.0


def _what_ifs(
    req: StaffingRequest, base: SolveInfo, outcome: tuple[float, int] = (0.0, 0)
) -> tuple[list[str], list[str], dict[str, float]]:
    """Value of one more person per role and of more labour budget, by re-solving."""
    sentences, binding, shadow = [], [], {}
    limit = min(req.time_limit, WHAT_IF_TIME)
    for role in sorted(req.need):
        key = f"one more {role}"
        if not base.ok:
            _, _, info = _solve(req, extra=_extra_person(req, role), time_limit=limit)
            if info.ok:
                sentences.append(
                    f"Hiring one more {role} (up to 40 hours, any open hour) would make the week work."
                )
            continue
        sentence, shadow[key] = _one_more(req, role, outcome, limit)
        if sentence:
            sentences.append(sentence)
    if req.labour_budget is not None:
        free_req = replace(req, labour_budget=None)
        _, _, free = _solve(free_req, time_limit=limit)
        if free.ok and not base.ok:
            sentences.append(
                f"The cheapest rota that follows every other rule costs {money(free.objective)}; "
                f"the budget is {money(req.labour_budget)}."
            )
        elif free.ok and free.objective < base.objective - 0.5:
            binding.append(f"the {money(req.labour_budget)} labour budget")
            more = replace(req, labour_budget=req.labour_budget * (1 + BUDGET_STEP))
            _, _, info = _solve(more, time_limit=limit)
            step = req.labour_budget * BUDGET_STEP
            shadow["labour budget"] = max(0.0, (base.objective - info.objective) / step) if info.ok else 0.0
            sentences.append(
                f"The {money(req.labour_budget)} labour budget is a limit: each extra $1 would buy "
                f"about ${shadow['labour budget']:.2f} of wishes kept or cover."
            )
        else:
            shadow["labour budget"] = 0.0
    return sentences, binding, shadow


def _diagnose(req: StaffingRequest, info: SolveInfo, explain: bool) -> Rota:
    conflicts = obvious_conflicts(req)
    if not conflicts:

        def rebuild() -> tuple[cp_model.CpModel, dict[int, str]]:
            built = build_rota_model(req, guarded=True)
            return built.model, built.guards

        core = minimal_conflict(rebuild, req.time_limit, req.workers)
        if core:
            conflicts.append(f"These rules cannot all hold together: {join_names(core)}.")
    sentences = ["No rota can follow every rule for this week."]
    if info.status == "unknown":
        sentences = ["No rota was found within the time limit; the week may be impossible or need longer."]
    if explain:
        more, _, _ = _what_ifs(req, info)
        sentences += more
    empty = coverage_table(req, [])
    return Rota([], 0.0, empty, [], info, Explanation(sentences, [], {}, conflicts))


def plan_staffing(request: StaffingRequest, *, explain: bool = True) -> Rota:
    """A week's rota that breaks no hard rule at the lowest wages plus weighted broken wishes.

    Infeasible weeks come back as a ``Rota`` with no shifts, ``info.status == "infeasible"`` and the clashing
    rules in ``explanation.conflicts``; bad input raises ``OptimizationError``.
    """
    validate_request(request)
    built, solver, info = _solve(request)
    if not info.ok:
        return _diagnose(request, info, explain)
    shifts = _extract(request, built, solver)
    wage = {p.name: p.hourly_wage for p in request.staff}
    cost = float(sum(wage[s.employee] * s.hours for s in shifts))
    coverage = coverage_table(request, shifts)
    unmet, notes = _wishes(request, shifts)
    hours = sum(s.hours for s in shifts)
    sentences = [
        f"{len(shifts)} shifts, {hours} staff-hours, wages {money(cost)}"
        + (f" of the {money(request.labour_budget)} budget." if request.labour_budget else ".")
    ]
    short = coverage[coverage["short"] > 0]
    if short.empty:
        sentences.append("Every hour has the staff it needs.")
    else:
        for (role, d), grp in short.groupby(["role", "day"]):
            for run in runs(grp["hour"].tolist()):
                sentences.append(f"Short of {role}s {label_hours(int(d), run)}.")
    if info.status == "feasible":
        sentences.append(
            f"The time limit was reached; this rota is within {info.gap:.1%} of the best possible."
        )
    sentences += notes
    sentences += [f"Unmet wish: {w}" for w in unmet] if unmet else ["Every day-off wish is kept."]
    binding: list[str] = []
    shadow: dict[str, float] = {}
    if explain:
        more, binding, shadow = _what_ifs(request, info, (cost, int(coverage["short"].sum())))
        sentences += more
    logger.debug("Rota: %s, cost %.2f, gap %.4f in %.2fs", info.status, cost, info.gap, info.seconds)
    return Rota(shifts, cost, coverage, unmet, info, Explanation(sentences, binding, shadow, []))
