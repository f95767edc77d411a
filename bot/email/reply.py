"""Reading a reply: its MIME body (text preferred, HTML converted), attachments, automatic-mail signs, and the
new text with quoted history and signature removed (``extract_reply``, the stable entry point checks use)."""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from email.message import EmailMessage, MIMEPart
from email.utils import getaddresses, parseaddr

from bot.email.html import to_text, without_quotes
from bot.email.message import one_line
from bot.email.quotes import strip_quoted

AUTO_PRECEDENCE = {"bulk", "list", "junk", "auto_reply"}
AUTO_HEADERS = ("x-autoreply", "x-autorespond", "x-auto-response-suppress-all", "x-failed-recipients")
BOUNCE_SENDERS = re.compile(r"^(mailer-daemon|postmaster)@", re.IGNORECASE)
MESSAGE_ID = re.compile(r"<[^<>\s]+>")


@dataclass(frozen=True)
class Attachment:
    """A file that came with the reply (its content is not read)."""

    filename: str
    content_type: str
    size: int


@dataclass
class Mail:
    """An inbound message as the gateway needs it."""

    message_id: str
    sender: str
    recipients: list[str]
    subject: str
    in_reply_to: list[str]
    references: list[str]
    text: str  # the new text only
    attachments: list[Attachment] = field(default_factory=list)
    automatic: str | None = None  # why this is an auto-reply, bounce or list mail, if it is one


def parse_message(raw: bytes) -> EmailMessage:
    """The message object of raw RFC 5322 bytes."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _content(part: MIMEPart) -> str:
    try:
        return str(part.get_content())
    except (LookupError, UnicodeDecodeError):  # an unknown or wrong charset: decode leniently
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else str(payload)


def body_text(message: EmailMessage) -> str:
    """The body as text: text/plain when there is one, else the HTML with its quoted parts removed."""
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    if plain is not None and _content(plain).strip():
        return _content(plain)
    if html is not None:
        return to_text(without_quotes(_content(html)))
    if message.get_content_maintype() == "text":
        return _content(message)
    return ""


def attachments(message: EmailMessage) -> list[Attachment]:
    """The attached files (not inline images of the body)."""
    found = []
    for part in message.walk():
        if part.is_multipart():
            continue
        disposition = part.get_content_disposition()
        name = part.get_filename()
        if disposition == "attachment" or (name and disposition != "inline"):
            payload = part.get_payload(decode=True) or b""
            found.append(Attachment(name or "unnamed", part.get_content_type(), len(payload)))
    return found


def automatic_reason(message: EmailMessage) -> str | None:
    """Why this message must not be answered (auto-reply, bounce, list or bulk mail), or None."""
    auto = str(message.get("Auto-Submitted", "")).strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = str(message.get("Precedence", "")).strip().lower()
    if precedence in AUTO_PRECEDENCE:
        return f"Precedence: {precedence}"
    if message.get_content_type() == "multipart/report" or message.get("X-Failed-Recipients"):
        return "delivery report"
    if any(message.get(name) for name in AUTO_HEADERS):
        return "auto-reply header"
    if message.get("List-Id") or message.get("List-Unsubscribe") and message.get("List-Post"):
        return "mailing list"
    return_path = str(message.get("Return-Path", "")).strip()
    if return_path in ("<>", ""):
        sender = parseaddr(str(message.get("From", "")))[1]
        if return_path == "<>" or BOUNCE_SENDERS.match(sender):
            return "null sender" if return_path == "<>" else "bounce sender"
    return None


def message_ids(value: str | None) -> list[str]:
    """The ``<id>`` values in a Message-ID, In-Reply-To or References header, in order."""
    return MESSAGE_ID.findall(str(value or ""))


def read_mail(raw: bytes) -> Mail:
    """Parse a raw message into what the gateway needs, with the new text already extracted."""
    message = parse_message(raw)
    ids = message_ids(message.get("Message-ID"))
    return Mail(
        message_id=ids[0] if ids else "",
        sender=parseaddr(str(message.get("From", "")))[1],
        recipients=[a for _, a in getaddresses([str(v) for v in message.get_all("To", []) or []])],
        subject=one_line(str(message.get("Subject", ""))),
        in_reply_to=message_ids(message.get("In-Reply-To")),
        references=message_ids(message.get("References")),
        text=strip_quoted(body_text(message)),
        attachments=attachments(message),
        automatic=automatic_reason(message),
    )


def extract_reply(raw: bytes) -> str:
    """The new text of a reply: raw RFC 5322 message in, quoted history and signature removed."""
    return strip_quoted(body_text(parse_message(raw)))
