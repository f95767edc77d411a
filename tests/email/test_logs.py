"""Reply and unsubscribe tokens never reach a log line, at any level; a short hash stands for them (issue 14,
finding 5)."""

from __future__ import annotations

import logging
import secrets

import aiosmtplib
import pytest

from bot.email.inbound import InboundHandler, InboundServer
from bot.email.redact import redact, token_tag
from coach.core import Coach
from storage.database import Database
from storage.settings import Settings
from storage.tenants.users import ensure_email_user
from tests.email.conftest import JANE, TODAY, People
from tests.email.sink import closed_port
from tests.email.wire import plain_mail, send, token_address, token_of


async def test_no_token_appears_in_any_log_record(
    caplog: pytest.LogCaptureFixture,
    db: Database,
    inbound: InboundServer,
    settings: Settings,
    coach: Coach,
    people: People,
) -> None:
    caplog.set_level(logging.DEBUG)
    async with db.tenant_session(people.cafe) as session:
        leaving = await ensure_email_user(
            session=session, email=f"leaving-{secrets.token_hex(4)}@demo-cafe.example", display_name="Leaving"
        )
    reply = token_address(settings, tenant_id=people.cafe, user_id=people.jane, today=TODAY)
    unsubscribe = token_address(
        settings, tenant_id=people.cafe, user_id=leaving.id, today=TODAY, purpose="unsubscribe"
    )
    forged = reply[:-20] + ("b" if reply[-20] != "b" else "c") + reply[-19:]
    nowhere = db.app_url.set(host="127.0.0.1", port=closed_port(), query={})
    dead = Database(owner_url=nowhere, app_url=nowhere, pool_size=1, server=None)

    await send(inbound.port, plain_mail(sender=JANE, to=reply, body="How was revenue last week?"), to=reply)
    await send(inbound.port, plain_mail(sender=JANE, to=unsubscribe, body="unsubscribe"), to=unsubscribe)
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
        await send(inbound.port, plain_mail(sender=JANE, to=forged, body="Hello?"), to=forged)
    async with InboundServer(
        InboundHandler(dead, settings, coach, today=lambda: TODAY), settings, port=0
    ) as down:
        with pytest.raises(aiosmtplib.SMTPRecipientsRefused):  # 451 at RCPT, logged as a warning
            await send(down.port, plain_mail(sender=JANE, to=reply, body="How was June?"), to=reply)
    inbound.handler.db = dead
    try:
        with pytest.raises(aiosmtplib.SMTPDataError):  # 451 at DATA, logged as a warning
            await send(inbound.port, plain_mail(sender=JANE, to=reply, body="How was July?"), to=reply)
    finally:
        inbound.handler.db = db
        await dead.close()

    tokens = [token_of(address) for address in (reply, unsubscribe, forged)]
    logged = caplog.text.lower() + "\n".join(r.getMessage().lower() for r in caplog.records)
    assert [t for t in tokens if t.lower() in logged] == []
    assert token_tag(token_of(forged)) in logged  # the refused RCPT is still traceable by its hash
    assert any(r.name == "mail.log" and token_tag(token_of(reply)) in r.getMessage() for r in caplog.records)


def test_redact_leaves_only_the_hash_of_a_token_in_an_address_or_a_link() -> None:
    token = "a" * 47
    line = f"RCPT TO:<reply+{token}@coach.example> and https://coach.example/unsubscribe?token={token}&x=1"
    assert redact(line) == (
        f"RCPT TO:<reply+{token_tag(token)}@coach.example> and "
        f"https://coach.example/unsubscribe?token={token_tag(token)}&x=1"
    )
