"""Optimization engine: inventory reorders, staff rotas, marketing budgets, each explained in plain words."""

from analytics.optimize.errors import OptimizationError
from analytics.optimize.response import ResponseCurve, adstock, fit_response_curve, fit_response_curves

__all__ = [
    "OptimizationError",
    "ResponseCurve",
    "adstock",
    "fit_response_curve",
    "fit_response_curves",
]
