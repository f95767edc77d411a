"""Optimization engine: inventory reorders, staff rotas, marketing budgets, each explained in plain words."""

from analytics.optimize.demand import DemandForecast
from analytics.optimize.errors import OptimizationError
from analytics.optimize.explain import Explanation, SolveInfo
from analytics.optimize.inventory import optimize_inventory
from analytics.optimize.inventory_model import InventoryItem, InventoryPlan, SkuOrder, item_profit
from analytics.optimize.response import ResponseCurve, adstock, fit_response_curve, fit_response_curves

__all__ = [
    "DemandForecast",
    "Explanation",
    "InventoryItem",
    "InventoryPlan",
    "SkuOrder",
    "SolveInfo",
    "item_profit",
    "optimize_inventory",
    "OptimizationError",
    "ResponseCurve",
    "adstock",
    "fit_response_curve",
    "fit_response_curves",
]
