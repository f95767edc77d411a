"""The forecast distribution: per-step quantile knots joined by an AR(1) Gaussian copula across steps."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm


@dataclass(frozen=True)
class Distribution:
    """Marginal quantiles per future step (knots) plus the step-to-step error correlation."""

    probs: np.ndarray  # shape (K,), increasing, strictly inside (0, 1)
    values: np.ndarray  # shape (h, K), non-decreasing along K
    rho: float  # lag-1 correlation of standardised errors across steps
    floor: float | None  # lowest possible value (0 for counts), None when unbounded

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Quantiles for probabilities u of shape (n, h), interpolated in normal-score space."""
        z_knots = norm.ppf(self.probs)
        z = norm.ppf(np.clip(u, 1e-6, 1 - 1e-6))
        out = np.empty_like(z, dtype=float)
        for step in range(self.values.shape[0]):
            out[:, step] = _interp_extrapolate(z[:, step], z_knots, self.values[step])
        if self.floor is not None:
            out = np.maximum(out, self.floor)
        return out

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """Draw n joint sample paths, shape (n, h), whose marginals match the knots."""
        rng = np.random.default_rng(seed)
        h = self.values.shape[0]
        shocks = rng.standard_normal((n, h))
        z = np.empty((n, h))
        z[:, 0] = shocks[:, 0]
        scale = np.sqrt(max(1.0 - self.rho**2, 0.0))
        for step in range(1, h):
            z[:, step] = self.rho * z[:, step - 1] + scale * shocks[:, step]
        return self.ppf(norm.cdf(z))


def _interp_extrapolate(x: np.ndarray, xk: np.ndarray, yk: np.ndarray) -> np.ndarray:
    """Piecewise-linear interpolation through (xk, yk), continued linearly beyond both ends."""
    y = np.interp(x, xk, yk)
    if len(xk) >= 2:
        lo_slope = (yk[1] - yk[0]) / (xk[1] - xk[0])
        hi_slope = (yk[-1] - yk[-2]) / (xk[-1] - xk[-2])
        y = np.where(x < xk[0], yk[0] + (x - xk[0]) * lo_slope, y)
        y = np.where(x > xk[-1], yk[-1] + (x - xk[-1]) * hi_slope, y)
    return y


def lag1_correlation(residuals: np.ndarray) -> float:
    """Pooled lag-1 correlation of residual paths (rows are origins), clipped to [0, 0.95]."""
    if residuals.ndim != 2 or residuals.shape[1] < 3:
        return 0.5
    centred = residuals - residuals.mean(axis=1, keepdims=True)
    num = float(np.sum(centred[:, 1:] * centred[:, :-1]))
    den = float(np.sum(centred**2))
    if den <= 0:
        return 0.5
    return float(np.clip(num / den, 0.0, 0.95))
