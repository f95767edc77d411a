"""Forecasting engine: a backtested ensemble with calibrated intervals, and the odds of reaching a goal.

Public API (stable): forecast, goal_outlook, Forecast, GoalOutlook, ForecastError.
"""

from analytics.forecast.engine import forecast
from analytics.forecast.errors import ForecastError
from analytics.forecast.outlook import goal_outlook
from analytics.forecast.types import Forecast, GoalOutlook

__all__ = ["Forecast", "ForecastError", "GoalOutlook", "forecast", "goal_outlook"]
