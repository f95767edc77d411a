"""Daily data -> modelling frame: validated index, calendar controls and one feature per candidate driver."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from analytics.evidence.errors import EvidenceError
from analytics.evidence.templates import SPEND_WINDOWS, DriverSpec

MIN_DAYS = 56  # eight weeks: fewer leaves too little to separate drivers from the calendar
YEARLY_MIN_DAYS = 300  # yearly season terms only with most of a year of data


@dataclass(frozen=True)
class Frame:
    """The modelling frame: rows are open days; ``y`` is the (log) metric; features and calendar columns."""

    data: pd.DataFrame  # columns: "y", calendar columns, driver features, "in_period"
    calendar: tuple[str, ...]
    weekday_cols: tuple[str, ...]
    drivers: tuple[DriverSpec, ...]
    lags: dict[str, str]  # driver name -> chosen lag window in words
    log_scale: bool
    level: pd.Series  # the metric in its own units on the same rows


def daily(data: pd.DataFrame) -> pd.DataFrame:
    """The data with a sorted daily DatetimeIndex (from the index or a ``date`` column)."""
    if not isinstance(data, pd.DataFrame) or data.empty:
        raise EvidenceError("There is no data to analyse.")
    frame = data
    if not isinstance(frame.index, pd.DatetimeIndex):
        if "date" not in frame.columns:
            raise EvidenceError("The data needs a date index (or a 'date' column) with one row per day.")
        frame = frame.set_index(pd.to_datetime(frame["date"])).drop(columns="date")
    frame = frame.sort_index()
    if frame.index.tz is not None:
        frame = frame.tz_localize(None)
    frame.index = frame.index.normalize()
    if frame.index.has_duplicates:
        raise EvidenceError("The data has more than one row for some days; give one row per day.")
    return frame


def to_period(
    period: tuple[date | str | pd.Timestamp, date | str | pd.Timestamp], name: str, index: pd.DatetimeIndex
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """A (start, end) pair as timestamps, checked to be ordered and inside the data."""
    try:
        start, end = (pd.Timestamp(p).normalize() for p in period)
    except (TypeError, ValueError) as exc:
        raise EvidenceError(f"The {name} must be a (start, end) pair of dates.") from exc
    if end < start:
        raise EvidenceError(f"The {name} ends ({end.date()}) before it starts ({start.date()}).")
    if start < index[0] or end > index[-1]:
        raise EvidenceError(
            f"The {name} {start.date()} to {end.date()} is not inside the data, which runs from "
            f"{index[0].date()} to {index[-1].date()}."
        )
    return start, end


def calendar_controls(index: pd.DatetimeIndex) -> pd.DataFrame:
    """Weekday dummies (Monday = reference), a linear trend and, with enough days, yearly Fourier terms."""
    out = pd.DataFrame(index=index)
    for d, name in enumerate(("tue", "wed", "thu", "fri", "sat", "sun"), start=1):
        out[f"dow_{name}"] = (index.dayofweek == d).astype(float)
    out["trend"] = (index - index[0]).days.to_numpy() / 365.25
    if (index[-1] - index[0]).days >= YEARLY_MIN_DAYS:
        doy = index.dayofyear.to_numpy() / 365.25
        for k in (1, 2):
            out[f"season_sin{k}"] = np.sin(2 * np.pi * k * doy)
            out[f"season_cos{k}"] = np.cos(2 * np.pi * k * doy)
    return out


def window_mean(x: pd.Series, first: int, last: int) -> pd.Series:
    """Mean of ``x`` over lags ``first``..``last`` days (days before the data count as the first value)."""
    parts = [x.shift(k) for k in range(first, last + 1)]
    return pd.concat(parts, axis=1).mean(axis=1).fillna(x.iloc[0])


def window_words(first: int, last: int) -> str:
    """Lag window in owner words."""
    if first == last:
        return "same day" if first == 0 else f"{first} day{'s' if first > 1 else ''} later"
    return f"days {first}-{last} after spending"


def driver_feature(spec: DriverSpec, column: pd.Series) -> pd.Series:
    """The driver's feature on the full daily calendar (spend features are chosen later, per window)."""
    x = column.astype(float)
    if spec.transform == "threshold":
        return (x > spec.threshold).astype(float).where(x.notna())
    if spec.transform == "log":
        if (x <= 0).any():
            raise EvidenceError(f"'{spec.column}' must be above zero to measure an elasticity.")
        return np.log(x)
    return x / spec.scale


def choose_window(y: pd.Series, base: np.ndarray, spend: pd.Series) -> tuple[pd.Series, tuple[int, int]]:
    """The spend window whose mean best explains ``y`` beyond ``base`` (lowest residual sum of squares)."""
    best: tuple[float, pd.Series, tuple[int, int]] | None = None
    yv = y.to_numpy()
    for first, last in SPEND_WINDOWS:
        feature = window_mean(spend, first, last).loc[y.index]
        x = np.column_stack([base, feature.to_numpy()])
        coef, *_ = np.linalg.lstsq(x, yv, rcond=None)
        sse = float(np.sum((yv - x @ coef) ** 2))
        if best is None or sse < best[0]:
            best = (sse, feature, (first, last))
    assert best is not None
    return best[1], best[2]
