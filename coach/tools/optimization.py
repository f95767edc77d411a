"""What the planning tools share (optimize_inventory, plan_staffing, allocate_budget): demand from forecasts,
the solver's words, and the record of each run. The tools themselves live in ``inventory``, ``staffing`` and
``budget``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.forecast import forecast
from analytics.optimize import DemandForecast
from coach.tools.context import ToolContext
from storage.analysis.service import save_optimization

HOLDING_RATE_PER_DAY = 0.25 / 365  # a quarter of the unit cost per year of keeping stock
SAMPLES = 2000
# Planning inputs use the two cheapest members (with calibrated intervals): an order or rota answer must come in
# seconds, and for a 1-2 week horizon they lose little against the full ensemble.
PLANNING_MEMBERS = ("seasonal_naive", "ets")


async def store(ctx: ToolContext, kind: str, status: str, inputs: dict, result: dict) -> str:
    """Record one optimisation run (its inputs and answer) and return its id."""
    async with ctx.db.tenant_session(ctx.tenant.id) as session:
        return str(
            await save_optimization(session=session, kind=kind, status=status, inputs=inputs, result=result)
        )


def demand_forecast(series: pd.Series, days: int, country: str) -> DemandForecast:
    """Demand over the next ``days`` as a distribution, from forecast sample paths."""
    result = forecast(
        series.asfreq("D").fillna(0.0),
        days,
        freq="D",
        holidays=country,
        members=list(PLANNING_MEMBERS),
        time_budget=2.0,
    )
    totals = result.sample_paths(SAMPLES).sum(axis=1).clip(lower=0).round()
    return DemandForecast.from_samples(totals.to_numpy())


def weekday_locked(spend: pd.Series, threshold: float = 0.9) -> bool:
    """True when a channel's spend is (almost) fixed by the day of the week, like a newsletter sent every Tuesday.

    Its effect then cannot be told apart from that weekday's, so no response curve can be fitted for it.
    """
    total = float(((spend - spend.mean()) ** 2).sum())
    if total == 0:
        return True
    by_day = spend.groupby(spend.index.dayofweek).transform("mean")
    return 1 - float(((spend - by_day) ** 2).sum()) / total >= threshold


def solver_words(gap: float) -> str:
    """How close to the best possible plan the solver got, for the Source line."""
    return f"; within {gap:.1%} of the best possible" if np.isfinite(gap) and gap > 0 else "; proven optimal"
