"""Delivering the email outbox over SMTP (aiosmtplib; STARTTLS and login from settings), with retries.

Never twice: the row is marked ``sent`` and committed *after* the message body has been written to the relay but
*before* the terminating ``.`` of DATA. An SMTP server must discard a message whose DATA never ended, so:
a crash before the commit leaves a row whose lease expires and is sent again (the relay never accepted the first
copy); a crash after the commit leaves a row marked sent that the relay may not have (at most once, never twice).
Likewise a relay that goes quiet after the ``.`` may have taken the message: the row stays sent. Only a clear
refusal after the ``.`` (a 4xx/5xx reply) puts it back for another attempt.
The row is re-read under a lock at that point, so two senders never both finish the same message. The
Message-ID is stable (made when the message is queued), so even a copy resent by a relay is one message.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import aiosmtplib
from aiosmtplib.protocol import PERIOD_REGEX, normalize_message_line_endings

from storage.database import Database
from storage.messaging.outbox import claim_due, lock_for_send, mark_retry, mark_sent
from storage.settings import Settings

log = logging.getLogger(__name__)
CHANNEL = "email"
LEASE = timedelta(minutes=5)
BASE_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=2)
MAX_ATTEMPTS = 8
SMTP_TIMEOUT_S = 30.0


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure: 30 s doubling, at most two hours."""
    return min(BASE_BACKOFF * 2 ** max(attempts - 1, 0), MAX_BACKOFF)


@dataclass
class Delivery:
    """What one pass over the outbox did."""

    sent: list[str] = field(default_factory=list)  # Message-IDs
    retried: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


class Unconfirmed(Exception):
    """The relay went quiet after the end of DATA: it may well have taken the message, so it is not sent again."""


class NotOurs(Exception):
    """The row was sent or given up by someone else while we were writing it."""


def relay(settings: Settings) -> aiosmtplib.SMTP:
    """An SMTP client for the configured relay (not connected yet)."""
    return aiosmtplib.SMTP(
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        start_tls=settings.smtp_starttls,
        timeout=SMTP_TIMEOUT_S,
    )


async def _send_committed(
    smtp: aiosmtplib.SMTP,
    *,
    db: Database,
    tenant_id: uuid.UUID,
    outbox_id: uuid.UUID,
    mail_from: str,
    recipient: str,
    raw: bytes,
    now: datetime,
) -> None:
    """One message: envelope, body, commit ``sent``, then the end of DATA (see the module docstring)."""
    await smtp.mail(mail_from)
    await smtp.rcpt(recipient)
    start = await smtp.execute_command(b"DATA")
    if start.code != 354:
        raise aiosmtplib.SMTPDataError(start.code, start.message)
    protocol = smtp.protocol
    assert protocol is not None
    body = PERIOD_REGEX.sub(b"..", normalize_message_line_endings(raw))
    protocol.write(body if body.endswith(b"\r\n") else body + b"\r\n")
    async with db.tenant_session(tenant_id) as session:
        if await lock_for_send(session=session, outbox_id=outbox_id) is None:
            raise NotOurs(str(outbox_id))
        await mark_sent(session=session, outbox_id=outbox_id, now=now)
    protocol.write(b".\r\n")
    try:
        response = await protocol.read_response(timeout=SMTP_TIMEOUT_S)
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
        raise Unconfirmed(str(error)) from error
    if response.code != 250:
        raise aiosmtplib.SMTPDataError(response.code, response.message)


async def _tenant_pass(
    db: Database, settings: Settings, tenant_id: uuid.UUID, now: datetime, report: Delivery
) -> None:
    async with db.tenant_session(tenant_id) as session:
        rows = await claim_due(session=session, channel=CHANNEL, now=now, lease=LEASE)
        claimed = [(r.id, r.message_id, r.recipient, r.payload, r.attempts) for r in rows]
    if not claimed:
        return
    smtp = relay(settings)
    try:
        await _send_all(db, smtp, tenant_id, claimed, now, report)
    except BaseException:
        smtp.close()  # never QUIT mid-DATA: dropping the connection makes the relay discard a half-sent message
        raise
    if smtp.is_connected:
        try:
            await smtp.quit()
        except (aiosmtplib.SMTPException, OSError):
            smtp.close()


async def _send_all(
    db: Database,
    smtp: aiosmtplib.SMTP,
    tenant_id: uuid.UUID,
    claimed: list[tuple[uuid.UUID, str, str, dict, int]],
    now: datetime,
    report: Delivery,
) -> None:
    connected = False
    for outbox_id, message_id, recipient, payload, attempts in claimed:
        try:
            if not connected:
                await smtp.connect()
                connected = True
            await _send_committed(
                smtp,
                db=db,
                tenant_id=tenant_id,
                outbox_id=outbox_id,
                mail_from=payload["mail_from"],
                recipient=recipient,
                raw=base64.b64decode(payload["raw"]),
                now=now,
            )
            report.sent.append(message_id)
        except NotOurs:
            await _abort(smtp)
            connected = False
        except Unconfirmed as error:  # at most once: a second copy is worse than a lost digest
            report.sent.append(message_id)
            log.warning(
                "email %s to %s: the relay did not confirm (%s); kept as sent", message_id, recipient, error
            )
            await _abort(smtp)
            connected = False
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            permanent = isinstance(error, aiosmtplib.SMTPResponseException) and 500 <= error.code < 600
            give_up = permanent or attempts >= MAX_ATTEMPTS
            retry_at = None if give_up else now + backoff(attempts)
            async with db.tenant_session(tenant_id) as session:
                await mark_retry(session=session, outbox_id=outbox_id, error=str(error), retry_at=retry_at)
            (report.failed if give_up else report.retried).append(message_id)
            log.warning("email %s to %s not sent (attempt %d): %s", message_id, recipient, attempts, error)
            await _abort(smtp)
            connected = False


async def _abort(smtp: aiosmtplib.SMTP) -> None:
    """Drop the connection without ending DATA, so a half-written message is discarded by the relay."""
    if smtp.is_connected:
        smtp.close()
    await asyncio.sleep(0)


async def deliver_due(
    db: Database,
    settings: Settings,
    *,
    now: datetime | None = None,
    tenant_ids: list[uuid.UUID] | None = None,
) -> Delivery:
    """Send every due email in the outbox (each tenant on its own; one tenant's failure never stops the rest)."""
    moment = now or datetime.now(UTC)
    report = Delivery()
    ids = tenant_ids if tenant_ids is not None else [t.id for t in await db.system.list_tenants()]
    for tenant_id in ids:
        try:
            await _tenant_pass(db, settings, tenant_id, moment, report)
        except Exception:  # noqa: BLE001 - one tenant's database trouble must not stop the others
            log.exception("outbox pass failed for tenant %s", tenant_id)
    return report
