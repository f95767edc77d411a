"""The one error the forecasting engine raises on bad input, worded for a business owner."""

from __future__ import annotations


class ForecastError(ValueError):
    """A forecast could not be made from this input; the message says why in plain words."""


class MemberFailed(Exception):
    """A member produced no usable forecast; the message is the reason that goes into the log and note."""
