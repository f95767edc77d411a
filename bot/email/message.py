"""Building outgoing mail: the digest and the coach's answers, as MIME with a text part, an HTML part and inline
CID images, and the headers that keep threads together and auto-responders away."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, parseaddr
from typing import cast

from coach.tools.result import Chart

SENDER_NAME = "Business Coach"
RE_PREFIX = re.compile(r"^\s*((re|aw|sv|fw|fwd|antw|réf|ref)\s*(\[\d+\])?\s*:\s*)+", re.IGNORECASE)


def stable_message_id(domain: str, kind: str, *parts: str) -> str:
    """A Message-ID that is the same every time for the same parts (so a re-run queues nothing new)."""
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]
    return f"<{kind}.{digest}@{domain}>"


def reply_subject(subject: str) -> str:
    """``Re: <subject>`` without piling up prefixes."""
    return f"Re: {RE_PREFIX.sub('', one_line(subject)).strip() or 'your question'}"


def one_line(value: str) -> str:
    """A header value on one line: an encoded word may decode to line breaks or other control characters."""
    return " ".join("".join(c if c.isprintable() else " " for c in value).split())


def sender(mail_from: str) -> str:
    """The From header: our display name unless the setting has one."""
    name, address = parseaddr(mail_from)
    return formataddr((name or SENDER_NAME, address))


def _cid(domain: str, message_id: str, index: int) -> str:
    return f"img{index}.{hashlib.sha1(message_id.encode()).hexdigest()[:12]}@{domain}"


def image_cids(domain: str, message_id: str, count: int) -> list[str]:
    """Content-IDs (without brackets) for ``count`` inline images of a message."""
    return [_cid(domain, message_id, i) for i in range(count)]


def assemble(
    *,
    mail_from: str,
    to: str,
    subject: str,
    message_id: str,
    text: str,
    html: str,
    images: Sequence[tuple[str, Chart]],
    headers: dict[str, str],
    date: datetime,
) -> EmailMessage:
    """multipart/alternative of text and (HTML + its images as multipart/related)."""
    message = EmailMessage(policy=SMTP)
    message["From"] = sender(mail_from)
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name] = value
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    html_part = cast(list[EmailMessage], message.get_payload())[1]
    for index, (cid, chart) in enumerate(images):
        html_part.add_related(
            chart.png,
            maintype="image",
            subtype="png",
            cid=f"<{cid}>",
            filename=f"chart-{index + 1}.png",
            disposition="inline",
        )
        related = cast(list[EmailMessage], html_part.get_payload())[-1]
        related["Content-Description"] = chart.alt[:900]
    return message


def address(local: str, domain: str) -> str:
    """``local@domain`` validated as an address."""
    return str(Address(addr_spec=f"{local}@{domain}"))


def digest_headers(*, reply_to: str, unsubscribe_mailto: str, unsubscribe_url: str) -> dict[str, str]:
    """Reply-To to the signed reply address, one-click List-Unsubscribe (RFC 8058), and RFC 3834 marks."""
    return {
        "Reply-To": reply_to,
        "List-Unsubscribe": f"<mailto:{unsubscribe_mailto}?subject=unsubscribe>, <{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "OOF, AutoReply",
    }


def answer_headers(*, reply_to: str, in_reply_to: str, references: list[str]) -> dict[str, str]:
    """Threading headers for an answer and ``Auto-Submitted: auto-replied`` (RFC 3834)."""
    chain = [r for r in references if r != in_reply_to][-20:] + [in_reply_to]
    return {
        "Reply-To": reply_to,
        "In-Reply-To": in_reply_to,
        "References": " ".join(chain),
        "Auto-Submitted": "auto-replied",
        "X-Auto-Response-Suppress": "OOF, AutoReply",
    }
