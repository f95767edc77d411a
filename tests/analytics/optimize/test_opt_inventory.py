"""Inventory reorder: newsvendor closed form, exact optimum by enumeration, limits, infeasibility, bad input."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import stats

from analytics.optimize import (
    DemandForecast,
    InventoryItem,
    OptimizationError,
    item_profit,
    optimize_inventory,
)


@pytest.mark.parametrize(("price", "cost", "salvage"), [(10.0, 4.0, 1.0), (5.0, 4.0, 0.0), (20.0, 2.0, 0.5)])
def test_single_perishable_sku_orders_the_newsvendor_fractile(
    price: float, cost: float, salvage: float
) -> None:
    item = InventoryItem(
        "A",
        DemandForecast.from_normal(100, 20),
        unit_cost=cost,
        price=price,
        salvage_value=salvage,
        shelf_life_days=2,
    )
    plan = optimize_inventory([item])
    ratio = (price - cost) / (price - salvage)
    # Discrete demand (whole units, rounded normal): the optimum is the first q with P(D <= q) >= ratio.
    expected = int(np.ceil(stats.norm.ppf(ratio, 100, 20) - 0.5))
    assert plan.orders[0].quantity == expected
    assert plan.orders[0].in_stock == pytest.approx(ratio, abs=0.03)
    assert plan.info.status == "optimal"


def test_durable_sku_uses_holding_cost_as_the_overage_cost() -> None:
    item = InventoryItem(
        "B",
        DemandForecast.from_poisson(30),
        unit_cost=6,
        price=10,
        holding_cost=1.0,
        shelf_life_days=365,
        on_hand=5,
    )
    ratio = (10 - 6) / (10 - 6 + 1.0)
    target = int(stats.poisson.ppf(ratio, 30))
    assert optimize_inventory([item]).orders[0].quantity == target - 5


def _small_catalogue() -> list[InventoryItem]:
    rng = np.random.default_rng(11)
    items = []
    for i in range(4):
        cost = float(rng.uniform(2, 9))
        case = int(rng.choice([1, 6, 12]))
        items.append(
            InventoryItem(
                f"S{i}",
                DemandForecast.from_normal(float(rng.uniform(20, 60)), 10),
                unit_cost=cost,
                price=cost * 2.2,
                shelf_life_days=3,
                case_pack=case,
                min_order_qty=case * 2,
                supplier="X" if i < 2 else "Y",
                volume=float(rng.uniform(0.5, 2)),
            )
        )
    return items


def _brute_force(items: list[InventoryItem], budget: float, capacity: float) -> float:
    """Best expected profit over every allowed quantity combination (independent of the solver's options)."""
    lattices = []
    for it in items:
        top = it.demand.quantile(0.9999) + it.case_pack
        lattices.append([0] + [q for q in range(it.min_order_qty, int(top) + 1, it.case_pack) if q > 0])
    profits = [item_profit(it, np.array(lat)) for it, lat in zip(items, lattices, strict=True)]
    best = -np.inf
    for combo in itertools.product(*[range(len(lat)) for lat in lattices]):
        qty = [lat[k] for lat, k in zip(lattices, combo, strict=True)]
        if sum(it.unit_cost * q for it, q in zip(items, qty, strict=True)) > budget + 1e-9:
            continue
        if sum(it.volume * q for it, q in zip(items, qty, strict=True)) > capacity + 1e-9:
            continue
        best = max(best, sum(p[k] for p, k in zip(profits, combo, strict=True)))
    return float(best)


@pytest.mark.parametrize(("budget", "capacity"), [(400.0, 1e9), (1e9, 90.0), (300.0, 120.0)])
def test_matches_brute_force_under_budget_and_capacity(budget: float, capacity: float) -> None:
    items = _small_catalogue()
    plan = optimize_inventory(items, budget=budget, capacity=capacity)
    assert plan.expected_profit == pytest.approx(_brute_force(items, budget, capacity), rel=1e-6)
    assert plan.cash_needed <= budget + 1e-6 and plan.storage_used <= capacity + 1e-6
    for o, it in zip(plan.orders, items, strict=True):
        assert o.quantity % it.case_pack == 0 and (o.quantity == 0 or o.quantity >= it.min_order_qty)


def test_binding_budget_is_named_with_a_positive_shadow_value() -> None:
    plan = optimize_inventory(_small_catalogue(), budget=300.0)
    assert any("budget" in b for b in plan.explanation.binding)
    assert plan.explanation.shadow["budget"] > 0
    assert "budget is the limit" in plan.explanation.text()
    loose = optimize_inventory(_small_catalogue(), budget=1e6)
    assert loose.explanation.binding == [] and loose.explanation.shadow["budget"] == 0


def test_supplier_minimum_is_topped_up_or_skipped() -> None:
    items = _small_catalogue()
    free = optimize_inventory(items)
    x_value = free.by_supplier.get("X", 0.0)
    plan = optimize_inventory(items, supplier_minimums={"X": x_value * 1.5})
    placed = plan.by_supplier.get("X", 0.0)
    assert placed == 0.0 or placed >= x_value * 1.5 - 1e-6
    assert plan.expected_profit <= free.expected_profit + 1e-6
    assert any("X" in b for b in plan.explanation.binding)


def test_service_levels_beyond_the_budget_are_infeasible_with_the_conflict_named() -> None:
    items = [
        InventoryItem(
            f"S{i}",
            DemandForecast.from_normal(50, 10),
            unit_cost=5,
            price=9,
            name=f"Item {i}",
            service_level=0.99,
        )
        for i in range(3)
    ]
    plan = optimize_inventory(items, budget=500.0)
    assert plan.info.status == "infeasible" and plan.orders == []
    text = plan.explanation.text()
    assert "$500" in text and "99%" in text and "Item" in text


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"unit_cost": -1.0}, "unit cost cannot be negative"),
        ({"on_hand": -3.0}, "stock on hand cannot be negative"),
        ({"case_pack": 0}, "at least one unit"),
        ({"service_level": 1.5}, "between 0 and 1"),
    ],
)
def test_bad_item_numbers_are_refused(kwargs: dict, message: str) -> None:
    base = {"sku": "A", "demand": DemandForecast.from_poisson(5), "unit_cost": 1.0, "price": 2.0}
    with pytest.raises(OptimizationError, match=message):
        optimize_inventory([InventoryItem(**{**base, **kwargs})])


def test_empty_list_zero_budget_and_bad_demand_are_refused() -> None:
    item = InventoryItem("A", DemandForecast.from_poisson(5), unit_cost=1.0, price=2.0)
    with pytest.raises(OptimizationError, match="no products"):
        optimize_inventory([])
    with pytest.raises(OptimizationError, match="budget must be more than zero"):
        optimize_inventory([item], budget=0)
    with pytest.raises(OptimizationError, match="budget must be more than zero"):
        optimize_inventory([item], budget=float("nan"))
    with pytest.raises(OptimizationError, match="negative"):
        DemandForecast.from_samples([3, -1])
    with pytest.raises(OptimizationError, match="negative"):
        DemandForecast.from_normal(-5, 1)


def test_demand_builders_agree() -> None:
    a = DemandForecast.from_interval(100, 74.4, 125.6, 0.8)  # sd 20
    b = DemandForecast.from_quantiles({0.1: 74.4, 0.5: 100, 0.9: 125.6})
    c = DemandForecast.from_samples(np.random.default_rng(0).normal(100, 20, 20000).clip(0))
    for d in (a, b, c):
        assert d.mean == pytest.approx(100, abs=1) and d.quantile(0.9) == pytest.approx(126, abs=2)
    assert a.expected_sales(np.array([0, 10_000])).tolist() == pytest.approx([0, a.mean])
