"""Charts are PNG pictures with alt text; the picture is drawn once, and only when something shows it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from coach.charts import bars, history_and_forecast
from coach.tools.result import Chart

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_a_chart_is_drawn_once_and_only_when_shown() -> None:
    calls: list[int] = []

    def draw() -> bytes:
        calls.append(1)
        return PNG_MAGIC + b"picture"

    chart = Chart(title="Revenue", alt="Revenue rising.", draw=draw)
    assert calls == []
    assert chart.png == chart.png == PNG_MAGIC + b"picture"
    assert calls == [1]
    assert Chart(title="t", alt="a", png=b"drawn").png == b"drawn"


def test_history_and_forecast_and_bars_draw_real_pngs() -> None:
    days = pd.date_range("2026-01-01", periods=60, freq="D")
    history = pd.Series(np.linspace(100, 160, 60), index=days)
    future = pd.date_range(days[-1] + pd.Timedelta(days=1), periods=7, freq="D")
    point = pd.Series(np.full(7, 165.0), index=future)
    chart = history_and_forecast(
        history, title="Revenue: forecast", unit="$", point=point, lower=point - 10, upper=point + 10
    )
    assert "averaging 165 $ per period" in chart.alt and "80% range" in chart.alt
    assert chart.png.startswith(PNG_MAGIC) and len(chart.png) > 5_000
    shown = bars(["price", "weather"], [12.0, -4.0], title="What moved revenue", unit="$", signed=True)
    assert "price +12, weather -4" in shown.alt
    assert shown.png.startswith(PNG_MAGIC)
