"""Answering a reply: drop automatic mail, loops and duplicates, keep within the answer limits, ask the coach in
the thread, queue the answer.

The duplicate check happens twice: a cheap look before the coach runs, and ``claim_event`` in the same
transaction that queues the answer, so two deliveries racing each other still produce one answer. The turn
goes into thread memory in that same transaction: a losing delivery, or one that fails before queueing (and is
retried by the sending server), leaves no turn behind. The answer limits are looked at before the coach runs
and taken in that same transaction too, so a failed delivery uses none of them.

A reply with nothing to read (empty, attachments only) and one that could not be processed at all get a short
note saying so, through the same limits (``answer_unreadable``): every reply gets an answer or a reason.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import logging
from dataclasses import dataclass
from datetime import date
from email.utils import parseaddr

from bot.email.answer_mail import Draft, answer_id, compose_answer
from bot.email.digests import outbox_payload
from bot.email.reply import Mail, message_ids, read_mail
from bot.email.tokens import TokenClaims
from coach.core import Coach, Reply, Turn
from prompts.loader import render
from storage.database import Database
from storage.email.service import AnswerAsk, AnswerLimits, answer_refusal, take_answer
from storage.messaging.events import claim_event
from storage.messaging.outbox import enqueue, event_seen, is_ours
from storage.settings import Settings
from storage.tenants.users import get_user

log = logging.getLogger(__name__)
SOURCE = "email"


@dataclass(frozen=True)
class Outcome:
    """What became of an inbound message: answered or given a could-not-read note (with that mail's Message-ID),
    or not answered and why (over a limit, automatic mail, a loop, a duplicate)."""

    status: str  # answered | unreadable (a could-not-read note went out) | limited | ignored | duplicate
    reason: str = ""
    answer_id: str = ""


@dataclass(frozen=True)
class Inbound:
    """One accepted reply: the verified claims of its token, the token's hash, the raw bytes, the envelope sender."""

    claims: TokenClaims
    token_hash: str
    raw: bytes
    envelope_from: str


@dataclass(frozen=True)
class Answering:
    """What answering needs: the database, the coach, the settings, the signing key and today's date."""

    db: Database
    coach: Coach
    settings: Settings
    key: bytes
    today: date


def limits(settings: Settings) -> AnswerLimits:
    """The answer limits the settings give."""
    return AnswerLimits(
        per_token_hour=settings.email_answers_per_token_hour,
        per_sender_hour=settings.email_answers_per_sender_hour,
        stranger_day=settings.email_stranger_answers_per_day,
    )


def _event_id(mail: Mail, raw: bytes) -> str:
    return mail.message_id or f"<sha256.{hashlib.sha256(raw).hexdigest()[:32]}>"


def _not_to_answer(mail: Mail, inbound: Inbound, settings: Settings) -> str | None:
    ours = parseaddr(settings.mail_from)[1].lower()
    if inbound.envelope_from.strip("<> ") == "":
        return "null sender (a bounce)"
    if mail.automatic:
        return mail.automatic
    if mail.sender.lower() == ours or inbound.envelope_from.lower() == ours:
        return "loop: our own address"
    return None


async def answer_reply(deps: Answering, inbound: Inbound) -> Outcome:
    """Handle one reply addressed with a verified token; the answer goes to the user the token names."""
    mail = read_mail(inbound.raw)
    return await _answer(deps, inbound, mail, use_coach=bool(mail.text.strip()))


async def answer_unreadable(deps: Answering, inbound: Inbound) -> Outcome:
    """Answer a reply that could not be processed with a could-not-read note (its headers read leniently)."""
    return await _answer(deps, inbound, _lenient_mail(inbound.raw), use_coach=False)


@dataclass(frozen=True)
class _Plan:
    """A reply that will be answered (limits permitting): which message, to whom, what it counts against."""

    event_id: str
    recipient: str
    ask: AnswerAsk


async def _answer(deps: Answering, inbound: Inbound, mail: Mail, *, use_coach: bool) -> Outcome:
    plan = await _plan(deps, inbound, mail)
    if isinstance(plan, Outcome):
        return plan
    claims = inbound.claims
    turn = Turn(
        tenant_id=claims.tenant_id,
        text=mail.text,
        channel="email",
        thread=claims.thread_key,
        user_id=claims.user_id,
    )
    if use_coach:  # remembered in _queue, by the delivery that answers
        reply = await deps.coach.answer(turn, remember=False)
    else:
        names = [a.filename for a in mail.attachments]
        reply = Reply(text=render("email/unreadable.txt", attachments=names), provider="none")
    draft = Draft(
        text=reply.text,
        subject=mail.subject,
        event_id=plan.event_id,
        in_reply_to=mail.message_id or plan.event_id,
        references=mail.references or mail.in_reply_to,
        attachments=[a.filename for a in mail.attachments] if use_coach else [],
        charts=reply.charts,
        sources=reply.sources,
    )
    return await _queue(deps, claims, plan, draft, (turn, reply) if use_coach else None)


async def _plan(deps: Answering, inbound: Inbound, mail: Mail) -> Outcome | _Plan:
    """The plan to answer, or why not: automatic mail, a loop, a duplicate, no address, or over a limit."""
    skip = _not_to_answer(mail, inbound, deps.settings)
    if skip is not None:
        return Outcome("ignored", skip)
    claims, event_id = inbound.claims, _event_id(mail, inbound.raw)
    async with deps.db.tenant_session(claims.tenant_id) as session:
        if await is_ours(session=session, message_ids=[event_id]):
            return Outcome("ignored", "loop: our own Message-ID")
        if await event_seen(session=session, source=SOURCE, event_id=event_id):
            return Outcome("duplicate", event_id)
        user = await get_user(session=session, user_id=claims.user_id)
        recipient = (user.email or "") if user is not None else ""
        if not recipient:
            return Outcome("ignored", "the token's user has no email address any more")
        sender = (mail.sender or inbound.envelope_from).strip("<> ").lower()
        ask = AnswerAsk(inbound.token_hash, sender, claims.user_id, stranger=sender != recipient.lower())
        refusal = await answer_refusal(session=session, ask=ask, limits=limits(deps.settings))
        if refusal is not None:  # handled: accepted, not answered, and a redelivery is a duplicate
            claimed = await claim_event(session=session, source=SOURCE, event_id=event_id)
            return Outcome("limited", refusal) if claimed else Outcome("duplicate", event_id)
    return _Plan(event_id, recipient, ask)


async def _queue(
    deps: Answering, claims: TokenClaims, plan: _Plan, draft: Draft, remember: tuple[Turn, Reply] | None
) -> Outcome:
    """Claim the message, take the limits, remember the turn and queue the answer, all in one transaction."""
    message = compose_answer(
        settings=deps.settings,
        key=deps.key,
        claims=claims,
        recipient=plan.recipient,
        draft=draft,
        today=deps.today,
    )
    message_id = answer_id(deps.settings, claims, plan.event_id)
    async with deps.db.tenant_session(claims.tenant_id) as session:
        if not await claim_event(session=session, source=SOURCE, event_id=plan.event_id):
            return Outcome("duplicate", plan.event_id)  # a concurrent delivery of the same message won
        refusal = await take_answer(session=session, ask=plan.ask, limits=limits(deps.settings))
        if refusal is not None:
            return Outcome("limited", refusal)  # concurrent deliveries used the last of the limit meanwhile
        if remember is not None:
            await deps.coach.remember(*remember, session=session)
        await enqueue(
            session=session,
            channel="email",
            message_id=message_id,
            recipient=plan.recipient,
            subject=str(message["Subject"]),
            payload=outbox_payload(message, deps.settings.mail_from),
        )
    status = "answered" if remember is not None else "unreadable"
    log.info("%s %s for tenant %s in thread %s", status, plan.event_id, claims.tenant_id, claims.thread_key)
    return Outcome(status, answer_id=message_id)


def _lenient_mail(raw: bytes) -> Mail:
    """What can be read of a message that could not be parsed in full: its headers, no text, no attachments."""
    try:
        message = email.message_from_bytes(raw, policy=email.policy.compat32)
        ids = message_ids(message.get("Message-ID"))
        header = {name: " ".join(str(message.get(name, "")).split()) for name in ("From", "Subject")}
        automatic = str(message.get("Auto-Submitted", "no")).strip().lower()
        return Mail(
            message_id=ids[0] if ids else "",
            sender=parseaddr(header["From"])[1],
            recipients=[],
            subject=header["Subject"],
            in_reply_to=message_ids(message.get("In-Reply-To")),
            references=message_ids(message.get("References")),
            text="",
            automatic=None if automatic == "no" else f"Auto-Submitted: {automatic}",
        )
    except Exception:  # noqa: BLE001 - nothing readable at all: answer without threading headers
        return Mail(
            message_id="", sender="", recipients=[], subject="", in_reply_to=[], references=[], text=""
        )
