"""Optimization engine: inventory reorders, staff rotas, marketing budgets, each explained in plain words."""

from analytics.optimize.budget import BudgetPlan, ChannelSpend, allocate_budget
from analytics.optimize.demand import DemandForecast
from analytics.optimize.errors import OptimizationError
from analytics.optimize.explain import Explanation, SolveInfo
from analytics.optimize.inventory import optimize_inventory
from analytics.optimize.inventory_model import InventoryItem, InventoryPlan, SkuOrder, item_profit
from analytics.optimize.response import ResponseCurve, adstock, fit_response_curve, fit_response_curves
from analytics.optimize.staffing import coverage_table, obvious_conflicts, plan_staffing
from analytics.optimize.staffing_check import Violation, check_rota
from analytics.optimize.staffing_model import (
    Rota,
    Shift,
    ShiftRules,
    SoftWeights,
    StaffingRequest,
    StaffMember,
    hourly_customers,
    required_staff,
)

__all__ = [
    "BudgetPlan",
    "ChannelSpend",
    "allocate_budget",
    "Rota",
    "Shift",
    "ShiftRules",
    "SoftWeights",
    "StaffMember",
    "StaffingRequest",
    "Violation",
    "check_rota",
    "coverage_table",
    "hourly_customers",
    "obvious_conflicts",
    "plan_staffing",
    "required_staff",
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
