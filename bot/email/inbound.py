"""The inbound SMTP listener (aiosmtpd) for replies to digests and answers.

Recipients are checked at RCPT, before DATA: only our domain and ``reply+``/``unsubscribe+`` addresses with a
valid token get 250; everything else 550. The size limit is aiosmtpd's (``SIZE`` is announced in EHLO, so a
client that declares a larger message is refused at MAIL; one that sends more gets 552 after DATA). The server
runs on the caller's event loop, so the handler shares the process's database pool.

Every message gets a definite answer: 250 (answered, a could-not-read note sent, over a limit, or ignored as
automatic mail), 550 when it can never be processed, and 451 only while something passing (the database
unreachable) stops us, without internals in the reply. Tokens are logged as a short hash, never in full.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from bot.email.answers import Answering, Inbound, Outcome, answer_reply, answer_unreadable
from bot.email.failures import is_transient
from bot.email.identity import Directory
from bot.email.redact import redact, redact_smtp_log, token_hash, token_tag
from bot.email.tokens import REPLY, UNSUBSCRIBE, TokenError
from bot.email.transaction import Accepted, ReplySMTP, accepted_in
from bot.email.unsubscribe import apply_unsubscribe
from coach.core import Coach
from storage.database import Database
from storage.secrets import secret_key
from storage.settings import Settings

log = logging.getLogger(__name__)
OK = "250 2.0.0 OK"
RECIPIENT_OK = "250 2.1.5 OK"
NO_SUCH_USER = "550 5.1.1 No such mailbox here"
NOT_OUR_DOMAIN = "550 5.7.1 Relaying denied: not a domain we accept mail for"
CANNOT_PROCESS = "550 5.6.0 This message cannot be processed here"
TRY_LATER = "451 4.3.0 Temporary problem here; please try again later"
KINDS = {"reply": REPLY, "unsubscribe": UNSUBSCRIBE}


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
            log.info("refused RCPT %s: %s", redact(address), error)
            return NO_SUCH_USER
        except Exception as error:  # noqa: BLE001 - the sender gets a definite answer, never our internals
            return self._failed(f"RCPT {redact(address)}", error)
        accepted_in(envelope).append(Accepted(purpose, token, claims))
        envelope.rcpt_tos.append(address)
        return RECIPIENT_OK

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        """Answer each reply recipient's message: 250 once handled, 451 while something passing stops us, else 550."""
        del server, session
        raw = envelope.original_content or b""
        for item in accepted_in(envelope):
            try:
                outcome = await self._handle(item, raw, envelope.mail_from or "")
            except Exception as error:  # noqa: BLE001 - see _failed
                return self._failed(f"message to {redact(envelope.rcpt_tos[0])}", error)
            self._record(outcome)
        return OK

    async def handle_exception(self, error: Exception) -> str:
        """Whatever escaped a hook: 451 or 550 like the hooks themselves, never aiosmtpd's 500 with the error text."""
        return self._failed("SMTP command", error)

    async def _handle(self, item: Accepted, raw: bytes, envelope_from: str) -> Outcome:
        if item.purpose == UNSUBSCRIBE:
            await apply_unsubscribe(self.db, self.directory, item.token, today=self.today())
            return Outcome("ignored", "unsubscribed")
        deps = Answering(self.db, self.coach, self.settings, self.key, self.today())
        inbound = Inbound(item.claims, token_hash(item.token), raw, envelope_from)
        try:
            return await answer_reply(deps, inbound)
        except Exception as error:
            if is_transient(error):
                raise
            log.exception(
                "reply with token %s could not be answered; sending a could-not-read note",
                token_tag(item.token),
            )
            return await answer_unreadable(deps, inbound)

    def _failed(self, what: str, error: Exception) -> str:
        """Log ``error`` for us and give the sender a status without its details: 451 if passing, else 550."""
        if is_transient(error):
            log.warning(
                "%s: passing failure, the sender will retry (%s: %s)",
                what,
                type(error).__name__,
                redact(str(error)),
            )
            return TRY_LATER
        log.error("%s could not be processed", what, exc_info=error)
        return CANNOT_PROCESS

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
        return ReplySMTP(
            self.handler,
            data_size_limit=self.settings.max_message_bytes,
            hostname=self.settings.reply_domain,
            ident="smb-coach",
            enable_SMTPUTF8=True,
        )

    async def start(self) -> None:
        """Start listening on the current event loop (aiosmtpd's own log lines then show tokens as hashes)."""
        redact_smtp_log()
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
