"""The one exception the optimization engine raises for bad input."""

from __future__ import annotations


class OptimizationError(ValueError):
    """Input the optimizer cannot work with; the message says what to fix in words a manager can read."""
