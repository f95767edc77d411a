"""Charts for owners: PNG images with alt text, drawn with matplotlib (no display needed)."""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from coach.tools.result import Chart  # noqa: E402

INK, ACCENT, BAND, GOOD, BAD = "#1f2937", "#2563eb", "#bfdbfe", "#16a34a", "#dc2626"


def _png(fig: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def _axes(title: str) -> tuple[plt.Figure, plt.Axes]:
    fig, ax = plt.subplots(figsize=(7.5, 3.4))
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
        return _png(fig)

    return Chart(title=title, alt=alt + ".", draw=draw)


def bars(
    labels: Sequence[str], values: Sequence[float], *, title: str, unit: str, signed: bool = False
) -> Chart:
    """Horizontal bars, green for positive and red for negative when ``signed``."""
    labels, values = list(labels), list(values)

    def draw() -> bytes:
        fig, ax = _axes(title)
        colours = [(GOOD if v >= 0 else BAD) if signed else ACCENT for v in values]
        ax.barh(labels[::-1], values[::-1], color=colours[::-1])
        ax.set_xlabel(unit)
        if signed:
            ax.axvline(0, color=INK, linewidth=0.8)
        return _png(fig)

    parts = ", ".join(
        f"{label} {value:+,.0f}" if signed else f"{label} {value:,.0f}"
        for label, value in zip(labels, values, strict=True)
    )
    return Chart(title=title, alt=f"{title} ({unit}): {parts}.", draw=draw)
