"""Lazy listeners run as tracked tasks, so shutdown (and tests) can wait for answers still being written."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from slack_bolt.lazy_listener.async_internals import to_runnable_function
from slack_bolt.lazy_listener.async_runner import AsyncLazyListenerRunner
from slack_bolt.request.async_request import AsyncBoltRequest


class TrackedLazyRunner(AsyncLazyListenerRunner):
    """Starts each lazy listener as an asyncio task and keeps it until it ends.

    At most ``concurrency`` listeners work at once; the rest wait their turn. Answers share the event loop with
    acknowledgements, and a burst of answers all working at once would delay the acks past Slack's 3 seconds.
    """

    def __init__(self, logger: logging.Logger, concurrency: int = 8) -> None:
        self.logger = logger
        self.concurrency = concurrency
        self._slots: asyncio.Semaphore | None = None
        self._tasks: set[asyncio.Future[None]] = set()

    async def _in_turn(self, function: Callable[..., Awaitable[None]], request: AsyncBoltRequest) -> None:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.concurrency)
        async with self._slots:
            await to_runnable_function(internal_func=function, logger=self.logger, request=request)

    def start(self, function: Callable[..., Awaitable[None]], request: AsyncBoltRequest) -> None:
        """Run ``function`` in the background (registered before Slack gets its acknowledgement)."""
        task = asyncio.ensure_future(self._in_turn(function, request))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @property
    def running(self) -> int:
        """How many listeners are still working."""
        return len(self._tasks)

    async def drain(self, timeout_s: float = 30.0) -> None:
        """Wait until every started listener (and any it started) has finished, at most ``timeout_s``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while self._tasks and loop.time() < deadline:
            await asyncio.wait(set(self._tasks), timeout=max(0.0, deadline - loop.time()))
