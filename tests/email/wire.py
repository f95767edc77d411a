"""Helpers for talking SMTP to the inbound server and dressing corpus replies as replies to a real digest."""

from __future__ import annotations

import secrets
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import parseaddr
from pathlib import Path

import aiosmtplib

from bot.email.reply import parse_message

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


async def send(
    port: int, raw: bytes, *, to: str, mail_from: str = "jane@demo-cafe.example"
) -> aiosmtplib.SMTPResponse:
    """Deliver ``raw`` to the inbound server; raises on refusal (SMTPRecipientsRefused, SMTPDataError...)."""
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False, timeout=30) as smtp:
        _, response = await smtp.sendmail(mail_from, [to], raw)
        return response  # type: ignore[return-value]


def reply_address(digest: EmailMessage) -> str:
    """The address replies go to."""
    return parseaddr(digest["Reply-To"])[1]
