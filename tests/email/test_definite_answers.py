"""Every reply gets a definite answer: handled, a could-not-read note, or 550; a passing failure (the database
unreachable) gets 451 without internals, and the retry is answered (issue 14, finding 3)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from email.message import EmailMessage
from email.policy import SMTP

import aiosmtplib
import pytest

from bot.email.inbound import InboundHandler, InboundServer
from bot.email.sender import deliver_due
from coach.core import Coach
from storage.database import Database
from storage.settings import Settings
from tests.email.conftest import JANE, TODAY, People
from tests.email.sink import Received, Sink, closed_port
from tests.email.wire import plain_mail, send, token_address

INTERNALS = (
    "error",
    "exception",
    "refused",
    "errno",
    "asyncpg",
    "sqlalchemy",
    "postgres",
    "connect",
    "traceback",
)


@pytest.fixture
async def dead_db(db: Database) -> AsyncIterator[Database]:
    """A Database like the tests' own, but pointing at a loopback port nothing listens on."""
    nowhere = db.app_url.set(host="127.0.0.1", port=closed_port(), query={})
    dead = Database(owner_url=nowhere, app_url=nowhere, pool_size=1, server=None)
    yield dead
    await dead.close()


def jane_reply(settings: Settings, people: People) -> str:
    return token_address(settings, tenant_id=people.cafe, user_id=people.jane, today=TODAY)


async def answer_to(
    db: Database, settings: Settings, people: People, sink: Sink, message_id: str
) -> Received:
    """Deliver the outbox and return the one answer threaded under ``message_id``."""
    await deliver_due(db, settings, tenant_ids=[people.cafe])
    found = [r for r in sink.to(JANE) if r.message["In-Reply-To"] == message_id]
    assert len(found) == 1
    return found[0]


def plain_text(received: Received) -> str:
    body = received.message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def no_internals(message: str) -> bool:
    return not any(word in message.lower() for word in INTERNALS)


async def test_an_empty_reply_gets_a_could_not_read_note(
    db: Database, inbound: InboundServer, settings: Settings, people: People, sink: Sink
) -> None:
    to, message_id = jane_reply(settings, people), f"<{secrets.token_hex(8)}@mail.example>"

    await send(inbound.port, plain_mail(sender=JANE, to=to, body="", message_id=message_id), to=to)  # 250

    assert inbound.handler.outcomes[-1].status == "unreadable"
    assert "could not read a question in your email" in plain_text(
        await answer_to(db, settings, people, sink, message_id)
    )


async def test_an_attachment_only_reply_gets_a_note_naming_the_attachment(
    db: Database, inbound: InboundServer, settings: Settings, people: People, sink: Sink
) -> None:
    to, message_id = jane_reply(settings, people), f"<{secrets.token_hex(8)}@mail.example>"
    message = EmailMessage(policy=SMTP)
    message["From"], message["To"], message["Subject"] = JANE, to, "Re: Your week"
    message["Message-ID"] = message_id
    message.add_attachment(b"%PDF-1.4 prices", maintype="application", subtype="pdf", filename="prices.pdf")

    await send(inbound.port, message.as_bytes(), to=to)  # 250, or it raises

    assert inbound.handler.outcomes[-1].status == "unreadable"
    text = plain_text(await answer_to(db, settings, people, sink, message_id))
    assert "prices.pdf" in text and "can't open attachments" in text


async def test_a_subject_whose_encoded_word_is_a_line_break_is_answered_on_one_line(
    db: Database, inbound: InboundServer, settings: Settings, people: People, sink: Sink
) -> None:
    to, message_id = jane_reply(settings, people), f"<{secrets.token_hex(8)}@mail.example>"
    raw = plain_mail(
        sender=JANE,
        to=to,
        body="How were orders last week?",
        subject="=?utf-8?q?Sales=0D=0Aquestion?=",
        message_id=message_id,
    )

    await send(inbound.port, raw, to=to)  # 250, or it raises

    assert inbound.handler.outcomes[-1].status == "answered"
    answer = await answer_to(db, settings, people, sink, message_id)
    assert answer.message["Subject"] == "Re: Sales question"


async def test_a_reply_the_mail_parser_fails_on_gets_a_could_not_read_note_not_451(
    db: Database, inbound: InboundServer, settings: Settings, people: People, sink: Sink
) -> None:
    to = jane_reply(settings, people)
    raw = plain_mail(sender=JANE, to=to, body="How was June?", message_id="<")  # IndexError in the stdlib

    await send(inbound.port, raw, to=to)  # 250, or it raises

    outcome = inbound.handler.outcomes[-1]
    assert outcome.status == "unreadable"
    await deliver_due(db, settings, tenant_ids=[people.cafe])
    [note] = [r for r in sink.to(JANE) if r.message["Message-ID"] == outcome.answer_id]
    assert "could not read a question in your email" in plain_text(note)


async def test_the_database_unreachable_at_rcpt_gets_451_without_internals(
    dead_db: Database, settings: Settings, coach: Coach, people: People
) -> None:
    handler = InboundHandler(dead_db, settings, coach, today=lambda: TODAY)
    to = jane_reply(settings, people)
    async with InboundServer(handler, settings, port=0) as server:
        with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
            await send(server.port, plain_mail(sender=JANE, to=to, body="How was June?"), to=to)
    status = refused.value.recipients[0]
    assert status.code == 451
    assert no_internals(status.message), status.message


async def test_the_database_unreachable_at_data_gets_451_and_the_retry_is_answered(
    db: Database, dead_db: Database, inbound: InboundServer, settings: Settings, people: People, sink: Sink
) -> None:
    to, message_id = jane_reply(settings, people), f"<{secrets.token_hex(8)}@mail.example>"
    raw = plain_mail(sender=JANE, to=to, body="How many customers came last week?", message_id=message_id)
    handler = inbound.handler
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=inbound.port, start_tls=False, timeout=30) as smtp:
        await smtp.mail(JANE)
        await smtp.rcpt(to)
        handler.db = dead_db  # the database goes away between RCPT and the end of DATA
        try:
            with pytest.raises(aiosmtplib.SMTPDataError) as failed:
                await smtp.data(raw)
        finally:
            handler.db = db

    assert failed.value.code == 451
    assert no_internals(failed.value.message), failed.value.message
    await send(inbound.port, raw, to=to)  # the sending server retries once the database is back
    assert handler.outcomes[-1].status == "answered"
    await answer_to(db, settings, people, sink, message_id)
