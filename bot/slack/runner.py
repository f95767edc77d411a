"""Background work of the Slack gateway as tracked tasks: Events API deliveries other than messages (uninstalls,
revoked tokens) handed to Bolt after they were acknowledged, so shutdown (and tests) can wait for them. Messages,
slash commands and button presses are recorded and done by ``bot.slack.inbox`` instead."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from slack_bolt.lazy_listener.async_internals import to_runnable_function
from slack_bolt.lazy_listener.async_runner import AsyncLazyListenerRunner
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

Dispatch = Callable[[AsyncBoltRequest], Awaitable[BoltResponse]]


class TrackedLazyRunner(AsyncLazyListenerRunner):
    """Starts each lazy listener as an asyncio task and keeps it until it ends.

    At most ``concurrency`` listeners work at once; the rest wait their turn. Answers share the event loop with
    acknowledgements, and a burst of answers all working at once would delay the acks past Slack's 3 seconds.
    """

    def __init__(self, logger: logging.Logger, concurrency: int = 8, dispatchers: int = 2) -> None:
        self.logger = logger
        self.concurrency = concurrency
        self.dispatchers = dispatchers
        self._slots: asyncio.Semaphore | None = None
        self._dispatch_slots: asyncio.Semaphore | None = None
        self._tasks: set[asyncio.Future[None]] = set()

    def _track(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def dispatch(self, handle: Dispatch, request: AsyncBoltRequest) -> None:
        """Hand an acknowledged delivery to Bolt in the background, ``dispatchers`` at a time.

        Few at once on purpose: each dispatch is a few milliseconds of CPU, and a burst of them running together
        would hold back the acknowledgements of the deliveries still arriving.
        """
        self._track(self._dispatch_in_turn(handle, request))

    async def _dispatch_in_turn(self, handle: Dispatch, request: AsyncBoltRequest) -> None:
        if self._dispatch_slots is None:
            self._dispatch_slots = asyncio.Semaphore(self.dispatchers)
        async with self._dispatch_slots:
            try:
                response = await handle(request)
            except Exception:  # noqa: BLE001 - one bad delivery must not stop the others
                self.logger.exception("handling an acknowledged Slack event failed")
                return
        if response.status >= 400:
            self.logger.warning(
                "Bolt refused an acknowledged Slack event: %s %s", response.status, response.body
            )

    async def _in_turn(self, function: Callable[..., Awaitable[None]], request: AsyncBoltRequest) -> None:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.concurrency)
        async with self._slots:
            await to_runnable_function(internal_func=function, logger=self.logger, request=request)

    def start(self, function: Callable[..., Awaitable[None]], request: AsyncBoltRequest) -> None:
        """Run ``function`` in the background (registered before Slack gets its acknowledgement)."""
        self._track(self._in_turn(function, request))

    @property
    def running(self) -> int:
        """How many dispatches and listeners are still working."""
        return len(self._tasks)

    async def drain(self, timeout_s: float = 30.0) -> None:
        """Wait until every dispatch and listener (and any they started) has finished, at most ``timeout_s``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while self._tasks and loop.time() < deadline:
            await asyncio.wait(set(self._tasks), timeout=max(0.0, deadline - loop.time()))
