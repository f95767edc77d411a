"""Replay a demo business's real SKU demand under two reorder policies and compare profit and stock-outs.

Each SKU is reviewed every day if it keeps a week or less, else weekly; orders arrive after the lead time;
stock is sold first-in first-out and expires after its shelf life. The naive policy orders up to
1.3 x mean demand over lead time + review (the demo generator's own rule); the optimizer orders what
``optimize_inventory`` says for the empirical demand over the same window (from the training year).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.optimize import DemandForecast, InventoryItem, optimize_inventory


@dataclass
class SimResult:
    """Totals of one policy over the replayed period."""

    profit: float = 0.0
    revenue: float = 0.0
    stockout_units: float = 0.0
    wasted_units: float = 0.0
    demand_units: float = 0.0


def _rounded(qty: float, case: int, moq: int) -> int:
    if qty <= 0:
        return 0
    return max(moq, int(np.ceil(qty / case)) * case)


def replay(profile: object, sku_daily: pd.DataFrame, split: pd.Timestamp, policy: str) -> SimResult:
    """Simulate ``policy`` ("naive" or "optimizer") on demand after ``split``, trained on data before it."""
    res = SimResult()
    wide = sku_daily.pivot(index="date", columns="sku", values="units_sold").fillna(0.0)
    train, test = wide[wide.index < split], wide[wide.index >= split]
    skus = {s.code: s for s in profile.skus}
    state = {c: {"lots": deque(), "pipeline": {}} for c in skus}
    review = {c: 1 if s.shelf_life_days <= 7 else 7 for c, s in skus.items()}
    holding = 0.2 / 365  # yearly holding cost as a share of unit cost
    for t, (_, row) in enumerate(test.iterrows()):
        due = []
        for code, sku in skus.items():
            st = state[code]
            if t in st["pipeline"]:
                st["lots"].append([st["pipeline"].pop(t), t + sku.shelf_life_days])
            while st["lots"] and st["lots"][0][1] <= t:  # expired
                res.wasted_units += st["lots"].popleft()[0]
            demand = float(row[code])
            res.demand_units += demand
            sold = 0.0
            while demand - sold > 0 and st["lots"]:
                take = min(st["lots"][0][0], demand - sold)
                st["lots"][0][0] -= take
                sold += take
                if st["lots"][0][0] <= 0:
                    st["lots"].popleft()
            res.stockout_units += demand - sold
            res.revenue += sold * sku.price
            res.profit += sold * sku.price - sku.unit_cost * holding * sum(q for q, _ in st["lots"])
            if t % review[code] == 0:
                due.append(code)
        orders = _decide(policy, [skus[c] for c in due], state, train, review, holding)
        for code, qty in orders.items():
            sku = skus[code]
            if qty > 0:
                state[code]["pipeline"][t + max(1, sku.lead_time_days)] = qty
                res.profit -= qty * sku.unit_cost
    return res


def _decide(policy: str, due: list, state: dict, train: pd.DataFrame, review: dict, holding: float) -> dict:
    position = {
        s.code: sum(q for q, _ in state[s.code]["lots"]) + sum(state[s.code]["pipeline"].values())
        for s in due
    }
    if policy == "naive":
        out = {}
        for s in due:
            window = s.lead_time_days + review[s.code]
            target = float(train[s.code].mean()) * window * 1.3 + s.case_pack
            out[s.code] = _rounded(target - position[s.code], s.case_pack, s.min_order_qty)
        return out
    out: dict[str, int] = {}
    for days in sorted({review[s.code] for s in due}):
        group = [s for s in due if review[s.code] == days]
        out.update(_optimized(group, position, train, days, holding))
    return out


def _optimized(due: list, position: dict, train: pd.DataFrame, days: int, holding: float) -> dict[str, int]:
    items = []
    for s in due:
        window = s.lead_time_days + days
        totals = train[s.code].rolling(window).sum().dropna().to_numpy()
        items.append(
            InventoryItem(
                s.code,
                DemandForecast.from_samples(totals),
                unit_cost=s.unit_cost,
                price=s.price,
                holding_cost=s.unit_cost * holding * window,
                shelf_life_days=s.shelf_life_days,
                case_pack=s.case_pack,
                min_order_qty=s.min_order_qty,
                supplier=s.supplier,
                on_hand=position[s.code],
            )
        )
    plan = optimize_inventory(items, review_days=days, explain=False, time_limit=5)
    return {o.sku: o.quantity for o in plan.orders}
