"""Fixtures for the offline model: the embedding model and intent bank load once per test session."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from llama_index.core.tools import FunctionTool
from pydantic import BaseModel

from coach.tools.result import Source, ToolResult
from coach.tools.schemas import ARGS

os.environ.setdefault("HF_HUB_OFFLINE", "1")


class Recorder:
    """Test tools that return fixed ToolResults and remember every call (name, arguments)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def tool(self, name: str, result: ToolResult | Callable[[BaseModel], ToolResult]) -> FunctionTool:
        """A FunctionTool with the real schema of ``name`` that records its arguments."""
        schema = ARGS[name]

        async def run(**kwargs: Any) -> str:
            self.calls.append((name, kwargs))
            args = schema.model_validate({k: v for k, v in kwargs.items() if v is not None})
            return (result(args) if callable(result) else result).for_model()

        run_fn: Callable[..., Awaitable[str]] = run
        return FunctionTool.from_defaults(
            async_fn=run_fn, name=name, description=schema.__doc__ or name, fn_schema=schema
        )


@pytest.fixture
def recorder() -> Recorder:
    """A fresh call recorder."""
    return Recorder()


def sales_result(args: BaseModel) -> ToolResult:
    """What metric_summary might say about revenue for the requested period."""
    period = getattr(args, "period", "last week")
    return ToolResult(
        tool="metric_summary",
        headline=f"Revenue {period} (16-22 Nov 2026): $12,345, +4.2% vs the week before ($11,848).",
        facts={"value": 12345.0, "baseline_value": 11848.0, "change_pct": 4.19},
        table=[{"date": "2026-11-16", "value": 1650.5}, {"date": "2026-11-17", "value": 1702.25}],
        notes=["Best day Sat 21 Nov ($2,310), weakest Mon 16 Nov ($1,650)."],
        sources=[
            Source(tool="metric_summary", data="revenue, daily, 2026-11-09 to 2026-11-22", method="total")
        ],
    )


def order_result(_args: BaseModel) -> ToolResult:
    """What optimize_inventory might propose."""
    return ToolResult(
        tool="optimize_inventory",
        headline="Order 3 products for $418 this week; expected fill rate 97%.",
        table=[
            {
                "sku": "MILK",
                "name": "oat milk",
                "order_units": 40,
                "cases": 4,
                "case_pack": 10,
                "cost": 96.0,
                "on_hand": 12,
                "days_covered": 9,
            },
            {
                "sku": "BEANS",
                "name": "coffee beans",
                "order_units": 12,
                "cases": 12,
                "case_pack": 1,
                "cost": 264.0,
                "on_hand": 0,
                "days_covered": 8,
            },
            {
                "sku": "CUPS",
                "name": "cups",
                "order_units": 2,
                "cases": 2,
                "case_pack": 1,
                "cost": 58.0,
                "on_hand": 300,
                "days_covered": None,
            },
        ],
        sources=[Source(tool="optimize_inventory", data="stock_on_hand, 90 days", method="newsvendor")],
    )


def explain_result(_args: BaseModel) -> ToolResult:
    """What explain_change might find."""
    return ToolResult(
        tool="explain_change",
        headline="Revenue fell 8.1% last week, mostly from 61 fewer customers; rain explains about half.",
        notes=["Average ticket barely moved (-0.4%)."],
        sources=[
            Source(tool="explain_change", data="revenue and drivers, daily", method="decomposition + DoWhy")
        ],
    )
