"""Charts for owners: PNG images with alt text, drawn with matplotlib (no display needed).

Figures are made without pyplot (no global state, safe in threads), with generous margins, drawn once and then
cropped to what was drawn: the picture ``savefig(bbox_inches="tight")`` gives, without its second layout pass
(a third of a chart's cost). A chart that reaches its canvas's edge is saved the tight way instead.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from coach.tools.result import Chart

INK, ACCENT, BAND, GOOD, BAD = "#1f2937", "#2563eb", "#bfdbfe", "#16a34a", "#dc2626"
DPI = 110
PAD_INCHES = 0.1  # savefig's default padding around a tight picture
PLOT_SIZE = (5.8, 2.6)  # inches of the plotting area
MARGINS = (1.4, 0.4, 0.7, 0.7)  # left, right, bottom, top (inches): room for labels, cropped away if unused
CHAR_INCHES = 0.085  # a generous width per character of a 10 pt label


def png(fig: Figure) -> bytes:
    """The figure as a PNG cropped to what was drawn on it, with a small white border."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba())
    ink = np.any(pixels[:, :, :3] != 255, axis=2)
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    height, width = ink.shape
    near = 3  # pixels: ink this close to an edge may be the visible part of something cut off
    if not len(rows) or min(rows[0], cols[0], height - 1 - rows[-1], width - 1 - cols[-1]) < near:
        buffer = io.BytesIO()  # drawn to the edge (or nothing drawn): let matplotlib find the bounds
        fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", facecolor="white")
        return buffer.getvalue()
    pad = round(PAD_INCHES * DPI)
    top, bottom = max(rows[0] - pad, 0), min(rows[-1] + pad + 1, height)
    left, right = max(cols[0] - pad, 0), min(cols[-1] + pad + 1, width)
    buffer = io.BytesIO()
    Image.fromarray(pixels[top:bottom, left:right, :3]).save(buffer, format="png")
    return buffer.getvalue()


def _axes(title: str, *, label_chars: int = 0) -> tuple[Figure, Axes]:
    """A white figure with one plotting area of PLOT_SIZE; ``label_chars`` widens the left margin for long
    category labels."""
    left, right, bottom, top = MARGINS
    left = max(left, 0.4 + CHAR_INCHES * label_chars)
    (w, h) = PLOT_SIZE
    width, height = left + w + right, bottom + h + top
    fig = Figure(figsize=(width, height), dpi=DPI, facecolor="white")
    ax = fig.add_axes((left / width, bottom / height, w / width, h / height))
    ax.set_title(title, loc="left", fontsize=12, color=INK)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", alpha=0.3)
    return fig, ax


def history_and_forecast(
    history: pd.Series,
    *,
    title: str,
    unit: str,
    point: pd.Series | None = None,
    lower: pd.Series | None = None,
    upper: pd.Series | None = None,
    level: float = 0.8,
) -> Chart:
    """Recent history as a line, and the forecast with its shaded range when given."""
    alt = f"{title}: actual values from {history.index[0]:%d %b %Y} to {history.index[-1]:%d %b %Y}"
    if point is not None:
        alt += (
            f", then a forecast to {point.index[-1]:%d %b %Y} averaging {point.mean():,.0f} {unit} per period"
            f" with a shaded {level:.0%} range"
        )

    def draw() -> bytes:
        fig, ax = _axes(title)
        ax.plot(history.index, history.to_numpy(), color=INK, linewidth=1.2, label="actual")
        if point is not None:
            ax.plot(point.index, point.to_numpy(), color=ACCENT, linewidth=1.8, label="forecast")
            if lower is not None and upper is not None:
                ax.fill_between(
                    point.index,
                    lower.to_numpy(),
                    upper.to_numpy(),
                    color=BAND,
                    alpha=0.7,
                    label=f"{level:.0%} range",
                )
        ax.set_ylabel(unit)
        ax.legend(frameon=False, fontsize=9)
        locator = mdates.AutoDateLocator(maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        return png(fig)

    return Chart(title=title, alt=alt + ".", draw=draw)


def bars(
    labels: Sequence[str], values: Sequence[float], *, title: str, unit: str, signed: bool = False
) -> Chart:
    """Horizontal bars, green for positive and red for negative when ``signed``."""
    labels, values = list(labels), list(values)

    def draw() -> bytes:
        fig, ax = _axes(title, label_chars=max((len(label) for label in labels), default=0))
        colours = [(GOOD if v >= 0 else BAD) if signed else ACCENT for v in values]
        ax.barh(labels[::-1], values[::-1], color=colours[::-1])
        ax.set_xlabel(unit)
        if signed:
            ax.axvline(0, color=INK, linewidth=0.8)
        return png(fig)

    parts = ", ".join(
        f"{label} {value:+,.0f}" if signed else f"{label} {value:,.0f}"
        for label, value in zip(labels, values, strict=True)
    )
    return Chart(title=title, alt=f"{title} ({unit}): {parts}.", draw=draw)
