"""Answers are limited per reply token, per sender and for strangers; mail over a limit is accepted (250) and
counted but not answered, and the limits hold across several instances (issue 14, finding 6)."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections import Counter
from collections.abc import AsyncIterator

import pytest

from bot.email.inbound import InboundHandler, InboundServer
from bot.email.sender import deliver_due
from coach.core import Coach
from storage.database import Database
from storage.settings import Settings
from storage.tenants.users import ensure_email_user
from tests.email.conftest import TODAY, People
from tests.email.sink import Sink
from tests.email.wire import plain_mail, send, token_address

PER_TOKEN, PER_SENDER, STRANGER_DAY = 6, 4, 3


def limited_settings(settings: Settings, **limits: int) -> Settings:
    """``settings`` with the answer limits of these tests (or the ones given)."""
    values = {
        "email_answers_per_token_hour": PER_TOKEN,
        "email_answers_per_sender_hour": PER_SENDER,
        "email_stranger_answers_per_day": STRANGER_DAY,
    }
    return settings.model_copy(update=values | {f"email_{k}": v for k, v in limits.items()})


@pytest.fixture
async def owner(db: Database, people: People) -> tuple[uuid.UUID, str]:
    """A fresh person at Demo Café (id, address), so no other test has used any of their limits."""
    address = f"owner-{secrets.token_hex(4)}@demo-cafe.example"
    async with db.tenant_session(people.cafe) as session:
        user = await ensure_email_user(session=session, email=address, display_name="Owner")
    return user.id, address


@pytest.fixture
def stranger() -> str:
    """An address that is nobody's at the business, new for each test (the per-sender limit counts by address)."""
    return f"stranger-{secrets.token_hex(4)}@outside.example"


@pytest.fixture
async def servers() -> AsyncIterator[list[InboundServer]]:
    """The inbound listeners a test starts (each an instance of ``coach serve``), stopped at the end."""
    started: list[InboundServer] = []
    yield started
    for server in started:
        await server.stop()


async def start(
    db: Database, coach: Coach, settings: Settings, started: list[InboundServer]
) -> InboundServer:
    """A listener with its own handler on the shared database."""
    server = InboundServer(InboundHandler(db, settings, coach, today=lambda: TODAY), settings, port=0)
    await server.start()
    started.append(server)
    return server


def statuses(*servers: InboundServer) -> Counter[str]:
    """How many messages each outcome status got, over these listeners."""
    return Counter(o.status for s in servers for o in s.handler.outcomes)


async def test_fifty_mails_from_a_stranger_with_a_valid_token_get_at_most_the_stranger_limit_answered(
    db: Database,
    coach: Coach,
    settings: Settings,
    people: People,
    sink: Sink,
    owner: tuple[uuid.UUID, str],
    stranger: str,
    servers: list[InboundServer],
) -> None:
    user_id, address = owner
    limited = limited_settings(settings)
    server = await start(db, coach, limited, servers)
    to = token_address(limited, tenant_id=people.cafe, user_id=user_id, today=TODAY)

    for number in range(50):
        raw = plain_mail(sender=stranger, to=to, body=f"What were sales last week? ({number})")
        await send(server.port, raw, to=to, mail_from=stranger)  # each accepted with 250
    await deliver_due(db, limited, tenant_ids=[people.cafe])

    assert statuses(server) == {"answered": STRANGER_DAY, "limited": 50 - STRANGER_DAY}
    assert len(sink.to(address)) == STRANGER_DAY
    assert sink.to(stranger) == []


async def test_one_reply_address_is_answered_at_most_the_per_token_limit_an_hour(
    db: Database,
    coach: Coach,
    settings: Settings,
    people: People,
    owner: tuple[uuid.UUID, str],
    servers: list[InboundServer],
) -> None:
    user_id, address = owner
    limited = limited_settings(settings, answers_per_sender_hour=100)
    server = await start(db, coach, limited, servers)
    to = token_address(limited, tenant_id=people.cafe, user_id=user_id, today=TODAY)

    for number in range(PER_TOKEN + 3):
        await send(server.port, plain_mail(sender=address, to=to, body=f"How was June? ({number})"), to=to)

    assert statuses(server) == {"answered": PER_TOKEN, "limited": 3}
    assert server.handler.outcomes[-1].reason.startswith("per token")


async def test_one_sender_is_answered_at_most_the_per_sender_limit_an_hour_across_reply_addresses(
    db: Database,
    coach: Coach,
    settings: Settings,
    people: People,
    owner: tuple[uuid.UUID, str],
    servers: list[InboundServer],
) -> None:
    user_id, address = owner
    limited = limited_settings(settings)
    server = await start(db, coach, limited, servers)

    for number in range(PER_SENDER + 2):
        to = token_address(limited, tenant_id=people.cafe, user_id=user_id, today=TODAY)  # a new thread each
        await send(server.port, plain_mail(sender=address, to=to, body=f"How was May? ({number})"), to=to)

    assert statuses(server) == {"answered": PER_SENDER, "limited": 2}
    assert server.handler.outcomes[-1].reason.startswith("per sender")


async def test_the_limits_hold_across_two_instances_answering_at_the_same_time(
    db: Database,
    coach: Coach,
    settings: Settings,
    people: People,
    owner: tuple[uuid.UUID, str],
    stranger: str,
    servers: list[InboundServer],
) -> None:
    user_id, _ = owner
    limited = limited_settings(settings)
    first, second = await start(db, coach, limited, servers), await start(db, coach, limited, servers)
    to = token_address(limited, tenant_id=people.cafe, user_id=user_id, today=TODAY)

    async def write(server: InboundServer, number: int) -> None:
        raw = plain_mail(sender=stranger, to=to, body=f"What were orders last week? ({number})")
        await send(server.port, raw, to=to, mail_from=stranger)

    await asyncio.gather(*(write((first, second)[n % 2], n) for n in range(20)))

    assert statuses(first, second) == {"answered": STRANGER_DAY, "limited": 20 - STRANGER_DAY}
