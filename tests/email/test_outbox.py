"""The outbox sender: retries with backoff while the relay is down, then delivers once; a crash mid-send never
produces a second copy."""

from __future__ import annotations

import asyncio
import base64
import secrets
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from bot.email import sender as sender_module
from bot.email.sender import LEASE, deliver_due
from storage.database import Database
from storage.messaging.outbox import enqueue, get_by_message_id
from storage.settings import Settings
from tests.conftest import new_tenant
from tests.email.sink import Sink, closed_port


async def queued(db: Database) -> tuple[uuid.UUID, str, str]:
    """A fresh tenant with one message waiting: (tenant, Message-ID, recipient)."""
    tenant = await new_tenant(db, "mail")
    message_id = f"<{secrets.token_hex(6)}@coach.example>"
    recipient = f"{secrets.token_hex(4)}@owner.example"
    raw = f"From: coach@coach.example\r\nTo: {recipient}\r\nMessage-ID: {message_id}\r\nSubject: hi\r\n\r\n.dot\r\n"
    async with db.tenant_session(tenant) as session:
        assert await enqueue(
            session=session,
            channel="email",
            message_id=message_id,
            recipient=recipient,
            subject="hi",
            payload={"mail_from": "coach@coach.example", "raw": base64.b64encode(raw.encode()).decode()},
        )
    return tenant, message_id, recipient


async def status(db: Database, tenant: uuid.UUID, message_id: str) -> tuple[str, int]:
    async with db.tenant_session(tenant) as session:
        row = await get_by_message_id(session=session, message_id=message_id)
        assert row is not None
        return row.status, row.attempts


async def test_relay_down_retries_with_backoff_then_delivers_once(
    db: Database, settings: Settings, sink: Sink
) -> None:
    tenant, message_id, recipient = await queued(db)
    T0 = datetime.now(UTC) + timedelta(seconds=1)  # noqa: N806 - the moment the test starts from
    down = settings.model_copy(update={"smtp_port": closed_port()})

    first = await deliver_due(db, down, now=T0, tenant_ids=[tenant])
    too_soon = await deliver_due(db, settings, now=T0 + timedelta(seconds=10), tenant_ids=[tenant])
    second = await deliver_due(db, down, now=T0 + timedelta(seconds=31), tenant_ids=[tenant])
    assert first.retried == [message_id] and too_soon.sent == [] and second.retried == [message_id]
    assert await status(db, tenant, message_id) == ("pending", 2)

    delivered = await deliver_due(db, settings, now=T0 + timedelta(seconds=92), tenant_ids=[tenant])
    again = await deliver_due(db, settings, now=T0 + timedelta(days=1), tenant_ids=[tenant])
    assert delivered.sent == [message_id] and again.sent == []
    copies = sink.to(recipient)
    assert len(copies) == 1 and copies[0].message["Message-ID"] == message_id
    assert copies[0].raw.rstrip().endswith(b".dot")  # a leading dot survives dot-stuffing
    assert await status(db, tenant, message_id) == ("sent", 3)


async def test_a_crash_before_marking_sent_leaves_no_copy_and_the_retry_sends_exactly_one(
    db: Database, settings: Settings, sink: Sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant, message_id, recipient = await queued(db)
    T0 = datetime.now(UTC) + timedelta(seconds=1)  # noqa: N806

    async def crash(**_: object) -> None:
        raise RuntimeError("process killed between writing the message and marking it sent")

    monkeypatch.setattr(sender_module, "mark_sent", crash)
    await deliver_due(db, settings, now=T0, tenant_ids=[tenant])
    monkeypatch.undo()
    assert sink.to(recipient) == []  # DATA never ended, so the relay dropped the half-sent message
    assert await status(db, tenant, message_id) == ("sending", 1)

    during_lease = await deliver_due(db, settings, now=T0 + LEASE / 2, tenant_ids=[tenant])
    after_lease = await deliver_due(db, settings, now=T0 + LEASE + timedelta(seconds=1), tenant_ids=[tenant])
    assert during_lease.sent == [] and after_lease.sent == [message_id]
    assert len(sink.to(recipient)) == 1


async def test_queueing_the_same_message_id_twice_writes_one_row(db: Database) -> None:
    tenant, message_id, recipient = await queued(db)
    async with db.tenant_session(tenant) as session:
        again = await enqueue(
            session=session,
            channel="email",
            message_id=message_id,
            recipient=recipient,
            subject="hi",
            payload={"mail_from": "x@y", "raw": ""},
        )
    assert again is False


class HangUpAfterData(Sink):
    """A relay that reads the whole message, then drops the connection instead of answering the final dot."""

    def __init__(self) -> None:
        super().__init__()
        self.taken = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        del session, envelope
        self.taken += 1
        assert isinstance(server.transport, asyncio.Transport)
        server.transport.abort()
        return "250 OK"


async def test_a_relay_that_hangs_up_after_the_final_dot_is_never_sent_the_message_again(
    db: Database, settings: Settings, sink: Sink
) -> None:
    tenant, message_id, recipient = await queued(db)
    T0 = datetime.now(UTC) + timedelta(seconds=1)  # noqa: N806
    flaky = HangUpAfterData()
    await flaky.start()
    try:
        first = await deliver_due(db, settings.model_copy(update={"smtp_port": flaky.port}), now=T0,
                                  tenant_ids=[tenant])  # fmt: skip
    finally:
        await flaky.stop()
    later = await deliver_due(db, settings, now=T0 + timedelta(days=1), tenant_ids=[tenant])

    assert flaky.taken == 1 and first.sent == [message_id] and first.retried == []
    assert later.sent == [] and sink.to(recipient) == []
    assert await status(db, tenant, message_id) == ("sent", 1)
