"""A small per-process circuit breaker: a provider that failed is skipped for a while, then tried again."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)


class CircuitBreaker:
    """Remembers which providers failed recently; one failure opens the circuit for ``cooldown_s`` seconds.

    Per process on purpose: each instance learns from its own calls, and a shared store would add a network hop to
    every turn for little gain.
    """

    def __init__(self, *, cooldown_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._open_until: dict[str, float] = {}

    def record_failure(self, name: str, *, retry_after_s: float | None = None) -> None:
        """Skip ``name`` for the cool-down, or for ``retry_after_s`` when the provider asked for longer."""
        pause = max(self.cooldown_s, retry_after_s or 0.0)
        self._open_until[name] = self._clock() + pause
        logger.warning("LLM provider %s failed; skipping it for %.0f s", name, pause)

    def record_success(self, name: str) -> None:
        """Close the circuit of ``name``: it is tried again from now on."""
        self._open_until.pop(name, None)

    def is_open(self, name: str) -> bool:
        """True while ``name`` is being skipped after a failure."""
        until = self._open_until.get(name)
        if until is None:
            return False
        if self._clock() >= until:
            # Half-open: the next call is a trial; a new failure opens the circuit again.
            del self._open_until[name]
            return False
        return True
