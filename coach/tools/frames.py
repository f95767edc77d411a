"""Reshaping stored metrics into the daily frames the analytics engines expect."""

from __future__ import annotations

import holidays as holidays_lib
import numpy as np
import pandas as pd


def evidence_frame(frame: pd.DataFrame, *, country: str) -> pd.DataFrame:
    """One row per day: totals, ``marketing_<channel>`` spend, ``is_holiday``, ``closed`` and ``stockout`` flags.

    A stock-out day is an open day on which some product both sold nothing and had nothing on hand.
    """
    out = pd.DataFrame(index=pd.DatetimeIndex(frame.index).normalize())
    for column in frame.columns:
        name, _, dimension = column.partition("[")
        if not dimension:
            out[name] = frame[column].to_numpy()
        elif name == "marketing_spend":
            out[f"marketing_{dimension.rstrip(']').partition(':')[2]}"] = frame[column].fillna(0.0).to_numpy()
    years = range(out.index.min().year, out.index.max().year + 1)
    try:
        calendar = holidays_lib.country_holidays(country, years=years)
        out["is_holiday"] = np.array([d in calendar for d in out.index.date], dtype=float)
    except NotImplementedError:
        out["is_holiday"] = 0.0
    activity = [c for c in ("revenue", "orders") if c in out.columns]
    out["closed"] = (out[activity].fillna(0).sum(axis=1) == 0).astype(float) if activity else 0.0
    sold = frame[[c for c in frame.columns if c.startswith("units_sold[")]]
    stock = frame[[c for c in frame.columns if c.startswith("stock_on_hand[")]]
    if not sold.empty and not stock.empty:
        sold.columns = [c.removeprefix("units_sold[") for c in sold.columns]
        stock.columns = [c.removeprefix("stock_on_hand[") for c in stock.columns]
        common = sold.columns.intersection(stock.columns)
        empty = (sold[common].fillna(0) == 0) & (stock[common].fillna(0) == 0)
        out["stockout"] = (empty.any(axis=1).to_numpy() & (out["closed"].to_numpy() == 0)).astype(float)
    return out.drop(columns=[c for c in ("units_sold", "stock_on_hand") if c in out.columns])
