"""Forecasts already made in this process, reused when the same series is asked about again with the same options.

Several goals on one metric, a goal check right after a forecast question, or the same question asked twice all
need the same forecast: it is computed once. A shorter horizon of a forecast already made is its first steps (a
digest's goal outlook to the month's end and its forecast of next week come from one model, and agree).
Concurrent callers of the same forecast wait for the one computing it rather than computing it again. Pure and
in-process: nothing leaves memory, and a change of a single value, timestamp or option is a different key.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future

import numpy as np
import pandas as pd

from analytics.forecast.types import Forecast

MAX_ENTRIES = 64

_lock = threading.Lock()
_done: OrderedDict[tuple[Hashable, int | None], Forecast] = OrderedDict()
_running: dict[tuple[Hashable, int | None], Future[Forecast]] = {}


def series_key(series: object) -> str | None:
    """A digest of a series' timestamps and values, or None when it cannot be read as numbers on a time index
    (such input goes to ``forecast`` uncached, which explains what is wrong with it)."""
    if not isinstance(series, pd.Series) or not isinstance(series.index, pd.DatetimeIndex):
        return None
    try:
        values = series.to_numpy(dtype=float)
    except (TypeError, ValueError):
        return None
    digest = hashlib.blake2b(digest_size=16)
    digest.update(np.ascontiguousarray(series.index.asi8).tobytes())
    digest.update(str(series.index.tz).encode())
    digest.update(np.ascontiguousarray(values).tobytes())
    return digest.hexdigest()


def remembered(
    key: Hashable | None, compute: Callable[[], Forecast], *, horizon: int | None = None
) -> Forecast:
    """``compute()``'s forecast, made once per ``key`` and ``horizon`` (key None: always computed, never kept).

    Without a forecast of that horizon, the shortest one remembered for ``key`` with a longer horizon serves: its
    first ``horizon`` steps, which is then remembered as that horizon's forecast.
    """
    if key is None:
        return compute()
    full = (key, horizon)
    with _lock:
        found = _done.get(full)
        if found is None:
            found = _longer(key, horizon)
        if found is not None:
            _done[full] = found
            _done.move_to_end(full)
            _trim()
            return found
        waiting = _running.get(full)
        if waiting is None:
            mine: Future[Forecast] = Future()
            _running[full] = mine
    if waiting is not None:
        return waiting.result()
    try:
        result = compute()
    except BaseException as error:
        mine.set_exception(error)
        raise
    else:
        mine.set_result(result)
        with _lock:
            _done[full] = result
            _trim()
        return result
    finally:
        with _lock:
            _running.pop(full, None)


def _longer(key: Hashable, horizon: int | None) -> Forecast | None:
    """The first ``horizon`` steps of the shortest longer forecast remembered for ``key`` (caller holds the lock)."""
    if horizon is None:
        return None
    longer = [(h, fc) for (k, h), fc in _done.items() if k == key and h is not None and h > horizon]
    if not longer:
        return None
    return min(longer, key=lambda pair: pair[0])[1].head(horizon)


def _trim() -> None:
    while len(_done) > MAX_ENTRIES:
        _done.popitem(last=False)


def forget_all() -> None:
    """Drop every remembered forecast (for benchmarks that time the computation itself)."""
    with _lock:
        _done.clear()
