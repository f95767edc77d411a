"""All coach tools for one turn, each bound to the turn's tenant."""

from __future__ import annotations

from llama_index.core.tools import FunctionTool

from coach.tools import schemas as s
from coach.tools.base import Impl, bind
from coach.tools.benchmarks import benchmark_compare_tool
from coach.tools.budget import allocate_budget_tool
from coach.tools.context import ToolContext
from coach.tools.data import list_metrics_tool, metric_summary_tool
from coach.tools.evidence import explain_change_tool, what_if_tool
from coach.tools.forecasting import forecast_metric_tool
from coach.tools.goals import create_goal_tool, goal_progress_tool, list_goals_tool, update_goal_tool
from coach.tools.inventory import optimize_inventory_tool
from coach.tools.memory import search_history_tool
from coach.tools.staffing import plan_staffing_tool

IMPLEMENTATIONS: dict[str, Impl] = {
    "metric_summary": metric_summary_tool,
    "list_metrics": list_metrics_tool,
    "forecast_metric": forecast_metric_tool,
    "explain_change": explain_change_tool,
    "what_if": what_if_tool,
    "optimize_inventory": optimize_inventory_tool,
    "plan_staffing": plan_staffing_tool,
    "allocate_budget": allocate_budget_tool,
    "create_goal": create_goal_tool,
    "list_goals": list_goals_tool,
    "update_goal": update_goal_tool,
    "goal_progress": goal_progress_tool,
    "search_history": search_history_tool,
    "benchmark_compare": benchmark_compare_tool,
}


def build_tools(ctx: ToolContext, names: tuple[str, ...] | None = None) -> list[FunctionTool]:
    """The tools (all, or ``names``) bound to ``ctx``'s tenant, in the stable order of ``TOOL_NAMES``."""
    wanted = [n for n in s.TOOL_NAMES if n in IMPLEMENTATIONS and (names is None or n in names)]
    return [bind(ctx, name, s.ARGS[name], IMPLEMENTATIONS[name]) for name in wanted]
