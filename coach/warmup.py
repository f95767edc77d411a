"""Loading the engines before the first question, so no owner waits for imports and compilation."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from analytics.forecast import forecast
from analytics.forecast.memo import forget_all
from coach.embeddings import embed


def warm_up() -> float:
    """Load the embedding model and compile the forecasting members (statsforecast's numba code, LightGBM) on
    made-up data, leaving nothing behind; the seconds it took."""
    started = time.perf_counter()
    embed(["How did revenue do last week?"])
    days = pd.date_range("2025-01-05", periods=120, freq="D")
    weekly = 100 + 20 * np.sin(np.arange(120) * 2 * np.pi / 7)
    forecast(pd.Series(weekly, index=days), 7, fast=True)
    forget_all()
    return time.perf_counter() - started
