"""What one SMTP transaction accepted stays with that transaction: an abandoned one never lends its recipient
to the next (issue 14, finding 1)."""

from __future__ import annotations

import asyncio
import secrets
import uuid

from sqlalchemy import select

from bot.email.inbound import InboundServer
from bot.email.sender import deliver_due
from bot.email.tokens import new_thread
from storage.coaching.models import CoachingSession
from storage.database import Database
from storage.settings import Settings
from tests.email.conftest import JANE, OLIVE, TODAY, People
from tests.email.sink import Sink
from tests.email.wire import abandon_after_rcpt, plain_mail, send, token_address

ABANDONED = 300
REPLIES = 100


async def questions_in(db: Database, tenant: uuid.UUID, marker: str) -> list[tuple[str, str]]:
    """(question, thread) of every remembered turn of ``tenant`` whose question carries ``marker``."""
    async with db.tenant_session(tenant) as session:
        rows = await session.execute(
            select(CoachingSession.user_query, CoachingSession.thread_key).where(
                CoachingSession.user_query.contains(marker)
            )
        )
        return [(query, thread) for query, thread in rows.all()]


async def test_abandoned_transactions_never_lend_their_recipient_to_another_tenants_reply(
    db: Database, inbound: InboundServer, settings: Settings, people: People, sink: Sink
) -> None:
    cafe_address = token_address(settings, tenant_id=people.cafe, user_id=people.jane, today=TODAY)
    thread = new_thread()
    books_address = token_address(
        settings, tenant_id=people.books, user_id=people.olive, today=TODAY, thread=thread
    )
    marker = secrets.token_hex(6)
    sent_ids = [f"<{secrets.token_hex(8)}@northside.example>" for _ in range(REPLIES)]

    async def probe() -> None:  # EHLO / MAIL / RCPT to Demo Café's address, then the socket is closed
        for _ in range(ABANDONED):
            accepted = await abandon_after_rcpt(
                inbound.port, to=cafe_address, mail_from="probe@outside.example"
            )
            assert accepted.startswith("250")

    async def owner() -> None:  # Northside's owner replying as usual, while the probe goes on
        for number, message_id in enumerate(sent_ids):
            body = f"How were my book sales last week? Private question {number} ({marker})"
            raw = plain_mail(sender=f"Olive <{OLIVE}>", to=books_address, body=body, message_id=message_id)
            await send(inbound.port, raw, to=books_address, mail_from=OLIVE)

    await asyncio.gather(probe(), owner())
    while (await deliver_due(db, settings, tenant_ids=[people.cafe, people.books])).sent:
        pass  # a pass sends at most 50 per tenant

    to_jane = [r for r in sink.to(JANE) if r.message["In-Reply-To"] in sent_ids]
    in_cafe = await questions_in(db, people.cafe, marker)
    assert (len(to_jane), len(in_cafe)) == (0, 0), f"{len(to_jane)} of {REPLIES} replies crossed to Demo Café"
    to_olive = [r for r in sink.to(OLIVE) if r.message["In-Reply-To"] in sent_ids]
    assert sorted(r.message["In-Reply-To"] for r in to_olive) == sorted(sent_ids)
    remembered = await questions_in(db, people.books, marker)
    assert len(remembered) == REPLIES
    assert {thread_key for _, thread_key in remembered} == {f"email:{thread}"}
