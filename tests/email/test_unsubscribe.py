"""Unsubscribing by the signed link or the List-Unsubscribe mailto really stops the next digest."""

from __future__ import annotations

import secrets
import uuid

from bot.email.digests import queue_digests
from bot.email.identity import Directory
from bot.email.inbound import InboundServer
from bot.email.tokens import unsubscribe_token
from bot.email.unsubscribe import apply_unsubscribe, unsubscribe_route
from storage.database import Database
from storage.messaging.outbox import count_waiting
from storage.secrets import secret_key
from storage.settings import Settings
from storage.tenants.users import digest_recipients, ensure_email_user, get_user
from tests.email.conftest import DOMAIN, TODAY, People
from tests.email.wire import send


async def reader(db: Database, tenant: uuid.UUID) -> uuid.UUID:
    async with db.tenant_session(tenant) as session:
        user = await ensure_email_user(session=session, email=f"{secrets.token_hex(4)}@reader.example")
        return user.id


async def recipients(db: Database, tenant: uuid.UUID) -> set[uuid.UUID]:
    async with db.tenant_session(tenant) as session:
        return {u.id for u in await digest_recipients(session=session)}


async def test_the_link_stops_the_next_digest(db: Database, settings: Settings, people: People) -> None:
    key = secret_key(settings)
    token = unsubscribe_token(key, tenant_id=people.books, user_id=people.olive)
    assert people.olive in await recipients(db, people.books)

    assert await apply_unsubscribe(db, Directory(db, key), token, today=TODAY)

    assert people.olive not in await recipients(db, people.books)
    run = await queue_digests(db, settings, today=TODAY, tenant_ids=[people.books])
    assert run.queued == []  # no email (Slack users met by other tests may still get a DM)
    async with db.tenant_session(people.books) as session:
        assert await count_waiting(session=session, channel="email") == 0


async def test_the_link_asks_for_a_click_and_only_the_post_unsubscribes(
    db: Database, settings: Settings, people: People
) -> None:
    user = await reader(db, people.books)
    token = unsubscribe_token(secret_key(settings), tenant_id=people.books, user_id=user)

    bad = await unsubscribe_route(token[:-4] + "aaaa", db, settings, confirmed=False)
    opened = await unsubscribe_route(token, db, settings, confirmed=False)
    assert (bad.status_code, opened.status_code) == (400, 200)
    assert b'method="post"' in opened.body and user in await recipients(db, people.books)

    clicked = await unsubscribe_route(token, db, settings, confirmed=True)
    assert clicked.status_code == 200 and b"You are unsubscribed" in clicked.body
    assert user not in await recipients(db, people.books)


async def test_a_reply_token_cannot_unsubscribe(db: Database, settings: Settings, people: People) -> None:
    from bot.email.tokens import new_thread, reply_token

    user = await reader(db, people.books)
    token = reply_token(
        secret_key(settings), tenant_id=people.books, user_id=user, thread=new_thread(), today=TODAY, days=9
    )
    assert not await apply_unsubscribe(db, Directory(db, secret_key(settings)), token, today=TODAY)
    assert user in await recipients(db, people.books)


async def test_the_list_unsubscribe_mailto_is_honoured(
    db: Database, settings: Settings, people: People, inbound: InboundServer
) -> None:
    user = await reader(db, people.books)
    to = f"unsubscribe+{unsubscribe_token(secret_key(settings), tenant_id=people.books, user_id=user)}@{DOMAIN}"
    raw = f"From: r@reader.example\r\nTo: {to}\r\nSubject: unsubscribe\r\nMessage-ID: <u1@r>\r\n\r\nunsubscribe\r\n"
    await send(inbound.port, raw.encode(), to=to)
    async with db.tenant_session(people.books) as session:
        found = await get_user(session=session, user_id=user)
        assert found is not None and found.digest_opt_out
