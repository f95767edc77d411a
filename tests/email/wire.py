"""Helpers for talking SMTP to the inbound server and dressing corpus replies as replies to a real digest."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from datetime import date
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import parseaddr
from pathlib import Path

import aiosmtplib

from bot.email.reply import parse_message
from bot.email.tokens import new_thread, reply_token, unsubscribe_token
from storage.secrets import secret_key
from storage.settings import Settings

REPLIES = Path(__file__).parent / "replies"


def as_reply(client: str, digest: EmailMessage, *, sender: str, extra: dict[str, str] | None = None) -> bytes:
    """The corpus reply from ``client``, addressed to ``digest``'s Reply-To and threaded under it."""
    message = parse_message((REPLIES / f"{client}.eml").read_bytes())
    for name in ("To", "From", "Message-ID", "In-Reply-To", "References"):
        del message[name]
    message["From"] = sender
    message["To"] = digest["Reply-To"]
    message["Message-ID"] = f"<{secrets.token_hex(8)}@mail.example>"
    message["In-Reply-To"] = digest["Message-ID"]
    message["References"] = digest["Message-ID"]
    for name, value in (extra or {}).items():
        del message[name]
        message[name] = value
    return message.as_bytes(policy=SMTP)


async def send(port: int, raw: bytes, *, to: str, mail_from: str = "jane@demo-cafe.example") -> str:
    """Deliver ``raw`` to the inbound server (the server's text after 250); raises on refusal
    (SMTPRecipientsRefused, SMTPDataError...)."""
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False, timeout=30) as smtp:
        _, response = await smtp.sendmail(mail_from, [to], raw)
        return response


def reply_address(digest: EmailMessage) -> str:
    """The address replies go to."""
    return parseaddr(digest["Reply-To"])[1]


def token_address(
    settings: Settings,
    *,
    tenant_id: uuid.UUID,
    user_id: uuid.UUID,
    today: date,
    thread: str | None = None,
    purpose: str = "reply",
) -> str:
    """A valid ``reply+<token>@domain`` (or ``unsubscribe+<token>@domain``) address for this user."""
    key = secret_key(settings)
    if purpose == "unsubscribe":
        token = unsubscribe_token(key, tenant_id=tenant_id, user_id=user_id)
    else:
        token = reply_token(
            key, tenant_id=tenant_id, user_id=user_id, thread=thread or new_thread(), today=today, days=60
        )
    return f"{purpose}+{token}@{settings.reply_domain}"


def token_of(address: str) -> str:
    """The token inside a ``kind+<token>@domain`` address."""
    return address.partition("@")[0].partition("+")[2]


def plain_mail(
    *,
    sender: str,
    to: str,
    body: str,
    subject: str = "Re: Your week",
    headers: str = "",
    message_id: str = "",
) -> bytes:
    """A minimal text/plain message (CRLF line ends, as on the wire)."""
    mid = message_id or f"<{secrets.token_hex(8)}@mail.example>"
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: {mid}\r\n{headers}"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


async def abandon_after_rcpt(port: int, *, to: str, mail_from: str) -> str:
    """EHLO, MAIL and RCPT over a raw socket, then close it without DATA or RSET; the RCPT reply line."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        await _reply(reader)  # the greeting
        for command in ("EHLO probe.example", f"MAIL FROM:<{mail_from}>", f"RCPT TO:<{to}>"):
            writer.write(command.encode() + b"\r\n")
            await writer.drain()
            last = await _reply(reader)
        return last
    finally:
        writer.close()
        await writer.wait_closed()


async def _reply(reader: asyncio.StreamReader) -> str:
    """One (possibly multi-line) SMTP reply; its last line."""
    while True:
        line = (await reader.readline()).decode().rstrip("\r\n")
        if len(line) < 4 or line[3] != "-":
            return line
