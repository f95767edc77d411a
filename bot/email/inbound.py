"""The inbound SMTP listener (aiosmtpd) for replies to digests and answers.

Recipients are checked at RCPT, before DATA: only our domain and ``reply+``/``unsubscribe+`` addresses with a
valid token get 250; everything else 550. The size limit is aiosmtpd's (``SIZE`` is announced in EHLO, so a
client that declares a larger message is refused at MAIL; one that sends more gets 552 after DATA). The server
runs on the caller's event loop, so the handler shares the process's database pool.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from bot.email.answers import Outcome, answer_reply
from bot.email.identity import Directory
from bot.email.tokens import REPLY, UNSUBSCRIBE, TokenClaims, TokenError
from bot.email.unsubscribe import apply_unsubscribe
from coach.core import Coach
from storage.database import Database
from storage.secrets import secret_key
from storage.settings import Settings

log = logging.getLogger(__name__)
OK = "250 2.0.0 OK"
NO_SUCH_USER = "550 5.1.1 No such mailbox here"
NOT_OUR_DOMAIN = "550 5.7.1 Relaying denied: not a domain we accept mail for"
TRY_LATER = "451 4.3.0 Temporary problem here; please try again later"
KINDS = {"reply": REPLY, "unsubscribe": UNSUBSCRIBE}


@dataclass(frozen=True)
class Accepted:
    """A recipient that passed RCPT: what it is for and whose it is."""

    purpose: str
    token: str
    claims: TokenClaims | None  # None for unsubscribe (applied at DATA)


class InboundHandler:
    """aiosmtpd handler: validates recipients, then answers replies and applies unsubscribes."""

    def __init__(
        self, db: Database, settings: Settings, coach: Coach, *, today: Callable[[], date] = date.today
    ) -> None:
        self.db = db
        self.settings = settings
        self.coach = coach
        self.today = today
        self.key = secret_key(settings)
        self.directory = Directory(db, self.key)
        self.outcomes: list[Outcome] = []  # the latest outcomes, for operators and tests
        self._accepted: dict[int, list[Accepted]] = {}

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        """Accept only ``reply+<token>`` and ``unsubscribe+<token>`` at our domain with a valid token."""
        del server, session, rcpt_options
        local, _, domain = address.rpartition("@")
        if domain.lower() != self.settings.reply_domain.lower():
            return NOT_OUR_DOMAIN
        kind, plus, token = local.partition("+")
        purpose = KINDS.get(kind.lower())
        if not plus or purpose is None:
            return NO_SUCH_USER
        try:
            claims = await self.directory.resolve(token, today=self.today(), purpose=purpose)
        except TokenError as error:
            log.info("refused RCPT %s: %s", address, error)
            return NO_SUCH_USER
        envelope.rcpt_tos.append(address)
        self._accepted.setdefault(id(envelope), []).append(Accepted(purpose, token, claims))
        return "250 2.1.5 OK"

    async def handle_RSET(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        """Forget the recipients of an abandoned transaction."""
        del server, session
        self._accepted.pop(id(envelope), None)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        """Answer each reply recipient's message; a failure asks the sending server to retry (451)."""
        del server, session
        accepted = self._accepted.pop(id(envelope), [])
        raw = envelope.original_content or b""
        try:
            for item in accepted:
                if item.purpose == UNSUBSCRIBE:
                    await apply_unsubscribe(self.db, self.directory, item.token, today=self.today())
                    self._record(Outcome("ignored", "unsubscribed"))
                    continue
                assert item.claims is not None
                outcome = await answer_reply(
                    db=self.db,
                    coach=self.coach,
                    settings=self.settings,
                    key=self.key,
                    claims=item.claims,
                    raw=raw,
                    envelope_from=envelope.mail_from or "",
                    today=self.today(),
                )
                self._record(outcome)
        except Exception:  # noqa: BLE001 - the sending server keeps the message and retries
            log.exception("inbound message to %s failed", envelope.rcpt_tos)
            return TRY_LATER
        return OK

    def _record(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        del self.outcomes[:-1000]


class InboundServer:
    """The listener on ``inbound_host:inbound_port`` (port 0 picks a free port; ``port`` says which)."""

    def __init__(self, handler: InboundHandler, settings: Settings, *, port: int | None = None) -> None:
        self.handler = handler
        self.settings = settings
        self.host = settings.inbound_host
        self.port = settings.inbound_port if port is None else port
        self._server: asyncio.Server | None = None

    def _protocol(self) -> SMTP:
        return SMTP(
            self.handler,
            data_size_limit=self.settings.max_message_bytes,
            hostname=self.settings.reply_domain,
            ident="smb-coach",
            enable_SMTPUTF8=True,
        )

    async def start(self) -> None:
        """Start listening on the current event loop."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._protocol, host=self.host, port=self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and close open connections."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> InboundServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()
