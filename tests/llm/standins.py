"""Loopback stand-ins for provider APIs: the shared script vocabulary, request log and server runner.

A stand-in serves one wire format (``ollama_standin``, ``openai_standin``) on 127.0.0.1 at a free port, from its own
thread and event loop, so a client that blocks (LlamaIndex's sync paths) cannot stall the server. Tests script what
it answers, one entry per request, and read back every request it received.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

DEFAULT_USAGE = (21, 8)


@dataclass(frozen=True)
class Say:
    """Answer with final text; ``usage`` is (prompt, completion) tokens, or None to report none."""

    text: str
    usage: tuple[int, int] | None = DEFAULT_USAGE


@dataclass(frozen=True)
class CallTool:
    """Answer with one call of tool ``name`` with ``arguments``."""

    name: str
    arguments: dict[str, Any]
    call_id: str = "call_standin_1"
    usage: tuple[int, int] | None = DEFAULT_USAGE


@dataclass(frozen=True)
class Fail:
    """Answer with HTTP ``status`` and the provider's error body; ``headers`` e.g. {"Retry-After": "0.2"}."""

    status: int
    message: str = ""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Stall:
    """Wait ``seconds`` before answering (past the client's timeout), then say "too late"."""

    seconds: float


Scripted = Say | CallTool | Fail | Stall


@dataclass(frozen=True)
class Received:
    """One request as the stand-in saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


class StandIn:
    """A scripted HTTP server on 127.0.0.1:<free port>, running in a background thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._script: deque[Scripted] = deque()
        self._received: list[Received] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._stopping: asyncio.Event | None = None
        self.root_url = ""

    def routes(self) -> list[web.RouteDef]:
        """The wire format's endpoints; each subclass serves its own."""
        raise NotImplementedError

    def script(self, *replies: Scripted) -> None:
        """Queue answers, used one per request in order."""
        with self._lock:
            self._script.extend(replies)

    def reset(self) -> None:
        """Forget the script and the requests received."""
        with self._lock:
            self._script.clear()
            self._received.clear()

    def received(self, path: str | None = None) -> list[Received]:
        """Requests received so far (only those to ``path`` if given), oldest first."""
        with self._lock:
            return [r for r in self._received if path is None or r.path == path]

    def left(self) -> int:
        """How many scripted answers have not been used."""
        with self._lock:
            return len(self._script)

    def start(self) -> str:
        """Serve on a free loopback port; returns the root URL (http://127.0.0.1:<port>)."""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name=type(self).__name__, daemon=True)
        self._thread.start()
        port = asyncio.run_coroutine_threadsafe(self._serve(), self._loop).result(timeout=10)
        self.root_url = f"http://127.0.0.1:{port}"
        return self.root_url

    def stop(self) -> None:
        """Stop serving (stalled handlers are woken) and end the thread."""
        assert self._loop is not None and self._thread is not None
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _serve(self) -> int:
        self._stopping = asyncio.Event()
        app = web.Application()
        app.add_routes(self.routes())
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        return int(self._runner.addresses[0][1])

    async def _shutdown(self) -> None:
        assert self._stopping is not None and self._runner is not None
        self._stopping.set()
        await self._runner.cleanup()

    async def record(self, request: web.Request) -> Any:
        """Log ``request`` and return its JSON body (None when it has none)."""
        raw = await request.read()
        body = json.loads(raw) if raw else None
        with self._lock:
            self._received.append(Received(request.method, request.path, dict(request.headers), body))
        return body

    def next_reply(self) -> Scripted | None:
        """The next scripted answer, or None when the script is used up."""
        with self._lock:
            return self._script.popleft() if self._script else None

    async def stall(self, request: web.Request, seconds: float) -> bool:
        """Sleep ``seconds`` (less if the stand-in is stopping); True if the client is still waiting."""
        assert self._stopping is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
        return request.transport is not None and not request.transport.is_closing()


def pieces(text: str, count: int = 3) -> list[str]:
    """``text`` cut into up to ``count`` consecutive pieces (how a server streams it)."""
    size = max(1, -(-len(text) // count))
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]
