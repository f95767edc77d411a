"""Answering a reply: drop automatic mail, loops and duplicates, ask the coach in the thread, queue the answer.

The duplicate check happens twice: a cheap look before the coach runs, and ``claim_event`` in the same
transaction that queues the answer, so two deliveries racing each other still produce one answer. The turn
goes into thread memory in that same transaction: a losing delivery, or one that fails before queueing (and is
retried by the sending server), leaves no turn behind.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parseaddr

from bot.email.digests import REPLY_TOKEN_DAYS, outbox_payload
from bot.email.message import (
    address,
    answer_headers,
    assemble,
    image_cids,
    reply_subject,
    stable_message_id,
)
from bot.email.reply import Mail, read_mail
from bot.email.tokens import TokenClaims, reply_token
from coach.core import Coach, Turn
from prompts.loader import render
from storage.database import Database
from storage.messaging.events import claim_event
from storage.messaging.outbox import enqueue, event_seen, is_ours
from storage.settings import Settings
from storage.tenants.users import get_user

log = logging.getLogger(__name__)
SOURCE = "email"
MAX_CHARTS = 3


@dataclass(frozen=True)
class Outcome:
    """What became of an inbound message: answered (with the answer's Message-ID) or ignored and why."""

    status: str  # answered | ignored | duplicate
    reason: str = ""
    answer_id: str = ""


def _event_id(mail: Mail, raw: bytes) -> str:
    return mail.message_id or f"<sha256.{hashlib.sha256(raw).hexdigest()[:32]}>"


async def answer_reply(
    *,
    db: Database,
    coach: Coach,
    settings: Settings,
    key: bytes,
    claims: TokenClaims,
    raw: bytes,
    envelope_from: str,
    today: date,
) -> Outcome:
    """Handle one reply addressed with a verified token; the answer goes to the user the token names."""
    mail = read_mail(raw)
    ours = parseaddr(settings.mail_from)[1].lower()
    if envelope_from.strip("<> ") == "":
        return Outcome("ignored", "null sender (a bounce)")
    if mail.automatic:
        return Outcome("ignored", mail.automatic)
    if mail.sender.lower() == ours or envelope_from.lower() == ours:
        return Outcome("ignored", "loop: our own address")
    event_id = _event_id(mail, raw)
    async with db.tenant_session(claims.tenant_id) as session:
        if await is_ours(session=session, message_ids=[event_id]):
            return Outcome("ignored", "loop: our own Message-ID")
        if await event_seen(session=session, source=SOURCE, event_id=event_id):
            return Outcome("duplicate", event_id)
        user = await get_user(session=session, user_id=claims.user_id)
        recipient = (user.email or "") if user is not None else ""
    if not recipient:
        return Outcome("ignored", "the token's user has no email address any more")
    turn = Turn(
        tenant_id=claims.tenant_id,
        text=mail.text,
        channel="email",
        thread=claims.thread_key,
        user_id=claims.user_id,
    )
    reply = await coach.answer(turn, remember=False)  # remembered below, only by the delivery that answers
    domain = settings.reply_domain
    answer_id = stable_message_id(domain, "answer", str(claims.tenant_id), event_id)
    token = reply_token(
        key,
        tenant_id=claims.tenant_id,
        user_id=claims.user_id,
        thread=claims.thread,
        today=today,
        days=REPLY_TOKEN_DAYS,
    )
    charts = reply.charts[:MAX_CHARTS]
    cids = image_cids(domain, answer_id, len(charts))
    subject = reply_subject(mail.subject)
    names = [a.filename for a in mail.attachments]
    context = {"answer": reply.text, "attachments": names, "sources": reply.sources, "subject": subject}
    paragraphs = [p.split("\n") for p in reply.text.split("\n\n") if p.strip()]
    message = assemble(
        mail_from=settings.mail_from,
        to=recipient,
        subject=subject,
        message_id=answer_id,
        text=render("email/answer.txt", **context),
        html=render(
            "email/answer.html", **context, paragraphs=paragraphs, charts=list(zip(charts, cids, strict=True))
        ),
        images=list(zip(cids, charts, strict=True)),
        headers=answer_headers(
            reply_to=address(f"reply+{token}", domain),
            in_reply_to=mail.message_id or event_id,
            references=mail.references or mail.in_reply_to,
        ),
        date=datetime.now(UTC),
    )
    async with db.tenant_session(claims.tenant_id) as session:
        if not await claim_event(session=session, source=SOURCE, event_id=event_id):
            return Outcome("duplicate", event_id)  # a concurrent delivery of the same message won
        await coach.remember(turn, reply, session=session)
        await enqueue(
            session=session,
            channel="email",
            message_id=answer_id,
            recipient=recipient,
            subject=subject,
            payload=outbox_payload(message, settings.mail_from),
        )
    log.info("answered %s for tenant %s in thread %s", event_id, claims.tenant_id, claims.thread_key)
    return Outcome("answered", answer_id=answer_id)
