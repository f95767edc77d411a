"""Start-up: the engines load before the first question, and what start-up loaded is left out of collections."""

from __future__ import annotations

import gc
from typing import Any

import numpy as np
import pandas as pd
import pytest

from analytics.forecast import engine, forecast
from bot.heap import settle
from coach.warmup import warm_up


def test_warming_up_forecasts_on_made_up_data_and_leaves_nothing_remembered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[int] = []
    real = engine._forecast

    def counted(series: pd.Series, horizon: int, **options: Any) -> Any:
        made.append(horizon)
        return real(series, horizon, **options)

    monkeypatch.setattr(engine, "_forecast", counted)
    assert warm_up() > 0 and made == [7]
    days = pd.date_range("2025-01-05", periods=120, freq="D")
    forecast(pd.Series(100 + 20 * np.sin(np.arange(120) * 2 * np.pi / 7), index=days), 7, fast=True)
    assert made == [7, 7]  # the made-up series was not kept: asking for it computes again


def test_settling_sets_the_objects_alive_now_aside_from_collections() -> None:
    try:
        kept = settle()
        assert kept > 10_000 and gc.get_freeze_count() == kept
        assert gc.collect() >= 0  # collections still run, over what was made since
    finally:
        gc.unfreeze()
