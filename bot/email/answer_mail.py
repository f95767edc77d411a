"""The email that carries an answer (or a could-not-read note) back to the person a reply token names."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.message import EmailMessage

from bot.email.digests import REPLY_TOKEN_DAYS
from bot.email.message import address, answer_headers, assemble, image_cids, reply_subject, stable_message_id
from bot.email.tokens import TokenClaims, reply_token
from coach.tools.result import Chart, Source
from prompts.loader import render
from storage.settings import Settings

MAX_CHARTS = 3


@dataclass(frozen=True)
class Draft:
    """What an answer says, and which inbound message (``event_id``) it answers in which thread."""

    text: str
    subject: str
    event_id: str
    in_reply_to: str
    references: list[str]
    attachments: list[str] = field(default_factory=list)  # named in the answer as not read
    charts: list[Chart] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)


def answer_id(settings: Settings, claims: TokenClaims, event_id: str) -> str:
    """The answer's Message-ID: the same for every delivery of the same inbound message."""
    return stable_message_id(settings.reply_domain, "answer", str(claims.tenant_id), event_id)


def compose_answer(
    *, settings: Settings, key: bytes, claims: TokenClaims, recipient: str, draft: Draft, today: date
) -> EmailMessage:
    """The answer as MIME (text, HTML, charts inline), threaded under the reply, Reply-To a fresh token."""
    domain = settings.reply_domain
    message_id = answer_id(settings, claims, draft.event_id)
    token = reply_token(
        key,
        tenant_id=claims.tenant_id,
        user_id=claims.user_id,
        thread=claims.thread,
        today=today,
        days=REPLY_TOKEN_DAYS,
    )
    charts = draft.charts[:MAX_CHARTS]
    cids = image_cids(domain, message_id, len(charts))
    subject = reply_subject(draft.subject)
    context = {
        "answer": draft.text,
        "attachments": draft.attachments,
        "sources": draft.sources,
        "subject": subject,
    }
    paragraphs = [p.split("\n") for p in draft.text.split("\n\n") if p.strip()]
    return assemble(
        mail_from=settings.mail_from,
        to=recipient,
        subject=subject,
        message_id=message_id,
        text=render("email/answer.txt", **context),
        html=render(
            "email/answer.html", **context, paragraphs=paragraphs, charts=list(zip(charts, cids, strict=True))
        ),
        images=list(zip(cids, charts, strict=True)),
        headers=answer_headers(
            reply_to=address(f"reply+{token}", domain),
            in_reply_to=draft.in_reply_to,
            references=draft.references,
        ),
        date=datetime.now(UTC),
    )
