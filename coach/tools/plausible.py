"""Plausibility guards: a figure the coach is about to state, checked against the whole it is part of."""

from __future__ import annotations

import logging
import math

log = logging.getLogger(__name__)


def within(part: float, whole: float, *, what: str, of: str) -> bool:
    """True when ``part`` (a saving, cost or gain) is no larger than ``whole``, the bill or total it is part of.

    A false answer means a bug upstream (a model's penalty weights read as money, say): the caller must not
    state the figure, and the mismatch is logged so that we hear of it.
    """
    if math.isfinite(part) and math.isfinite(whole) and abs(part) <= abs(whole):
        return True
    log.error("implausible figure withheld: %s of %.2f is more than %s of %.2f", what, part, of, whole)
    return False
