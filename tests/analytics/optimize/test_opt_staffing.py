"""Staff scheduling: brute-force optima, the independent checker, named conflicts, demo café, bad input."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from analytics.optimize import (
    OptimizationError,
    Shift,
    ShiftRules,
    SoftWeights,
    StaffingRequest,
    StaffMember,
    check_rota,
    hourly_customers,
    plan_staffing,
    required_staff,
)

NO_WISHES = SoftWeights(day_off=0.0, weekend_spread=0.0)


def _need(role_hours: dict[tuple[int, int], int]) -> np.ndarray:
    arr = np.zeros((7, 24), dtype=int)
    for (d, h), n in role_hours.items():
        arr[d, h] = n
    return arr


def _tiny() -> StaffingRequest:
    staff = [
        StaffMember("Ann", "barista", 20.0, 0, 7, {0: (8, 13), 1: (8, 13)}, prefers_off=(1,)),
        StaffMember("Bo", "barista", 15.0, 0, 6, {0: (8, 13), 1: (9, 13)}),
        StaffMember("Cy", "barista", 12.0, 4, 8, {0: (10, 13), 1: (8, 12)}),
    ]
    need = _need(
        {
            (0, 8): 1,
            (0, 9): 2,
            (0, 10): 2,
            (0, 11): 1,
            (0, 12): 1,
            (1, 8): 1,
            (1, 9): 1,
            (1, 10): 2,
            (1, 11): 2,
            (1, 12): 1,
        }
    )
    rules = ShiftRules(min_shift_hours=3, max_shift_hours=4, max_days_in_row=5, min_rest_hours=11)
    return StaffingRequest(
        staff,
        {"barista": need},
        rules,
        SoftWeights(day_off=7.0, weekend_spread=0.0),
        gap_limit=0.0,
        time_limit=10.0,
    )


def _brute_force(req: StaffingRequest) -> float:
    """Cheapest wages + day-off penalties over every combination of shifts, checked by ``check_rota``."""
    r = req.rules
    per_slot = []
    for p in req.staff:
        for d in (0, 1):
            first, last = p.availability[d]
            opts = [None] + [
                Shift(p.name, "barista", d, s, s + n)
                for n in range(r.min_shift_hours, r.max_shift_hours + 1)
                for s in range(first, last - n + 1)
            ]
            per_slot.append(opts)
    wage = {p.name: p.hourly_wage for p in req.staff}
    off = {(p.name, d) for p in req.staff for d in p.prefers_off}
    best = np.inf
    need = req.need_array("barista")
    for combo in itertools.product(*per_slot):
        shifts = [s for s in combo if s is not None]
        have = np.zeros((7, 24), dtype=int)
        for s in shifts:
            have[s.day, s.start : s.end] += 1
        if (have < need).any():
            continue
        cost = sum(wage[s.employee] * s.hours for s in shifts)
        cost += req.weights.day_off * sum((s.employee, s.day) in off for s in shifts)
        if cost < best and not check_rota(req, shifts):
            best = cost
    return float(best)


def test_tiny_rota_matches_brute_force_and_passes_the_checker() -> None:
    req = _tiny()
    rota = plan_staffing(req, explain=False)
    assert rota.info.status == "optimal"
    assert rota.info.objective == pytest.approx(_brute_force(req))
    assert check_rota(req, rota) == []
    assert rota.coverage["short"].sum() == 0


def test_checker_catches_every_kind_of_broken_rule() -> None:
    req = _tiny()
    bad = [
        Shift("Ann", "cashier", 0, 8, 11),  # wrong role
        Shift("Bo", "barista", 0, 6, 9),  # outside availability
        Shift("Cy", "barista", 1, 8, 10),  # too short; Cy below min hours
        Shift("Ann", "barista", 1, 8, 13),  # too long; Ann over 7 hours
        Shift("Zed", "barista", 0, 8, 12),  # unknown person
    ]
    rules = {v.rule for v in check_rota(req, bad)}
    assert {
        "role",
        "availability",
        "shift length",
        "min hours",
        "max hours",
        "unknown person",
        "coverage",
    } <= rules
    strict = StaffingRequest(req.staff, req.need, ShiftRules(3, 5, 1, 22, max_weekend_days=0))
    late = [
        Shift("Ann", "barista", 0, 8, 11),
        Shift("Ann", "barista", 1, 8, 11),
        Shift("Bo", "barista", 6, 9, 12),
    ]
    assert {"rest", "days in a row"} <= {
        v.rule for v in check_rota(strict, late)
    }  # 21h rest < 22h; 2 days > 1


def _café_request(**kwargs: object) -> StaffingRequest:
    from connectors.demo.businesses import DEMO_CAFE

    p = DEMO_CAFE
    staff = [
        StaffMember(
            e.name,
            e.role,
            e.hourly_wage,
            e.min_weekly_hours,
            e.max_weekly_hours,
            e.availability,
            e.prefers_off,
        )
        for e in p.staff
    ]
    daily = [p.effects.base_customers * w for w in p.effects.weekday_profile]
    need = required_staff(
        hourly_customers(daily, p.hourly_profile, p.opening_hours),
        {"barista": 30, "cashier": 80, "kitchen": 45},
        {"barista": 1, "cashier": 1, "kitchen": 1},
    )
    return StaffingRequest(staff, need, time_limit=10.0, **kwargs)


def test_demo_cafe_sunday_kitchen_gap_is_named_in_manager_words() -> None:
    rota = plan_staffing(_café_request(), explain=False)
    assert rota.info.status == "infeasible" and rota.shifts == []
    assert "No kitchen is available Sunday 07:00-10:00, but you need 1." in rota.explanation.conflicts


def test_demo_cafe_with_understaffing_allowed_reports_the_gap_and_breaks_no_hard_rule() -> None:
    req = _café_request(allow_understaffing=True)
    rota = plan_staffing(req, explain=False)
    assert rota.info.ok and check_rota(req, rota) == []
    short = rota.coverage[rota.coverage["short"] > 0]
    assert set(zip(short["role"], short["day"], strict=True)) >= {("kitchen", 6)}
    assert any("Short of kitchens Sunday 07:00" in s for s in rota.explanation.explanation)
    assert rota.cost == pytest.approx(
        sum({e.name: e.hourly_wage for e in req.staff}[s.employee] * s.hours for s in rota.shifts)
    )


def test_only_two_available_named_when_three_are_needed() -> None:
    staff = [StaffMember(n, "barista", 18.0, 0, 40, {6: (7, 15)}) for n in ("Sam", "Alex")]
    req = StaffingRequest(staff, {"barista": _need({(6, 8): 3, (6, 9): 3, (6, 10): 2})})
    rota = plan_staffing(req, explain=False)
    assert rota.info.status == "infeasible"
    assert rota.explanation.conflicts == [
        "Sam and Alex are the only baristas available Sunday 08:00-10:00, but you need 3."
    ]


def test_hidden_conflict_is_found_with_assumptions() -> None:
    # Everyone is available, but 5 days x 10 hours of cover exceed the single person's 40-hour cap.
    staff = [StaffMember("Priya", "barista", 19.0, 0, 40, dict.fromkeys(range(7), (8, 18)))]
    need = _need({(d, h): 1 for d in range(5) for h in range(8, 18)})
    rules = ShiftRules(min_shift_hours=3, max_shift_hours=10)
    rota = plan_staffing(StaffingRequest(staff, {"barista": need}, rules), explain=True)
    assert rota.info.status == "infeasible"
    text = " ".join(rota.explanation.conflicts)
    assert "keep Priya at or under 40 hours a week" in text and "cover the baristas needed on" in text
    assert any("one more barista" in s for s in rota.explanation.explanation)


def test_labour_budget_too_small_is_named() -> None:
    req = _tiny()
    cheapest = plan_staffing(req, explain=False).cost
    tight = StaffingRequest(req.staff, req.need, req.rules, NO_WISHES, labour_budget=cheapest - 20)
    rota = plan_staffing(tight, explain=True)
    assert rota.info.status == "infeasible"
    assert any("labour budget" in c for c in rota.explanation.conflicts)
    assert any("cheapest rota" in s for s in rota.explanation.explanation)


def test_medium_week_follows_every_rule_and_keeps_weekend_fair() -> None:
    rng = np.random.default_rng(3)
    staff = [
        StaffMember(
            f"P{i}",
            ("barista", "cashier")[i % 2],
            float(rng.uniform(15, 20)),
            8,
            32,
            dict.fromkeys(range(7), (7, 21) if i % 3 else (7, 16)),
            prefers_off=(int(rng.integers(7)),),
        )
        for i in range(10)
    ]
    need = {
        "barista": _need({(d, h): 1 + (10 <= h < 14) for d in range(7) for h in range(7, 20)}),
        "cashier": _need({(d, h): 1 for d in range(7) for h in range(8, 19)}),
    }
    req = StaffingRequest(staff, need, ShiftRules(min_shift_hours=4, max_shift_hours=8), time_limit=10.0)
    rota = plan_staffing(req, explain=True)
    assert rota.info.ok and rota.info.gap <= 0.01
    assert check_rota(req, rota) == []
    assert "one more barista" in rota.explanation.shadow
    assert not any("Weekend work is uneven" in w for w in rota.unmet_wishes)


def test_required_staff_turns_customers_into_headcount() -> None:
    cust = np.full((7, 24), np.nan)
    cust[:, 9:12] = [0.0, 45.0, 61.0]
    need = required_staff(cust, {"barista": 30.0}, {"barista": 1})["barista"]
    assert need[0, 8] == 0 and need[0, 9:12].tolist() == [1, 2, 3]


@pytest.mark.parametrize(
    ("person", "need_role", "message"),
    [
        (StaffMember("A", "barista", 18, 0, 40, {7: (8, 12)}), "barista", "weekdays 0-6"),
        (StaffMember("A", "barista", 18, 0, 40, {0: (8, 25)}), "barista", "hours 0-24"),
        (StaffMember("A", "barista", -1, 0, 40, {0: (8, 12)}), "barista", "not negative"),
        (StaffMember("A", "barista", float("nan"), 0, 40, {0: (8, 12)}), "barista", "must be numbers"),
        (StaffMember("A", "barista", 18, 30, 20, {0: (8, 12)}), "barista", "exceed the maximum"),
        (
            StaffMember("A", "barista", 18, 0, 40, {0: (8, 12)}),
            "chef",
            "Nobody on the staff list works as a chef",
        ),
    ],
)
def test_bad_input_is_refused(person: StaffMember, need_role: str, message: str) -> None:
    with pytest.raises(OptimizationError, match=message):
        plan_staffing(StaffingRequest([person], {need_role: _need({(0, 9): 1})}))


def test_empty_staff_and_negative_need_are_refused() -> None:
    with pytest.raises(OptimizationError, match="nobody"):
        plan_staffing(StaffingRequest([], {}))
    person = StaffMember("A", "barista", 18, 0, 40, {0: (8, 12)})
    with pytest.raises(OptimizationError, match="negative"):
        plan_staffing(StaffingRequest([person], {"barista": -_need({(0, 9): 1})}))
