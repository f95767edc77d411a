"""Demand over a protection period (lead time + review period) as a distribution over whole units.

Built from whatever a forecast offers: samples, a mean with an interval, quantiles, or a Poisson mean. The
optimizer only needs ``expected_sales(q)`` (mean of ``min(D, q)``) and ``in_stock(q)`` (``P(D <= q)``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from analytics.optimize.errors import OptimizationError

_TAIL = 1e-6  # probability mass left off the top of continuous distributions


@dataclass(frozen=True)
class DemandForecast:
    """P(demand = k units) for k = 0, 1, ... over the period the order must cover."""

    pmf: np.ndarray = field(repr=False)

    def __post_init__(self) -> None:
        pmf = np.asarray(self.pmf, dtype=float)
        if pmf.ndim != 1 or len(pmf) == 0 or (pmf < 0).any() or not np.isfinite(pmf).all() or pmf.sum() <= 0:
            raise OptimizationError(
                "A demand forecast needs non-negative probabilities for 0, 1, 2, ... units."
            )
        object.__setattr__(self, "pmf", pmf / pmf.sum())

    @classmethod
    def from_samples(cls, samples: ArrayLike) -> DemandForecast:
        """Empirical distribution of simulated or historical demand totals (rounded to whole units)."""
        x = np.asarray(samples, dtype=float).ravel()
        if len(x) == 0 or not np.isfinite(x).all():
            raise OptimizationError("Demand samples must be a non-empty list of numbers.")
        if (x < 0).any():
            raise OptimizationError("Demand samples cannot be negative.")
        return cls(np.bincount(np.rint(x).astype(int)).astype(float))

    @classmethod
    def from_poisson(cls, mean: float) -> DemandForecast:
        """Poisson demand with the given mean (a good default for slow movers)."""
        _check_mean(mean)
        top = int(stats.poisson.ppf(1 - _TAIL, mean)) + 1 if mean > 0 else 1
        return cls(stats.poisson.pmf(np.arange(top + 1), mean))

    @classmethod
    def from_normal(cls, mean: float, sd: float) -> DemandForecast:
        """Normal demand truncated at zero, discretised to whole units."""
        _check_mean(mean)
        if sd < 0 or not np.isfinite(sd):
            raise OptimizationError("The spread (standard deviation) of demand cannot be negative.")
        if sd == 0:
            pmf = np.zeros(int(round(mean)) + 1)
            pmf[-1] = 1.0
            return cls(pmf)
        top = int(np.ceil(mean + sd * stats.norm.ppf(1 - _TAIL))) + 1
        edges = np.arange(top + 1) + 0.5
        cdf = stats.norm.cdf(edges, mean, sd)
        pmf = np.diff(np.concatenate([[0.0], cdf]))
        return cls(pmf)

    @classmethod
    def from_interval(cls, mean: float, lower: float, upper: float, level: float = 0.8) -> DemandForecast:
        """From a forecast's mean and central ``level`` interval (as forecasting engines report them)."""
        if not 0 < level < 1 or upper < lower:
            raise OptimizationError("A demand interval needs lower <= upper and a level between 0 and 1.")
        z = stats.norm.ppf(0.5 + level / 2)
        return cls.from_normal(mean, (upper - lower) / (2 * z))

    @classmethod
    def from_quantiles(cls, quantiles: Mapping[float, float]) -> DemandForecast:
        """From forecast quantiles {probability: units}: the normal that fits them best (least squares)."""
        if len(quantiles) < 2 or any(not 0 < p < 1 for p in quantiles):
            raise OptimizationError("Give at least two demand quantiles with probabilities between 0 and 1.")
        z = stats.norm.ppf(np.array(list(quantiles)))
        q = np.array(list(quantiles.values()), dtype=float)
        sd, mean = np.polyfit(z, q, 1)
        return cls.from_normal(max(float(mean), 0.0), max(float(sd), 0.0))

    @property
    def mean(self) -> float:
        """Expected demand in units."""
        return float(np.arange(len(self.pmf)) @ self.pmf)

    def quantile(self, p: float) -> int:
        """Smallest stock level covering demand with probability ``p``."""
        return int(np.searchsorted(np.cumsum(self.pmf), p - 1e-12))

    def in_stock(self, q: ArrayLike) -> np.ndarray:
        """P(demand <= q): chance that ``q`` units on the shelf last the whole period."""
        cdf = np.cumsum(self.pmf)
        idx = np.clip(np.floor(np.asarray(q, dtype=float)).astype(int), -1, len(cdf) - 1)
        return np.where(idx < 0, 0.0, cdf[np.maximum(idx, 0)])

    def expected_sales(self, q: ArrayLike) -> np.ndarray:
        """E[min(demand, q)] for whole-unit stock levels ``q`` (vectorised)."""
        # E[min(D, q)] = sum_{k < q} P(D > k)
        survival = 1.0 - np.cumsum(self.pmf)
        partial = np.concatenate([[0.0], np.cumsum(survival)])
        idx = np.clip(np.asarray(q, dtype=int), 0, len(survival))  # past the support P(D > k) = 0
        return partial[idx]


def _check_mean(mean: float) -> None:
    if mean < 0 or not np.isfinite(mean):
        raise OptimizationError("Expected demand cannot be negative.")
