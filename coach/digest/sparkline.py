"""Sparklines for the digest: weekly totals (or averages) as a tiny PNG for HTML mail and as text elsewhere."""

from __future__ import annotations

import io

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

BARS = "▁▂▃▄▅▆▇█"
INK, ACCENT = "#1f2937", "#2563eb"


def weekly(series: pd.Series, *, weeks: int, averaged: bool) -> pd.Series:
    """Whole weeks (Monday to Sunday) before the last complete one ends, oldest first."""
    clean = series.dropna()
    if clean.empty:
        return clean
    grouped = clean.resample("W-SUN")
    values = grouped.mean() if averaged else grouped.sum()
    counts = grouped.count()
    return values[counts == 7].iloc[-weeks:]


def spark_text(values: pd.Series) -> str:
    """A unicode sparkline (flat when the values do not vary)."""
    if values.empty:
        return ""
    low, high = float(values.min()), float(values.max())
    if high == low:
        return BARS[3] * len(values)
    return "".join(BARS[int((float(v) - low) / (high - low) * (len(BARS) - 1))] for v in values)


def trend_word(values: pd.Series) -> str:
    """rising, falling or steady: the last four weeks against the four before."""
    if len(values) < 8:
        return "too few weeks to tell"
    recent, before = float(values.iloc[-4:].mean()), float(values.iloc[-8:-4].mean())
    if before == 0 or abs(recent - before) / abs(before) < 0.03:
        return "steady"
    return "rising" if recent > before else "falling"


def spark_png(values: pd.Series) -> bytes:
    """A 120x32 px line with the last week marked."""
    fig = Figure(figsize=(1.2, 0.32), dpi=100, facecolor="white")  # no pyplot: no global state
    ax = fig.add_axes((0, 0, 1, 1))
    if not values.empty:
        ax.plot(range(len(values)), values.to_numpy(), color=ACCENT, linewidth=1.4)
        ax.plot([len(values) - 1], [float(values.iloc[-1])], "o", color=INK, markersize=2.5)
    ax.axis("off")
    ax.margins(x=0.04, y=0.15)
    buffer = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buffer)
    return buffer.getvalue()
