"""Exact arithmetic decompositions of a metric's change: products (revenue = orders x ticket) and sums."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.evidence.types import Contribution, Decomposition

#: metric -> (factor columns) whose product is the metric, checked on the data before use
PRODUCTS: dict[str, tuple[str, str]] = {"revenue": ("orders", "average_ticket")}
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def decompose(
    data: pd.DataFrame, metric: str, current: pd.Series, baseline: pd.Series
) -> list[Decomposition]:
    """Every exact decomposition that applies to ``metric`` (per-day means; parts add up to the change)."""
    out: list[Decomposition] = []
    product = _product(data, metric, current, baseline)
    if product is not None:
        out.append(product)
    if metric == "marketing_spend" or metric.startswith("marketing_total"):
        channels = [c for c in data.columns if c.startswith("marketing_") and c != metric]
        if channels:
            out.append(_sum(data, metric, channels, current, baseline, "channel"))
    out.append(_weekdays(data, metric, current, baseline))
    return out


def _product(
    data: pd.DataFrame, metric: str, current: pd.Series, baseline: pd.Series
) -> Decomposition | None:
    """Totals split as orders x average ticket with the symmetric (midpoint) rule, so parts sum exactly."""
    factors = PRODUCTS.get(metric)
    if factors is None or any(f not in data.columns for f in factors):
        return None
    a_col, b_col = factors
    built = data[a_col] * data[b_col]
    if not np.allclose(built.fillna(0), data[metric].fillna(0), rtol=1e-3, atol=0.05):
        return None  # the identity does not hold in this data: say nothing rather than something wrong
    days_c, days_b = max(int(current.sum()), 1), max(int(baseline.sum()), 1)
    m_c, m_b = data.loc[current, metric].sum() / days_c, data.loc[baseline, metric].sum() / days_b
    a_c, a_b = data.loc[current, a_col].sum() / days_c, data.loc[baseline, a_col].sum() / days_b
    b_c = m_c / a_c if a_c else 0.0  # the period's average ticket: total revenue / total orders
    b_b = m_b / a_b if a_b else 0.0
    parts = (
        Contribution(a_col, "factor", float(a_b), float(a_c), float((a_c - a_b) * (b_c + b_b) / 2)),
        Contribution(b_col, "factor", float(b_b), float(b_c), float((b_c - b_b) * (a_c + a_b) / 2)),
    )
    return Decomposition(
        metric, f"{metric} = {a_col} x {b_col}", float(m_b), float(m_c), float(m_c - m_b), parts
    )


def _sum(
    data: pd.DataFrame, metric: str, columns: list[str], current: pd.Series, baseline: pd.Series, kind: str
) -> Decomposition:
    days_c, days_b = max(int(current.sum()), 1), max(int(baseline.sum()), 1)
    parts = []
    for c in columns:
        cur, base = data.loc[current, c].sum() / days_c, data.loc[baseline, c].sum() / days_b
        parts.append(
            Contribution(
                f"{kind}:{c.removeprefix('marketing_')}", "sum", float(base), float(cur), float(cur - base)
            )
        )
    total_c, total_b = sum(p.current for p in parts), sum(p.baseline for p in parts)
    return Decomposition(
        metric, f"{metric} = sum over {kind}s", total_b, total_c, total_c - total_b, tuple(parts)
    )


def _weekdays(data: pd.DataFrame, metric: str, current: pd.Series, baseline: pd.Series) -> Decomposition:
    """Per-day mean change split by weekday: each weekday's total change divided by the days compared."""
    days_c, days_b = max(int(current.sum()), 1), max(int(baseline.sum()), 1)
    dow = data.index.dayofweek
    parts = []
    for d, name in enumerate(WEEKDAYS):
        cur = float(data.loc[current & (dow == d), metric].sum()) / days_c
        base = float(data.loc[baseline & (dow == d), metric].sum()) / days_b
        parts.append(Contribution(f"weekday:{name}", "sum", base, cur, cur - base))
    total_c, total_b = sum(p.current for p in parts), sum(p.baseline for p in parts)
    return Decomposition(
        metric, f"{metric} = sum over weekdays", total_b, total_c, total_c - total_b, tuple(parts)
    )
