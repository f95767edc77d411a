"""Charts are PNG pictures with alt text; the picture is drawn once, and only when something shows it."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from PIL import Image

from coach.charts import DPI, PAD_INCHES, bars, history_and_forecast, png
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


def pixels(picture: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(picture)).convert("RGB"))


def test_a_chart_is_cropped_to_what_was_drawn_with_a_white_border() -> None:
    labels = ["usual season and trend", "a driver with a long name that needs room", "rain"]
    picture = pixels(bars(labels, [30.0, -12.0, 4.0], title="What moved revenue", unit="$", signed=True).png)
    height, width, _ = picture.shape
    border = round(PAD_INCHES * DPI) - 1
    assert (picture[:border] == 255).all() and (picture[-border:] == 255).all()
    assert (picture[:, :border] == 255).all() and (picture[:, -border:] == 255).all()
    ink = np.flatnonzero((picture != 255).any(axis=(0, 2)))
    assert ink[0] <= border + 2 and ink[-1] >= width - border - 3  # nothing but the border is blank
    assert height < 3.4 * DPI + 2 * border


def test_a_figure_drawn_past_its_edge_is_saved_with_everything_on_it() -> None:
    fig = Figure(figsize=(2.0, 1.0), dpi=DPI, facecolor="white")
    fig.text(-0.6, 0.5, "a label left of the canvas")
    fig.text(0.2, 0.5, "inside")
    picture = pixels(png(fig))
    assert picture.shape[1] > 2.0 * DPI  # widened to take in the text outside, as savefig's tight bbox does
