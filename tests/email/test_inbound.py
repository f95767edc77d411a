"""The inbound listener refuses what is not ours before DATA, limits size, and answers each real reply once."""

from __future__ import annotations

import secrets

import aiosmtplib
import pytest

from bot.email.inbound import InboundServer
from bot.email.sender import deliver_due
from bot.email.tokens import new_thread, reply_token
from storage.database import Database
from storage.messaging.outbox import count_waiting
from storage.secrets import secret_key
from storage.settings import Settings
from tests.email.conftest import DOMAIN, JANE, MAX_BYTES, TODAY, People
from tests.email.sink import Sink
from tests.email.wire import send
from tests.llm.ollama_standin import OllamaStandIn
from tests.llm.standins import CallTool, Say


def jane_address(settings: Settings, people: People) -> str:
    token = reply_token(
        secret_key(settings),
        tenant_id=people.cafe,
        user_id=people.jane,
        thread=new_thread(),
        today=TODAY,
        days=60,
    )
    return f"reply+{token}@{DOMAIN}"


def question(
    to: str, *, body: str = "How were orders last week?", headers: str = "", message_id: str = ""
) -> bytes:
    mid = message_id or f"<{secrets.token_hex(8)}@mail.example>"
    return (
        f"From: Jane Owner <{JANE}>\r\nTo: {to}\r\nSubject: Re: Your week\r\nMessage-ID: {mid}\r\n{headers}"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


async def test_a_bad_token_is_refused_with_550_at_rcpt(inbound: InboundServer) -> None:
    to = f"reply+{'a' * 47}@{DOMAIN}"
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
        await send(inbound.port, question(to), to=to)
    assert refused.value.recipients[0].code == 550


async def test_a_forged_token_for_a_real_user_is_refused(
    inbound: InboundServer, settings: Settings, people: People
) -> None:
    good = jane_address(settings, people)
    local, _, domain = good.partition("@")
    forged = f"{local[:-2]}{'aa' if local[-2:] != 'aa' else 'bb'}@{domain}"
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
        await send(inbound.port, question(forged), to=forged)
    assert refused.value.recipients[0].code == 550


async def test_another_domain_is_refused_with_550(
    inbound: InboundServer, settings: Settings, people: People
) -> None:
    to = jane_address(settings, people).replace(DOMAIN, "elsewhere.example")
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
        await send(inbound.port, question(to), to=to)
    assert refused.value.recipients[0].code == 550


async def test_an_oversized_message_is_refused_with_552(
    inbound: InboundServer, settings: Settings, people: People
) -> None:
    to = jane_address(settings, people)
    with pytest.raises(aiosmtplib.SMTPResponseException) as refused:
        await send(inbound.port, question(to, body="x" * (MAX_BYTES + 1000)), to=to)
    assert refused.value.code == 552


@pytest.mark.parametrize(
    ("headers", "mail_from"),
    [
        ("Auto-Submitted: auto-replied\r\n", JANE),
        ("Precedence: bulk\r\n", JANE),
        ("", ""),  # a bounce: null envelope sender
    ],
)
async def test_automatic_mail_and_bounces_get_no_answer(
    headers: str,
    mail_from: str,
    db: Database,
    inbound: InboundServer,
    settings: Settings,
    people: People,
    ollama: OllamaStandIn,
) -> None:
    to = jane_address(settings, people)
    asked = len(ollama.received("/api/chat"))
    await send(
        inbound.port,
        question(to, body="I am out of the office.", headers=headers),
        to=to,
        mail_from=mail_from,
    )
    assert inbound.handler.outcomes[-1].status == "ignored"
    assert len(ollama.received("/api/chat")) == asked
    async with db.tenant_session(people.cafe) as session:
        assert await count_waiting(session=session, channel="email") == 0


async def test_our_own_message_coming_back_is_ignored(
    inbound: InboundServer, settings: Settings, people: People, sent_digest: object
) -> None:
    to = jane_address(settings, people)
    own = sent_digest.received.message["Message-ID"]  # type: ignore[attr-defined]
    await send(inbound.port, question(to, message_id=own), to=to)
    assert inbound.handler.outcomes[-1].status == "ignored"
    assert "loop" in inbound.handler.outcomes[-1].reason


async def test_the_same_message_delivered_twice_is_answered_once(
    db: Database,
    inbound: InboundServer,
    settings: Settings,
    people: People,
    sink: Sink,
    ollama: OllamaStandIn,
) -> None:
    ollama.script(
        CallTool("metric_summary", {"metric": "orders", "period": "last week"}), Say("Orders were fine.")
    )
    to = jane_address(settings, people)
    raw = question(to)
    before = len(sink.to(JANE))
    await send(inbound.port, raw, to=to)
    await send(inbound.port, raw, to=to)
    await deliver_due(db, settings, tenant_ids=[people.cafe])
    assert [o.status for o in inbound.handler.outcomes[-2:]] == ["answered", "duplicate"]
    assert len(sink.to(JANE)) - before == 1


async def test_two_deliveries_racing_each_other_leave_one_answer_and_one_remembered_turn(
    db: Database, inbound: InboundServer, settings: Settings, people: People, sink: Sink
) -> None:
    import asyncio

    from sqlalchemy import func, select

    from storage.coaching.models import CoachingSession

    to = jane_address(settings, people)
    body = f"How many customers came last week? ({secrets.token_hex(4)})"
    raw = question(to, body=body)
    before = len(sink.to(JANE))

    await asyncio.gather(send(inbound.port, raw, to=to), send(inbound.port, raw, to=to))
    await deliver_due(db, settings, tenant_ids=[people.cafe])

    async with db.tenant_session(people.cafe) as session:
        turns = await session.scalar(
            select(func.count()).select_from(CoachingSession).where(CoachingSession.user_query == body)
        )
    assert sorted(o.status for o in inbound.handler.outcomes[-2:]) == ["answered", "duplicate"]
    assert len(sink.to(JANE)) - before == 1
    assert turns == 1
