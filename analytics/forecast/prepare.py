"""Input checks and preparation: validation, frequency, regular calendar, gaps, outliers, closed weekdays."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.forecast.errors import ForecastError

SEASON = {"D": 7, "W": 52, "M": 12, "Q": 4, "Y": 1}
UNIT = {"D": "day", "W": "week", "M": "month", "Q": "quarter", "Y": "year"}
HolidaysArg = str | Iterable[object] | None


@dataclass(frozen=True)
class Prepared:
    """A validated series on a regular calendar, with what was learned about its shape."""

    y: pd.Series  # regular calendar, gaps filled
    observed: pd.Series  # regular calendar, NaN where the input had no value
    freq: str  # pandas offset alias, e.g. "D", "W-SUN", "MS"
    kind: str  # one of SEASON's keys
    season: int  # usable season length (1 when history is too short for seasonality)
    nonnegative: bool
    integer: bool
    intermittent: bool
    closed_weekdays: frozenset[int]

    @property
    def unit(self) -> str:
        """The plain name of one step ("day", "week", ...)."""
        return UNIT[self.kind]


@dataclass(frozen=True)
class Window:
    """What a member sees: training values and dates, the dates to forecast, and side information."""

    y: np.ndarray
    index: pd.DatetimeIndex
    future: pd.DatetimeIndex
    season: int
    kind: str
    nonnegative: bool
    exog: pd.DataFrame | None = None  # rows cover index then future
    holiday_dates: frozenset[pd.Timestamp] = frozenset()
    country: str | None = None
    timeout: float = 30.0  # seconds this member may still use

    @property
    def h(self) -> int:
        """Number of steps to forecast."""
        return len(self.future)


def validate_horizon(horizon: object) -> int:
    """A positive whole number of steps, or a ForecastError."""
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)):
        raise ForecastError("The forecast length must be a whole number of periods, like 30.")
    if horizon <= 0:
        raise ForecastError("The forecast length must be at least one period ahead.")
    if horizon > 5000:
        raise ForecastError("That is too far ahead to forecast; ask for at most 5,000 periods.")
    return int(horizon)


def prepare(series: object, *, freq: str | None = None) -> Prepared:
    """Validate a timestamp-indexed series and put it on a regular calendar; raises ForecastError."""
    s = _as_numeric_series(series)
    index = _as_datetime_index(s.index)
    s = pd.Series(s.to_numpy(dtype=float), index=index)
    if index.has_duplicates:
        dup = index[index.duplicated()][0]
        raise ForecastError(f"The date {dup:%Y-%m-%d} appears more than once; give one value per date.")
    if not index.is_monotonic_increasing:
        raise ForecastError("The dates are not in order; sort them from oldest to newest first.")
    s = s.replace([np.inf, -np.inf], np.nan)
    if s.notna().sum() == 0:
        raise ForecastError("The series has no numbers in it (every value is missing).")
    s = s.loc[s.first_valid_index() : s.last_valid_index()]
    values = s.dropna()
    if len(values) >= 1 and float(values.max()) == float(values.min()):
        raise ForecastError(
            f"Every value is {values.iloc[0]:g}, so there is no pattern to learn from; "
            "the best guess is that it stays the same."
        )
    alias, kind = _frequency(s.index, freq)
    regular = pd.date_range(s.index[0], s.index[-1], freq=alias)
    if not s.index.isin(regular).all():
        raise ForecastError(
            f"Some dates do not fall on the {UNIT[kind]}ly calendar ({alias}) of this series."
        )
    observed = s.reindex(regular)
    season = SEASON[kind] if observed.notna().sum() >= 2 * SEASON[kind] + 2 else 1
    y = fill_gaps(observed, season)
    nonnegative = bool((values >= 0).all())
    integer = bool(np.allclose(values, np.round(values)))
    zero_share = float((values == 0).mean())
    closed = closed_weekdays(y) if kind == "D" else frozenset()
    open_days = y[~y.index.dayofweek.isin(list(closed))] if closed else y
    intermittent = nonnegative and float((open_days == 0).mean()) >= 0.3 and zero_share < 1.0
    return Prepared(y, observed, alias, kind, season, nonnegative, integer, intermittent, closed)


def _as_numeric_series(series: object) -> pd.Series:
    if isinstance(series, pd.DataFrame):
        if series.shape[1] != 1:
            raise ForecastError("Give one column of numbers to forecast, not a whole table.")
        series = series.iloc[:, 0]
    if not isinstance(series, pd.Series):
        raise ForecastError("Give the history as a list of values indexed by date (a pandas Series).")
    if len(series) == 0:
        raise ForecastError("There is no history to forecast from (the series is empty).")
    if pd.api.types.is_bool_dtype(series.dtype):
        series = series.astype(float)
    if not pd.api.types.is_numeric_dtype(series.dtype):
        converted = pd.to_numeric(series, errors="coerce")
        bad = series[converted.isna() & series.notna()]
        if len(bad):
            raise ForecastError(f"The value {bad.iloc[0]!r} is not a number; every value must be a number.")
        series = converted
    return series


def _as_datetime_index(index: pd.Index) -> pd.DatetimeIndex:
    if isinstance(index, pd.PeriodIndex):
        return index.to_timestamp()
    if isinstance(index, pd.DatetimeIndex):
        return index.tz_localize(None) if index.tz is not None else index
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            converted = pd.to_datetime(index)
    except (ValueError, TypeError) as exc:
        raise ForecastError("Each value needs a date; some of the labels are not dates.") from exc
    if not isinstance(converted, pd.DatetimeIndex) or converted.hasnans:
        raise ForecastError("Each value needs a date; some of the labels are not dates.")
    return converted


def _frequency(index: pd.DatetimeIndex, freq: str | None) -> tuple[str, str]:
    if freq is not None:
        return _normalise_freq(freq)
    if len(index) < 2:
        raise ForecastError(
            "With a single value the spacing of the dates is unknown; say freq='D', 'W' or 'M'."
        )
    inferred = pd.infer_freq(index) if len(index) >= 3 else None
    if inferred is not None:
        return _normalise_freq(inferred)
    step = int(np.min(np.diff(index.asi8)) // 86_400_000_000_000)
    if np.any(np.diff(index.asi8) % 86_400_000_000_000):
        raise ForecastError(
            "The dates are spaced by less than a day; only daily or longer steps can be forecast."
        )
    if step == 1:
        return "D", "D"
    if step == 7:
        return f"W-{index[-1]:%a}".upper(), "W"
    if 28 <= step <= 31:
        return ("MS", "M") if (index.day == 1).all() else ("ME", "M")
    if 89 <= step <= 92:
        return ("QS", "Q") if (index.day == 1).all() else ("QE", "Q")
    if step in (365, 366):
        return ("YS", "Y") if (index.day == 1).all() else ("YE", "Y")
    raise ForecastError(f"The dates are {step} days apart, which is not a daily, weekly or monthly calendar.")


def _normalise_freq(freq: str) -> tuple[str, str]:
    try:
        offset = pd.tseries.frequencies.to_offset(freq)
    except (ValueError, TypeError) as exc:
        raise ForecastError(f"'{freq}' is not a frequency I know; use 'D', 'W', 'M', 'Q' or 'Y'.") from exc
    name = type(offset).__name__
    if offset.n != 1:
        raise ForecastError(
            f"Steps of '{freq}' are not supported: give daily, weekly, monthly, quarterly or yearly values."
        )
    kinds = {
        "Day": "D",
        "Week": "W",
        "MonthBegin": "M",
        "MonthEnd": "M",
        "QuarterBegin": "Q",
        "QuarterEnd": "Q",
        "YearBegin": "Y",
        "YearEnd": "Y",
    }
    if name not in kinds:
        raise ForecastError(f"'{freq}' is not a frequency I can forecast; use 'D', 'W', 'M', 'Q' or 'Y'.")
    if name == "Week" and offset.weekday is None:
        raise ForecastError("For weekly data say which day each week is dated, e.g. 'W-MON'.")
    return offset.freqstr, kinds[name]


def fill_gaps(observed: pd.Series, season: int) -> pd.Series:
    """Fill missing values from the same point of the neighbouring seasons, else by interpolation."""
    if not observed.isna().any():
        return observed.astype(float)
    filled = observed
    if season > 1:
        neighbours = pd.concat([observed.shift(season), observed.shift(-season)], axis=1).mean(axis=1)
        filled = observed.fillna(neighbours)
    return filled.interpolate(limit_direction="both").astype(float)


def closed_weekdays(y: pd.Series, *, chance: float = 0.01) -> frozenset[int]:
    """Weekdays on which the business was closed (zero) every time over the last eight weeks, and where that
    cannot be luck: with sparse sales (a product sold on a few days a week) a weekday of zeros is kept as a
    selling day unless the other days' rate of zeros makes such a run less likely than ``chance``."""
    recent = y.iloc[-56:]
    if len(recent) < 21 or (recent == 0).all():
        return frozenset()
    weekday = recent.index.dayofweek
    zero = recent == 0
    candidates = {int(d) for d, all_zero in zero.groupby(weekday).all().items() if all_zero}
    if not candidates:
        return frozenset()
    others = zero[~weekday.isin(list(candidates))]
    rate = float(others.mean()) if len(others) else 1.0
    return frozenset(d for d in candidates if rate ** int((weekday == d).sum()) < chance)


def clean_outliers(y: np.ndarray, season: int, threshold: float = 5.0) -> np.ndarray:
    """Replace one-off spikes and dips (robust z beyond threshold) by the local seasonal baseline."""
    n = len(y)
    if n < max(3 * season, 10):
        return y
    s = pd.Series(y)
    window = 2 * season + 1 if season > 1 else 7
    trend = s.rolling(window, center=True, min_periods=1).median().to_numpy()
    detrended = y - trend
    if season > 1:
        position = np.arange(n) % season
        seasonal = pd.Series(detrended).groupby(position).transform("median").to_numpy()
    else:
        seasonal = np.zeros(n)
    resid = y - trend - seasonal
    mad = float(np.median(np.abs(resid - np.median(resid)))) * 1.4826
    if mad <= 0:
        return y
    outlier = np.abs(resid) > threshold * mad
    if not outlier.any() or outlier.mean() > 0.05:
        return y
    cleaned = y.copy()
    cleaned[outlier] = (trend + seasonal)[outlier]
    return cleaned


def future_index(last: pd.Timestamp, horizon: int, freq: str) -> pd.DatetimeIndex:
    """The next `horizon` timestamps after `last` on the series' calendar."""
    return pd.date_range(last, periods=horizon + 1, freq=freq)[1:]


def holiday_dates(arg: HolidaysArg, start: pd.Timestamp, end: pd.Timestamp) -> tuple[frozenset, str | None]:
    """Holiday dates between start and end from a country code or a list of dates, plus the country code."""
    if arg is None:
        return frozenset(), None
    if isinstance(arg, str):
        import holidays as holidays_lib

        try:
            calendar = holidays_lib.country_holidays(arg.upper(), years=range(start.year, end.year + 1))
        except (NotImplementedError, KeyError) as exc:
            raise ForecastError(
                f"'{arg}' is not a country code I know holidays for (try 'US' or 'GB')."
            ) from exc
        return frozenset(pd.Timestamp(d) for d in calendar), arg.upper()
    try:
        dates = frozenset(pd.Timestamp(d).normalize() for d in arg)
    except (ValueError, TypeError) as exc:
        raise ForecastError("Holidays must be a country code like 'US' or a list of dates.") from exc
    return dates, None


def align_regressors(
    regressors: pd.DataFrame | None, history: pd.DatetimeIndex, future: pd.DatetimeIndex
) -> pd.DataFrame | None:
    """Regressors on history plus future dates; raises ForecastError when the future is not covered."""
    if regressors is None:
        return None
    if isinstance(regressors, pd.Series):
        regressors = regressors.to_frame()
    if not isinstance(regressors, pd.DataFrame) or regressors.shape[1] == 0:
        raise ForecastError("Extra drivers must be a table of numbers indexed by date.")
    frame = regressors.copy()
    frame.index = _as_datetime_index(frame.index)
    frame = frame.apply(pd.to_numeric, errors="coerce")
    missing = future.difference(frame.dropna().index)
    if len(missing):
        raise ForecastError(
            f"The extra drivers need values for every future date; {missing[0]:%Y-%m-%d} is missing."
        )
    full = frame.reindex(history.append(future))
    return full.ffill().bfill().fillna(0.0).astype(float)
