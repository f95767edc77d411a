"""Work a gateway process repeats in the background (delivering outboxes) until it is told to stop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


async def every(
    interval_s: float, work: Callable[[], Awaitable[object]], *, stop: asyncio.Event, what: str
) -> None:
    """Run ``work`` now and then every ``interval_s`` seconds until ``stop`` is set; a failed round is logged and
    the next one comes on time (the database may be away for a moment)."""
    while not stop.is_set():
        try:
            await work()
        except Exception:  # noqa: BLE001 - one failed round must not end the loop
            log.exception("%s failed; trying again in %.0f s", what, interval_s)
        try:
            await asyncio.wait_for(stop.wait(), interval_s)
        except TimeoutError:
            continue
