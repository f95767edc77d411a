"""Reorder quantities for many SKUs under a cash budget and storage capacity, explained in plain words.

See ``inventory_model`` for the model. The explanation re-solves the plan without each shared limit (does it
bind?) and with a little more of it (what is one more dollar / unit of space worth?), and for impossible
requests names the rules that clash.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from ortools.sat.python import cp_model

from analytics.optimize.explain import (
    DEFAULT_TIME_LIMIT,
    DEFAULT_WORKERS,
    Explanation,
    SolveInfo,
    join_names,
    minimal_conflict,
    money,
)
from analytics.optimize.inventory_model import (
    InventoryItem,
    InventoryPlan,
    Options,
    SkuOrder,
    build,
    item_options,
    solve_milp,
    validate,
)

logger = logging.getLogger(__name__)

SHADOW_STEP = 0.05  # re-solve with 5% more budget / space to value one more unit


@dataclass(frozen=True)
class _Setup:
    items: Sequence[InventoryItem]
    opts: Sequence[Options]
    minimums: Mapping[str, float]
    time_limit: float
    workers: int


def _solve(setup: _Setup, budget: float | None, capacity: float | None) -> tuple[list[int], SolveInfo]:
    started = time.perf_counter()
    choice, info = solve_milp(setup.items, setup.opts, budget, capacity, setup.minimums, setup.time_limit)
    return choice, replace(info, seconds=time.perf_counter() - started)


def _profit(setup: _Setup, choice: Sequence[int]) -> float:
    return float(sum(o.profit[k] for o, k in zip(setup.opts, choice, strict=True)))


def _order(item: InventoryItem, o: Options, k: int) -> SkuOrder:
    q = int(o.qty[k])
    y = item.position + q
    sales = float(item.demand.expected_sales(np.floor(y)))
    mean = item.demand.mean
    best = int(o.qty[o.best])
    if q == best:
        note = "best level" if q > 0 else "stock on hand covers the period"
        if q == 0 and best == 0 and item.demand.mean > item.position:
            note = "not worth ordering at this price and cost"
    elif q < best:
        note = f"cut back from {best} by the shared limits"
    else:
        note = f"raised from {best} to meet a service level or supplier minimum"
    if 0 < q and item.case_pack > 1:
        note += f"; {q // item.case_pack} case(s) of {item.case_pack}"
    return SkuOrder(
        sku=item.sku,
        name=item.label,
        supplier=item.supplier,
        quantity=q,
        cases=q // item.case_pack,
        cost=q * item.unit_cost,
        expected_sales=sales,
        fill_rate=sales / mean if mean > 0 else 1.0,
        in_stock=float(item.demand.in_stock(y)),
        expected_leftover=y - sales,
        expected_profit=float(o.profit[k]),
        best_quantity=best,
        note=note,
    )


def _limit_sentences(
    setup: _Setup, budget: float | None, capacity: float | None, profit: float, cash: float, space: float
) -> tuple[list[str], list[str], dict[str, float]]:
    """Binding limits and their shadow values, found by re-solving without / with a little more of each."""
    sentences: list[str] = []
    binding: list[str] = []
    shadow: dict[str, float] = {}
    limits = {"budget": budget, "capacity": capacity}
    for name, value in limits.items():
        if value is None:
            continue
        others = {k: v for k, v in limits.items() if k != name}
        free_choice, free_info = _solve(setup, **{name: None}, **others)
        gain = _profit(setup, free_choice) - profit if free_info.ok else 0.0
        step = value * SHADOW_STEP
        more_choice, more_info = _solve(setup, **{name: value + step}, **others)
        shadow[name] = max(0.0, (_profit(setup, more_choice) - profit) / step) if more_info.ok else 0.0
        if name == "budget":
            if gain > 0.5:
                need = sum(setup.items[i].unit_cost * setup.opts[i].qty[k] for i, k in enumerate(free_choice))
                binding.append(f"the {money(value)} budget")
                sentences.append(
                    f"The {money(value)} budget is the limit: without it you would spend {money(need)} and "
                    f"expect {money(gain)} more profit. Each extra $1 of budget is worth about "
                    f"${shadow[name]:.2f} of expected profit."
                )
            else:
                sentences.append(f"The budget is not a limit: the plan uses {money(cash)} of {money(value)}.")
        elif gain > 0.5:
            binding.append(f"the storage capacity of {value:g} units")
            sentences.append(
                f"Storage is full ({space:g} of {value:g} units used): with unlimited room you would expect "
                f"{money(gain)} more profit; each extra unit of space is worth about {money(shadow[name])}."
            )
        else:
            sentences.append(f"Storage is not a limit: the plan fills {space:g} of {value:g} units.")
    return sentences, binding, shadow


def _supplier_sentences(setup: _Setup, choice: Sequence[int]) -> tuple[list[str], list[str]]:
    sentences, binding = [], []
    for supplier, minimum in setup.minimums.items():
        idx = [i for i, it in enumerate(setup.items) if it.supplier == supplier]
        wanted = sum(setup.items[i].unit_cost * setup.opts[i].qty[setup.opts[i].best] for i in idx)
        placed = sum(setup.items[i].unit_cost * setup.opts[i].qty[choice[i]] for i in idx)
        if 0 < wanted < minimum:
            binding.append(f"{supplier}'s {money(minimum)} minimum order")
            verb = "topped up to" if placed > 0 else "skipped rather than topped up to"
            sentences.append(
                f"The useful order from {supplier} is only {money(wanted)}, so it is {verb} "
                f"the {money(minimum)} minimum."
            )
    return sentences, binding


def _infeasible(
    setup: _Setup, budget: float | None, capacity: float | None, info: SolveInfo
) -> InventoryPlan:
    def rebuild() -> tuple[cp_model.CpModel, Mapping[int, str]]:
        built = build(setup.items, setup.opts, budget, capacity, setup.minimums, guarded=True)
        return built.model, built.guards

    conflict = minimal_conflict(rebuild, setup.time_limit, setup.workers)
    floor_cash = sum(it.unit_cost * o.qty[o.floor] for it, o in zip(setup.items, setup.opts, strict=True))
    sentences = ["No order plan can meet every rule you set."]
    if budget is not None and floor_cash > budget:
        sentences.append(
            f"Meeting every service-level target needs at least {money(floor_cash)} of stock, "
            f"but the budget is {money(budget)}."
        )
    conflicts = [f"These rules cannot all hold together: {join_names(conflict)}."] if conflict else []
    return InventoryPlan([], 0.0, 0.0, 0.0, 0.0, 0.0, {}, info, Explanation(sentences, [], {}, conflicts))


def optimize_inventory(
    items: Sequence[InventoryItem],
    *,
    budget: float | None = None,
    capacity: float | None = None,
    supplier_minimums: Mapping[str, float] | None = None,
    review_days: float = 7.0,
    max_options: int = 60,
    explain: bool = True,
    time_limit: float = DEFAULT_TIME_LIMIT,
    workers: int = DEFAULT_WORKERS,
) -> InventoryPlan:
    """Order quantities maximising expected profit under budget, storage, supplier minimums and service floors.

    Always returns a plan: an infeasible request comes back with ``info.status == "infeasible"`` and the
    clashing rules in ``explanation.conflicts``; bad numbers raise ``OptimizationError``.
    """
    validate(items, budget, capacity)
    minimums = dict(supplier_minimums or {})
    opts = [item_options(it, max_options, it.supplier in minimums, review_days) for it in items]
    setup = _Setup(items, opts, minimums, time_limit, workers)
    choice, info = _solve(setup, budget, capacity)
    if not info.ok:
        return _infeasible(setup, budget, capacity, info)
    orders = [_order(it, o, k) for it, o, k in zip(items, opts, choice, strict=True)]
    cash = sum(o.cost for o in orders)
    space = sum(it.volume * (it.position + o.quantity) for it, o in zip(items, orders, strict=True))
    profit = _profit(setup, choice)
    by_supplier: dict[str, float] = {}
    for o in orders:
        if o.quantity:
            by_supplier[o.supplier] = by_supplier.get(o.supplier, 0.0) + o.cost
    total_mean = sum(it.demand.mean for it in items)
    fill = sum(o.expected_sales for o in orders) / total_mean if total_mean > 0 else 1.0
    in_stock = float(np.mean([o.in_stock for o in orders]))
    n_ordered = sum(1 for o in orders if o.quantity)
    sentences = [
        f"Order {sum(o.quantity for o in orders):,} units of {n_ordered} of your {len(items)} products for "
        f"{money(cash)}. Expected profit over the period: {money(profit)}, serving about {fill:.0%} of "
        f"expected demand."
    ]
    if info.status == "feasible":
        sentences.append(
            f"The time limit was reached; this plan is within {info.gap:.1%} of the best possible."
        )
    binding: list[str] = []
    shadow: dict[str, float] = {}
    if explain:
        more, binding, shadow = _limit_sentences(setup, budget, capacity, profit, cash, space)
        sentences += more
        more, supplier_binding = _supplier_sentences(setup, choice)
        sentences += more
        binding += supplier_binding
    cut = [o.name for o in orders if o.quantity < o.best_quantity]
    if cut:
        sentences.append(
            f"Cut back below their best level: {join_names(cut[:5])}"
            f"{f' and {len(cut) - 5} more' if len(cut) > 5 else ''}."
        )
    return InventoryPlan(
        orders,
        cash,
        space,
        profit,
        fill,
        in_stock,
        by_supplier,
        info,
        Explanation(sentences, binding, shadow, []),
    )
