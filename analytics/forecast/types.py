"""Result types: a Forecast (point, intervals, members, weights, backtest, note) and a GoalOutlook."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from analytics.forecast.distribution import Distribution


@dataclass(frozen=True)
class Forecast:
    """A forecast of one series: point path, calibrated intervals and how it was made."""

    point: pd.Series
    lower: dict[float, pd.Series]
    upper: dict[float, pd.Series]
    members: list[str]
    weights: dict[str, float]
    backtest: dict[str, dict[str, float]]
    note: str
    freq: str
    history_end: pd.Timestamp
    dropped: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    distribution: Distribution | None = field(default=None, repr=False)

    @property
    def index(self) -> pd.DatetimeIndex:
        """The future timestamps the forecast covers."""
        return pd.DatetimeIndex(self.point.index)

    def head(self, steps: int) -> Forecast:
        """The first ``steps`` steps: the same model, weights, backtest and intervals over a shorter horizon."""
        if steps >= len(self.point):
            return self
        dist = self.distribution
        return replace(
            self,
            point=self.point.iloc[:steps],
            lower={level: band.iloc[:steps] for level, band in self.lower.items()},
            upper={level: band.iloc[:steps] for level, band in self.upper.items()},
            distribution=None if dist is None else replace(dist, values=dist.values[:steps]),
        )

    def sample_paths(self, n: int = 2000, *, seed: int = 0) -> pd.DataFrame:
        """Joint sample paths (rows are draws, columns the future timestamps) consistent with the intervals."""
        if self.distribution is None:
            return pd.DataFrame(np.tile(self.point.to_numpy(), (n, 1)), columns=self.index)
        return pd.DataFrame(self.distribution.sample(n, seed), columns=self.index)

    def quantiles(self, probs: Sequence[float]) -> pd.DataFrame:
        """Per-timestamp quantiles of the level (columns are the probabilities)."""
        h = len(self.point)
        if self.distribution is None:
            return pd.DataFrame({p: self.point.to_numpy() for p in probs}, index=self.index)
        u = np.tile(np.asarray(probs, dtype=float), (h, 1)).T
        values = self.distribution.ppf(u)  # (len(probs), h)
        return pd.DataFrame(values.T, index=self.index, columns=list(probs))

    def total_quantiles(
        self, probs: Sequence[float], *, end: pd.Timestamp | None = None, n: int = 4000, seed: int = 0
    ) -> pd.Series:
        """Quantiles of the sum of the forecast from the first future step up to `end` (default: all)."""
        paths = self.sample_paths(n, seed=seed)
        if end is not None:
            paths = paths.loc[:, paths.columns <= pd.Timestamp(end)]
        totals = paths.sum(axis=1).to_numpy()
        return pd.Series(np.quantile(totals, list(probs)), index=list(probs))


@dataclass(frozen=True)
class GoalOutlook:
    """The chance of reaching a target by a deadline, the expected value then, and a plain sentence."""

    probability: float
    expected: float
    lower: float
    upper: float
    level: float
    kind: str
    target: float
    deadline: pd.Timestamp
    sentence: str
    forecast: Forecast | None = field(default=None, repr=False)
