"""Random but realistic instances for the optimization benchmark (staff rotas and SKU catalogues)."""

from __future__ import annotations

import numpy as np

from analytics.optimize import (
    DemandForecast,
    InventoryItem,
    ShiftRules,
    StaffingRequest,
    StaffMember,
    required_staff,
)

ROLES = ("barista", "cashier", "kitchen")
OPEN = (6, 23)


def staffing_instance(n_staff: int, seed: int) -> StaffingRequest:
    """``n_staff`` people over 3 roles, open 06:00-23:00 every day, need scaled so the week is feasible."""
    rng = np.random.default_rng(seed)
    staff = []
    for i in range(n_staff):
        role = ROLES[i % len(ROLES)]
        max_h = int(rng.choice([24, 32, 40, 40]))
        avail: dict[int, tuple[int, int]] = {}
        kind = (i // len(ROLES)) % 3  # per role: openers, closers and people with other hours
        for d in range(7):
            if (kind < 2 and d != i % 7) or (kind == 2 and rng.random() < 0.85):
                if kind == 0:
                    avail[d] = (6, int(rng.choice([15, 16, 18])))
                elif kind == 1:
                    avail[d] = (int(rng.choice([12, 13, 14])), 23)
                else:
                    first = int(rng.choice([7, 8, 10, 12]))
                    avail[d] = (first, int(min(23, first + rng.choice([9, 11]))))
        extra = (ROLES[(i + 1) % 3],) if rng.random() < 0.2 else ()
        staff.append(
            StaffMember(
                f"P{i:02d}",
                role,
                float(rng.uniform(15, 22)),
                float(rng.choice([0, 8, 16])),
                float(max_h),
                avail,
                tuple(int(d) for d in rng.choice(7, 1)),
                extra,
            )
        )
    hours = np.arange(24)
    shape = np.exp(-0.5 * ((hours - 9) / 2.0) ** 2) + 0.8 * np.exp(-0.5 * ((hours - 13) / 1.5) ** 2) + 0.3
    weekday = np.array([0.9, 0.9, 0.95, 1.0, 1.1, 1.25, 1.1])
    cust = np.full((7, 24), np.nan)
    cust[:, OPEN[0] : OPEN[1]] = np.outer(weekday, shape[OPEN[0] : OPEN[1]]) * 12 * n_staff / 20
    need = required_staff(cust, {"barista": 14, "cashier": 30, "kitchen": 24}, {"barista": 1})
    return StaffingRequest(
        staff, need, ShiftRules(min_shift_hours=4, max_shift_hours=9), time_limit=10.0, workers=2
    )


def inventory_instance(n_sku: int, seed: int) -> list[InventoryItem]:
    """A catalogue of ``n_sku`` SKUs with mixed demand, margins, case packs, shelf lives and suppliers."""
    rng = np.random.default_rng(seed)
    items = []
    for i in range(n_sku):
        mean = float(rng.lognormal(3.0, 1.0))
        case = int(rng.choice([1, 4, 6, 12, 24]))
        cost = float(rng.uniform(0.5, 25))
        items.append(
            InventoryItem(
                f"S{i:04d}",
                DemandForecast.from_normal(mean, 0.35 * mean + 1.0),
                unit_cost=cost,
                price=cost * float(rng.uniform(1.3, 3.0)),
                holding_cost=0.02 * cost,
                shelf_life_days=float(rng.choice([2, 5, 30, 365])),
                case_pack=case,
                min_order_qty=case * int(rng.integers(1, 3)),
                supplier=f"Supplier {i % 12}",
                volume=float(rng.uniform(0.05, 2.0)),
                on_hand=float(rng.integers(0, max(2, int(mean)))),
            )
        )
    return items
