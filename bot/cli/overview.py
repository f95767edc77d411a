"""The metrics overview table: last week against the week before, with sparklines of recent weeks."""

from __future__ import annotations

import pandas as pd
from rich.table import Table

BARS = "▁▂▃▄▅▆▇█"
HEADLINE = ("revenue", "orders", "customers", "average_ticket", "cogs", "labour_cost", "staff_hours")
AVERAGED = {"average_ticket"}


def sparkline(values: pd.Series) -> str:
    """A unicode sparkline of the values (flat when they do not vary)."""
    clean = values.dropna()
    if clean.empty:
        return ""
    low, high = float(clean.min()), float(clean.max())
    if high == low:
        return BARS[3] * len(clean)
    return "".join(BARS[int((v - low) / (high - low) * (len(BARS) - 1))] for v in clean)


def label(column: str) -> str:
    """A readable name for a frame column: ``marketing_spend[channel:instagram]`` -> ``marketing spend: instagram``."""
    name, _, dimension = column.partition("[")
    name = "spend" if name == "marketing_spend" else name.replace("_", " ")
    return f"{name}: {dimension.rstrip(']').partition(':')[2]}" if dimension else name


def overview_table(title: str, frame: pd.DataFrame, *, weeks: int = 12) -> Table:
    """Headline metrics: the last 7 days, the 7 before, the change, and weekly sparklines."""
    table = Table(title=title, title_justify="left")
    table.add_column("metric", no_wrap=True)
    table.add_column("last 7 days", justify="right")
    table.add_column("7 days before", justify="right")
    table.add_column("change", justify="right")
    table.add_column(f"last {weeks} weeks")
    if frame.empty:
        return table
    end = frame.index.max()
    for metric in [m for m in HEADLINE if m in frame.columns] + sorted(
        c for c in frame.columns if c.startswith("marketing_spend[")
    ):
        series = frame[metric].fillna(0.0)
        reduce = "mean" if metric in AVERAGED else "sum"
        last = getattr(series[series.index > end - pd.Timedelta(days=7)], reduce)()
        before = getattr(
            series[
                (series.index > end - pd.Timedelta(days=14)) & (series.index <= end - pd.Timedelta(days=7))
            ],
            reduce,
        )()
        change = (last - before) / before if before else float("nan")
        colour = "green" if change >= 0 else "red"
        recent = series[series.index > end - pd.Timedelta(weeks=weeks)]
        weeks_back = (end - recent.index).days // 7  # whole weeks ending on the last day, oldest first
        weekly = getattr(recent.groupby(weeks_back), reduce)().sort_index(ascending=False)
        table.add_row(
            label(metric),
            f"{last:,.2f}" if metric in AVERAGED else f"{last:,.0f}",
            f"{before:,.2f}" if metric in AVERAGED else f"{before:,.0f}",
            f"[{colour}]{change:+.1%}[/]" if change == change else "–",
            sparkline(weekly),
        )
    return table
