"""The optimize_inventory tool: what to order now, per product, within budget: prepare → optimise → present."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pandas as pd

from analytics.optimize import InventoryItem, InventoryPlan, optimize_inventory
from coach.charts import bars
from coach.format import money
from coach.tools.base import ToolError
from coach.tools.context import ToolContext
from coach.tools.data import column_for
from coach.tools.optimization import HOLDING_RATE_PER_DAY, demand_forecast, solver_words, store
from coach.tools.plausible import within
from coach.tools.products import match_products
from coach.tools.result import Source, ToolResult
from coach.tools.schemas import OptimizeInventoryArgs
from storage.catalog.models import Product
from storage.catalog.service import list_products


@dataclass(frozen=True)
class Stock:
    """One product's inputs: what is on the shelf, how fast it sells, and the days the order must last."""

    product: Product
    sold: pd.Series
    on_hand: float
    per_day: float
    days: int


def prepare(
    products: list[Product], frame: pd.DataFrame, args: OptimizeInventoryArgs
) -> tuple[list[Stock], str | None]:
    """Each wanted product with its sales history and stock, and a note naming asked-for products that match
    none of the business's (pure). When no name matches, every product is planned rather than none."""
    note = None
    if args.skus and products:
        chosen, unknown = match_products(products, args.skus)
        if unknown:
            names = ", ".join(f"'{u}'" for u in unknown)
            rest = "so this covers every product" if not chosen else "so I left that out"
            note = f"I have no product called {names}, {rest}."
        products = chosen or products
    if not products:
        raise ToolError("I have no products to reorder. Connect your shop or stock data first.")
    if args.service_level is not None and not 0.5 <= args.service_level < 1:
        raise ToolError("The service level is a chance of not running out, between 50% and 99.9%.")
    out = []
    for p in products:
        sold = column_for(frame, "units_sold", f"sku:{p.sku}").iloc[-365:]
        stock = frame.get(f"stock_on_hand[sku:{p.sku}]")
        on_hand = float(stock.dropna().iloc[-1]) if stock is not None and stock.notna().any() else 0.0
        perishable = p.shelf_life_days is not None and p.shelf_life_days <= 3
        days = max(p.lead_time_days, 1) + (1 if perishable else args.review_days)
        per_day = float(sold.iloc[-28:].mean()) if len(sold) else 0.0
        out.append(Stock(p, sold, 0.0 if perishable else on_hand, per_day, days))
    return out, note


def item(stock: Stock, args: OptimizeInventoryArgs, country: str) -> InventoryItem:
    """The optimiser's view of one product (its demand forecast takes a second or so)."""
    p = stock.product
    return InventoryItem(
        sku=p.sku,
        name=p.name,
        demand=demand_forecast(stock.sold, stock.days, country),
        unit_cost=p.unit_cost,
        price=p.price,
        on_hand=stock.on_hand,
        holding_cost=p.unit_cost * HOLDING_RATE_PER_DAY * stock.days,
        shelf_life_days=float(p.shelf_life_days) if p.shelf_life_days else None,
        case_pack=p.case_pack,
        min_order_qty=p.min_order_qty,
        supplier=p.supplier,
        service_level=args.service_level,
    )


async def optimize_inventory_tool(ctx: ToolContext, args: OptimizeInventoryArgs) -> ToolResult:
    """Order quantities per product for the next review period, within budget, with service levels."""
    async with ctx.db.tenant_session(ctx.tenant.id) as session:
        stocks, note = prepare(await list_products(session=session), await ctx.frame(), args)
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = (loop.run_in_executor(pool, item, s, args, ctx.tenant.country) for s in stocks)
        items = list(await asyncio.gather(*jobs))
    plan = await asyncio.to_thread(
        optimize_inventory, items, budget=args.budget, review_days=args.review_days
    )
    result = present(plan, stocks, ctx.tenant.currency, history_end=(await ctx.frame()).index.max())
    if note:
        result.notes.insert(0, note)
    inputs = {"budget": args.budget, "service_level": args.service_level, "review_days": args.review_days}
    outputs = {k: result.facts[k] for k in ("cash_needed", "expected_profit")} | {"gap": plan.info.gap}
    result.facts["run_id"] = await store(
        ctx, "inventory", plan.info.status, inputs | {"skus": [s.product.sku for s in stocks]},
        outputs | {"orders": result.table},
    )  # fmt: skip
    return result


def rows(plan: InventoryPlan, stocks: list[Stock]) -> list[dict]:
    """One row per product: the order, what is on the shelf, and how many days that lasts at recent sales."""
    by_sku = {s.product.sku: s for s in stocks}
    out = []
    for o in plan.orders:
        stock = by_sku[o.sku]
        cover = (stock.on_hand + o.quantity) / stock.per_day if stock.per_day > 0 else None
        out.append(
            {
                "sku": o.sku,
                "name": o.name,
                "supplier": o.supplier,
                "order_units": o.quantity,
                "cases": o.cases,
                "case_pack": stock.product.case_pack,
                "cost": round(o.cost, 2),
                "on_hand": round(stock.on_hand),
                "days_covered": None if cover is None else int(cover),
                "in_stock_chance": round(o.in_stock, 3),
                "note": o.note,
            }  # fmt: skip
        )
    return out


def present(
    plan: InventoryPlan, stocks: list[Stock], currency: str, *, history_end: pd.Timestamp
) -> ToolResult:
    """The plan in the owner's words: how much to order now, for how much, and the biggest orders."""
    ordered = [o for o in plan.orders if o.quantity > 0]
    price = {s.product.sku: s.product.price for s in stocks}
    sales = sum(price[o.sku] * o.expected_sales for o in plan.orders)
    profit = plan.expected_profit if within(plan.expected_profit, sales, what="profit", of="sales") else None
    if not plan.info.ok:
        headline = "No order follows every rule you set: " + " ".join(plan.explanation.conflicts)
    elif not ordered:
        headline = "You don't need to order anything now: the stock you have covers the coming days."
    else:
        headline = (
            f"Order {len(ordered)} of your {len(plan.orders)} products now, for {money(plan.cash_needed, currency)} "
            f"in all; that should keep you in stock about {plan.in_stock:.0%} of the time."
        )
    notes = (
        [f"Expected profit on these sales over the period is about {money(profit, currency)}."]
        if profit
        else []
    )
    chart = bars([o.name or o.sku for o in ordered[:12]], [o.cost for o in ordered[:12]],
                 title="What to order (cost per product)", unit=currency) if ordered else None  # fmt: skip
    return ToolResult(
        tool="optimize_inventory",
        headline=headline,
        facts={
            "status": plan.info.status,
            "currency": currency,
            "cash_needed": round(plan.cash_needed, 2),
            "expected_profit": round(profit, 2) if profit else None,
            "in_stock": round(plan.in_stock, 3),
            "fill_rate": round(plan.fill_rate, 3),
            "products": len(plan.orders),
            "products_ordered": len(ordered),
            "binding": plan.explanation.binding,
            "by_supplier": {k: round(v, 2) for k, v in plan.by_supplier.items()},
        },  # fmt: skip
        table=rows(plan, stocks),
        notes=notes + plan.explanation.conflicts,
        sources=[
            Source(
                tool="optimize_inventory",
                data=f"products catalogue and daily units sold per product (to {history_end:%Y-%m-%d})",
                method="per-product demand distributions from the forecast ensemble; mixed-integer "
                "optimisation of expected profit (HiGHS)"
                + solver_words(plan.info.gap)
                + "; "
                + " ".join(plan.explanation.explanation),
            )
        ],
        charts=[chart] if chart else [],
    )
