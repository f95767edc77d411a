"""Inventory reorder model: the items, each SKU's allowed order quantities and the CP-SAT model coupling them.

For each SKU the stock available over the protection period (lead time + review period) is
``y = on_hand + on_order + order``. Its expected profit is

    (price - unit_cost) * E[min(D, y)] - (holding + unit_cost - leftover_value) * E[(y - D)+]
    - stockout_cost * E[(D - y)+]

where leftovers keep their cost (``leftover_value = unit_cost``) unless the item is perishable (shelf life no
longer than the review period), when they are written off at ``salvage_value``. Alone, each SKU's best ``y``
is the newsvendor critical fractile. Orders come in case packs with a minimum order quantity, so each SKU
gets a short list of allowed quantities and CP-SAT picks one per SKU under the shared cash budget, storage
capacity, per-supplier minimum order values and per-SKU service-level floors.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from analytics.optimize.demand import DemandForecast
from analytics.optimize.errors import OptimizationError
from analytics.optimize.explain import Explanation, SolveInfo, money

logger = logging.getLogger(__name__)

CENTS = 100  # money is scaled to cents for CP-SAT
SPACE = 1000  # storage space is scaled to thousandths
MIP_GAP = 1e-4  # HiGHS stops once the plan is proven within 0.01% of the best possible


class _Rows:
    """Sparse constraint rows collected as (columns, values, low, high)."""

    def __init__(self, n: int) -> None:
        self.n, self.r, self.c, self.v, self.lo, self.hi = n, [], [], [], [], []

    def add(self, cols: np.ndarray, vals: np.ndarray, low: float, high: float) -> None:
        self.r.append(np.full(len(cols), len(self.lo)))
        self.c.append(np.asarray(cols))
        self.v.append(np.asarray(vals, dtype=float))
        self.lo.append(low)
        self.hi.append(high)

    def constraint(self) -> LinearConstraint:
        shape = (len(self.lo), self.n)
        matrix = sparse.csr_array(
            (np.concatenate(self.v), (np.concatenate(self.r), np.concatenate(self.c))), shape
        )
        return LinearConstraint(matrix, np.array(self.lo), np.array(self.hi))


@dataclass(frozen=True)
class InventoryItem:
    """One SKU to reorder: its demand over lead time + review period, economics and ordering rules."""

    sku: str
    demand: DemandForecast
    unit_cost: float
    price: float
    name: str = ""
    on_hand: float = 0.0
    on_order: float = 0.0
    holding_cost: float = 0.0  # per unit still on the shelf at the end of the period
    stockout_cost: float = 0.0  # goodwill lost per unit of unmet demand, on top of the lost margin
    salvage_value: float = 0.0  # per unit written off (perishable items only)
    shelf_life_days: float | None = None
    case_pack: int = 1
    min_order_qty: int = 0
    supplier: str = ""
    volume: float = 1.0  # storage space per unit
    service_level: float | None = None  # hard floor on P(no stock-out over the period)

    @property
    def label(self) -> str:
        """The SKU's name for sentences (name if given, else code)."""
        return self.name or self.sku

    @property
    def position(self) -> float:
        """Stock on hand plus already on order."""
        return self.on_hand + self.on_order


@dataclass(frozen=True)
class SkuOrder:
    """The recommendation for one SKU."""

    sku: str
    name: str
    supplier: str
    quantity: int
    cases: int
    cost: float
    expected_sales: float
    fill_rate: float  # expected share of demand served
    in_stock: float  # P(no stock-out during the period)
    expected_leftover: float
    expected_profit: float
    best_quantity: int  # what this SKU would get with no shared limits
    note: str


@dataclass(frozen=True)
class InventoryPlan:
    """Orders per SKU with cash needed, expected profit and service, the solve status and explanation."""

    orders: list[SkuOrder]
    cash_needed: float
    storage_used: float
    expected_profit: float
    fill_rate: float
    in_stock: float  # average chance of no stock-out across ordered SKUs
    by_supplier: dict[str, float]
    info: SolveInfo
    explanation: Explanation

    def table(self) -> pd.DataFrame:
        """The orders as a DataFrame, one row per SKU."""
        return pd.DataFrame([o.__dict__ for o in self.orders])


@dataclass(frozen=True)
class Options:
    """Allowed order quantities of one SKU with their expected profit (index 0 is always 'order nothing')."""

    qty: np.ndarray
    profit: np.ndarray
    best: int  # index of the unconstrained best option
    floor: int  # first index meeting the service level (0 if none required)


def item_profit(
    item: InventoryItem, order: np.ndarray | Sequence[int], review_days: float = 7.0
) -> np.ndarray:
    """Expected period profit of ordering ``order`` units of ``item`` (vectorised; see module docstring)."""
    y = item.position + np.asarray(order, dtype=float)
    sales = item.demand.expected_sales(np.floor(y))
    leftover = y - sales
    short = item.demand.mean - sales
    perishable = item.shelf_life_days is not None and item.shelf_life_days <= review_days
    leftover_value = item.salvage_value if perishable else item.unit_cost
    over = item.holding_cost + item.unit_cost - leftover_value
    return (item.price - item.unit_cost) * sales - over * leftover - item.stockout_cost * short


def item_options(item: InventoryItem, max_options: int, extend: bool, review_days: float) -> Options:
    """The SKU's allowed order quantities (case packs, minimum order) up to its best level, with their profit."""
    case = item.case_pack
    top_stock = item.demand.quantile(1 - 1e-6) + case
    k_max = max(0, int(np.ceil((top_stock - item.position) / case)))
    k_min = int(np.ceil(item.min_order_qty / case)) if item.min_order_qty > 0 else 1
    lattice = np.array([0, *range(max(k_min, 1), max(k_max, k_min) + 1)]) * case
    profit = item_profit(item, lattice, review_days)
    best = int(np.argmax(profit))
    floor = 0
    if item.service_level is not None:
        need = item.demand.quantile(item.service_level) - item.position
        floor = int(np.searchsorted(lattice, need - 1e-9)) if need > 0 else 0
        if floor >= len(lattice):
            lattice = np.append(lattice, int(np.ceil(need / case)) * case)
            profit = item_profit(item, lattice, review_days)
    # Ordering past the best quantity only loses money; keep a few more only where supplier minimums may need it.
    top = max(best, floor) + (3 if extend else 0)
    keep = np.arange(min(top, len(lattice) - 1) + 1)
    if len(keep) > max_options:
        thin = np.unique(np.rint(np.linspace(1, top, max_options - 1)).astype(int))
        keep = np.unique(np.concatenate([[0, best, floor], thin]))
        keep = keep[keep < len(lattice)]
    qty, profit = lattice[keep], profit[keep]
    floor_idx = int(np.searchsorted(qty, lattice[min(floor, len(lattice) - 1)])) if floor else 0
    return Options(qty, profit, int(np.argmax(profit)), floor_idx)


def validate(items: Sequence[InventoryItem], budget: float | None, capacity: float | None) -> None:
    if not items:
        raise OptimizationError("There are no products to order; give at least one SKU.")
    seen: set[str] = set()
    for it in items:
        if it.sku in seen:
            raise OptimizationError(f"SKU {it.sku} appears twice; list each product once.")
        seen.add(it.sku)
        numbers = {
            "unit cost": it.unit_cost,
            "price": it.price,
            "stock on hand": it.on_hand,
            "stock on order": it.on_order,
            "holding cost": it.holding_cost,
            "stock-out cost": it.stockout_cost,
            "salvage value": it.salvage_value,
            "storage volume": it.volume,
            "minimum order": it.min_order_qty,
        }
        for what, value in numbers.items():
            if value < 0 or not np.isfinite(value):
                raise OptimizationError(f"{it.label}: the {what} cannot be negative (got {value}).")
        if it.case_pack < 1:
            raise OptimizationError(f"{it.label}: a case must hold at least one unit (got {it.case_pack}).")
        if it.service_level is not None and not 0 < it.service_level < 1:
            raise OptimizationError(f"{it.label}: a service level is a share between 0 and 1, e.g. 0.95.")
    if budget is not None and not budget > 0:  # NaN included
        raise OptimizationError("The ordering budget must be more than zero.")
    if capacity is not None and not capacity > 0:
        raise OptimizationError("The storage capacity must be more than zero.")


@dataclass
class Model:
    """A built CP-SAT model, its choice literals x[sku][option] and the guard literals' names."""

    model: cp_model.CpModel
    x: list[list[cp_model.IntVar]]
    guards: dict[int, str]


def build(
    items: Sequence[InventoryItem],
    opts: Sequence[Options],
    budget: float | None,
    capacity: float | None,
    supplier_minimums: Mapping[str, float],
    guarded: bool,
) -> Model:
    """The CP-SAT model; with ``guarded`` each limit is switched on by an assumption literal (for diagnosis)."""
    m = cp_model.CpModel()
    guards: dict[int, str] = {}

    def guard(name: str) -> list[cp_model.IntVar]:
        if not guarded:
            return []
        lit = m.new_bool_var(name)
        guards[lit.index] = name
        m.add_assumption(lit)
        return [lit]

    x = [[m.new_bool_var(f"x{i}_{k}") for k in range(len(o.qty))] for i, o in enumerate(opts)]
    for i, (it, o) in enumerate(zip(items, opts, strict=True)):
        m.add_exactly_one(x[i])
        if o.floor > 0:
            lits = guard(f"keep {it.label} in stock {it.service_level:.0%} of the time")
            for k in range(o.floor):
                m.add(x[i][k] == 0).only_enforce_if(lits)
    cost = [[int(round(it.unit_cost * q * CENTS)) for q in o.qty] for it, o in zip(items, opts, strict=True)]
    if budget is not None:
        m.add(
            sum(c * v for ci, xi in zip(cost, x, strict=True) for c, v in zip(ci, xi, strict=True) if c)
            <= int(round(budget * CENTS))
        ).only_enforce_if(guard(f"spend at most {money(budget)}"))
    if capacity is not None:
        free = capacity - sum(it.volume * it.position for it in items)
        space = [
            [int(round(it.volume * q * SPACE)) for q in o.qty] for it, o in zip(items, opts, strict=True)
        ]
        m.add(
            sum(s * v for si, xi in zip(space, x, strict=True) for s, v in zip(si, xi, strict=True) if s)
            <= int(np.floor(free * SPACE))
        ).only_enforce_if(guard(f"fit in {capacity:g} units of storage"))
    for supplier, minimum in supplier_minimums.items():
        idx = [i for i, it in enumerate(items) if it.supplier == supplier]
        if not idx or minimum <= 0:
            continue
        value = sum(cost[i][k] * x[i][k] for i in idx for k in range(1, len(x[i])))
        none = [x[i][0] for i in idx]
        ordered = m.new_bool_var(f"order_{supplier}")
        m.add_bool_and(none).only_enforce_if(~ordered)
        m.add(value >= int(round(minimum * CENTS))).only_enforce_if(
            [ordered, *guard(f"order at least {money(minimum)} from {supplier} when ordering there")]
        )
    m.maximize(
        sum(
            int(round(p * CENTS)) * v
            for o, xi in zip(opts, x, strict=True)
            for p, v in zip(o.profit, xi, strict=True)
        )
    )
    return Model(m, x, guards)


def solve_milp(
    items: Sequence[InventoryItem],
    opts: Sequence[Options],
    budget: float | None,
    capacity: float | None,
    supplier_minimums: Mapping[str, float],
    time_limit: float,
) -> tuple[list[int], SolveInfo]:
    """Pick one option per SKU by MILP (HiGHS): the choice list and how the solve went.

    The multiple-choice formulation has a tight LP relaxation (only the few shared rows couple SKUs), which
    branch-and-bound closes quickly; CP-SAT struggles here, so it is kept for conflict diagnosis only.
    """
    sizes = [len(o.qty) for o in opts]
    start = np.concatenate([[0], np.cumsum(sizes)])
    suppliers = [s for s, v in supplier_minimums.items() if v > 0 and any(it.supplier == s for it in items)]
    n = int(start[-1]) + len(suppliers)
    profit = np.concatenate([o.profit for o in opts] + [np.zeros(len(suppliers))])
    cost = np.concatenate(
        [it.unit_cost * o.qty for it, o in zip(items, opts, strict=True)] + [np.zeros(len(suppliers))]
    )
    upper = np.ones(n)
    for i, o in enumerate(opts):
        upper[start[i] : start[i] + o.floor] = 0.0
    builder = _Rows(n)
    for i in range(len(items)):
        builder.add(np.arange(start[i], start[i + 1]), np.ones(sizes[i]), 1.0, 1.0)
    if budget is not None:
        builder.add(np.flatnonzero(cost), cost[cost > 0], -np.inf, budget)
    if capacity is not None:
        free = capacity - sum(it.volume * it.position for it in items)
        space = np.concatenate([it.volume * o.qty for it, o in zip(items, opts, strict=True)])
        builder.add(np.flatnonzero(space), space[space > 0], -np.inf, free)
    for s_idx, supplier in enumerate(suppliers):
        flag = int(start[-1]) + s_idx
        members = np.concatenate(
            [np.arange(start[i] + 1, start[i + 1]) for i, it in enumerate(items) if it.supplier == supplier]
        )
        cols = np.append(members, flag)
        builder.add(cols, np.append(np.ones(len(members)), -float(len(members))), -np.inf, 0.0)
        builder.add(cols, np.append(cost[members], -supplier_minimums[supplier]), 0.0, np.inf)
    res = milp(
        -profit,
        integrality=np.ones(n),
        bounds=Bounds(np.zeros(n), upper),
        constraints=builder.constraint(),
        options={"time_limit": float(time_limit), "mip_rel_gap": MIP_GAP},
    )
    if res.x is None:
        return [], SolveInfo("infeasible" if res.status == 2 else "unknown")
    x = res.x
    choice = [int(np.argmax(x[start[i] : start[i + 1]])) for i in range(len(items))]
    objective = float(profit @ np.rint(x))
    bound = -float(getattr(res, "mip_dual_bound", -objective) or -objective)
    gap = max(0.0, bound - objective) / max(abs(objective), 1e-9)
    return choice, SolveInfo("optimal" if res.status == 0 else "feasible", objective, bound, gap)
