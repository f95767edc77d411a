"""Prophet member with country holidays; the Stan optimiser runs under a hard timeout."""

from __future__ import annotations

import logging
import time

import numpy as np
import pandas as pd

from analytics.forecast.errors import MemberFailed
from analytics.forecast.prepare import Window


def _quiet() -> None:
    # Prophet resets its logger to INFO on import; its per-fit chatter is not useful to us.
    for noisy in ("cmdstanpy", "prophet", "prophet.plot"):
        logging.getLogger(noisy).setLevel(logging.ERROR)


def prophet(w: Window) -> np.ndarray:
    """Prophet (additive, automatic seasonalities, country or custom holidays, drivers as regressors)."""
    _quiet()
    from prophet import Prophet

    _quiet()
    if len(w.y) < 10:
        raise MemberFailed("too little history for Prophet")
    if w.timeout <= 0.05:
        raise MemberFailed("took longer than the time budget")
    holidays = None
    if w.holiday_dates and w.country is None:
        holidays = pd.DataFrame({"holiday": "holiday", "ds": sorted(w.holiday_dates)})
    model = Prophet(
        uncertainty_samples=0,
        holidays=holidays,
        yearly_seasonality="auto" if w.kind != "D" or len(w.y) >= 700 else False,
    )
    if w.country is not None:
        model.add_country_holidays(country_name=w.country)
    frame = pd.DataFrame({"ds": w.index, "y": w.y})
    future = pd.DataFrame({"ds": w.future})
    if w.exog is not None:
        for col in w.exog.columns:
            name = f"x_{col}"
            model.add_regressor(name)
            frame[name] = w.exog[col].to_numpy()[: len(w.y)]
            future[name] = w.exog[col].to_numpy()[len(w.y) : len(w.y) + w.h]
    started = time.monotonic()
    try:
        model.fit(frame, timeout=max(w.timeout, 0.01))
    except (TimeoutError, RuntimeError) as exc:
        if time.monotonic() - started >= w.timeout:
            raise MemberFailed("took longer than the time budget") from exc
        raise
    out = model.predict(future)["yhat"].to_numpy()
    if time.monotonic() - started > w.timeout:
        raise MemberFailed("took longer than the time budget")  # late answers are not used
    return out
