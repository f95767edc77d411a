"""The arguments of every coach tool, as Pydantic models (the schema the language model fills in).

Tool names are stable: Slack, email, the offline model and tests rely on them. None of these models has a tenant
field: every tool is bound to one tenant when it is built.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

TOOL_NAMES = (
    "metric_summary",
    "list_metrics",
    "forecast_metric",
    "explain_change",
    "what_if",
    "optimize_inventory",
    "plan_staffing",
    "allocate_budget",
    "create_goal",
    "list_goals",
    "update_goal",
    "goal_progress",
    "search_history",
    "benchmark_compare",
)

Period = str  # plain words: "last week", "October", "Q3", "since 2025-03-01", "yesterday", "last 30 days"


class MetricSummaryArgs(BaseModel):
    """How a metric did over a period, compared with the period before."""

    metric: str = Field(description="Metric name or an owner's word for it, e.g. revenue, sales, footfall.")
    period: Period = Field(
        default="last week", description="Period in plain words, e.g. 'last week', 'October'."
    )
    compare_to: Period | None = Field(
        default=None, description="Baseline period; default: the period before."
    )
    dimension: str | None = Field(default=None, description="e.g. 'channel:instagram' or 'sku:LAT'.")


class ListMetricsArgs(BaseModel):
    """Which metrics the business has data for."""


class ForecastMetricArgs(BaseModel):
    """What a metric will look like in the coming days, weeks or months, with a range."""

    metric: str = Field(default="revenue", description="Metric to forecast.")
    horizon: Period = Field(
        default="next 4 weeks", description="How far ahead, e.g. 'next month', '8 weeks'."
    )
    dimension: str | None = Field(default=None, description="e.g. 'sku:LAT' for one product.")


class ExplainChangeArgs(BaseModel):
    """Why a metric changed between a period and a baseline: arithmetic breakdown and likely causes."""

    metric: str = Field(default="revenue", description="Metric whose change to explain.")
    period: Period = Field(default="last week", description="The period that changed.")
    baseline: Period | None = Field(default=None, description="Compared with; default: the period before.")


class WhatIfArgs(BaseModel):
    """What would happen to a metric under a change: prices, marketing spend, opening hours or staffing."""

    intervention: Literal["price", "marketing", "opening_hours", "staffing"] = Field(
        description="The kind of change."
    )
    change_pct: float | None = Field(default=None, description="Relative change in percent, e.g. 5 for +5%.")
    amount: float | None = Field(
        default=None, description="Absolute change, e.g. +200 (dollars per week) or +2 hours."
    )
    channel: str | None = Field(
        default=None, description="Marketing channel: instagram, google, email, flyers."
    )
    metric: str = Field(default="revenue", description="Metric to project.")
    horizon: Period = Field(default="next 4 weeks", description="How far ahead.")


class OptimizeInventoryArgs(BaseModel):
    """How much of each product to order now."""

    budget: float | None = Field(default=None, description="Cash available for this order.")
    service_level: float | None = Field(
        default=None, description="Target chance of not running out, 0.5-0.999."
    )
    skus: list[str] | None = Field(default=None, description="Only these products (SKUs or names).")
    review_days: int = Field(default=7, ge=1, le=60, description="Days until the next order.")


class PlanStaffingArgs(BaseModel):
    """A staff rota for a week that covers forecast demand at the lowest cost."""

    week: Period = Field(
        default="next week", description="Which week, e.g. 'next week', 'week of 1 December'."
    )
    labour_budget: float | None = Field(default=None, description="Most to spend on wages that week.")


class AllocateBudgetArgs(BaseModel):
    """How to split a marketing budget across channels for the most extra sales."""

    total: float | None = Field(
        default=None, description="Budget per week; default: the current weekly spend."
    )
    channels: list[str] | None = Field(default=None, description="Only these channels.")


class CreateGoalArgs(BaseModel):
    """Set a SMART goal: a metric, a number and a deadline; says how achievable it is."""

    metric: str = Field(description="Metric the goal is about.")
    target: float | None = Field(default=None, description="The number to reach.")
    change_pct: float | None = Field(
        default=None,
        description="Instead of a number: up (or down) by this percent, e.g. 20 for 'up a fifth'.",
    )
    deadline: Period = Field(description="By when, e.g. 'end of March', '2026-12-31', 'in 8 weeks'.")
    kind: Literal["total", "level", "average"] | None = Field(
        default=None, description="total: sum up to the deadline; level: the daily value at the deadline."
    )
    title: str | None = Field(default=None, description="Short name for the goal.")


class ListGoalsArgs(BaseModel):
    """The business's goals."""

    status: Literal["created", "in_progress", "completed", "archived", "active", "all"] = Field(
        default="active", description="Which goals: active (created or in progress), or a status, or all."
    )


class UpdateGoalArgs(BaseModel):
    """Change a goal: its status, target or deadline."""

    goal: str = Field(description="Which goal: its number in the list, part of its title, or its id.")
    status: Literal["in_progress", "completed", "archived"] | None = Field(default=None)
    target: float | None = Field(default=None)
    deadline: Period | None = Field(default=None)


class GoalProgressArgs(BaseModel):
    """How a goal (or every active goal) is going, and whether it is at risk."""

    goal: str | None = Field(default=None, description="Which goal; default: all active goals.")


class SearchHistoryArgs(BaseModel):
    """Find what was discussed before with the coach."""

    query: str = Field(description="What to look for.")
    limit: int = Field(default=5, ge=1, le=20)


class BenchmarkCompareArgs(BaseModel):
    """Compare the business's ratios with published industry figures."""

    metric: (
        Literal[
            "labour_cost_pct",
            "cogs_pct",
            "gross_margin",
            "net_margin",
            "average_ticket",
            "revenue_per_employee",
        ]
        | None
    ) = Field(default=None, description="One ratio; default: every ratio that can be computed.")
    period: Period = Field(
        default="last 3 months", description="Period to compute the business's ratios over."
    )


ARGS: dict[str, type[BaseModel]] = {
    "metric_summary": MetricSummaryArgs,
    "list_metrics": ListMetricsArgs,
    "forecast_metric": ForecastMetricArgs,
    "explain_change": ExplainChangeArgs,
    "what_if": WhatIfArgs,
    "optimize_inventory": OptimizeInventoryArgs,
    "plan_staffing": PlanStaffingArgs,
    "allocate_budget": AllocateBudgetArgs,
    "create_goal": CreateGoalArgs,
    "list_goals": ListGoalsArgs,
    "update_goal": UpdateGoalArgs,
    "goal_progress": GoalProgressArgs,
    "search_history": SearchHistoryArgs,
    "benchmark_compare": BenchmarkCompareArgs,
}
