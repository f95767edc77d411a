"""A loopback SMTP sink (aiosmtpd on the test's event loop, port 0) that keeps what it receives."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from email.message import EmailMessage

from aiosmtpd.smtp import SMTP, Envelope, Session

from bot.email.reply import parse_message


@dataclass(frozen=True)
class Received:
    """One message the sink accepted."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        """The parsed message."""
        return parse_message(self.raw)


class Sink:
    """Collects outbound mail; ``start`` binds 127.0.0.1 on a free port."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.port = 0
        self._server: asyncio.Server | None = None

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        del server, session
        self.received.append(
            Received(envelope.mail_from or "", list(envelope.rcpt_tos), envelope.original_content or b"")
        )
        return "250 OK"

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: SMTP(self, hostname="sink"), "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def to(self, address: str) -> list[Received]:
        """Messages whose envelope went to ``address``."""
        return [r for r in self.received if address in r.rcpt_tos]


def closed_port() -> int:
    """A loopback port nothing listens on (the relay is down)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
