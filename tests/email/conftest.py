"""Email gateway fixtures: seeded demo tenants with email users, an SMTP sink, the inbound server and a coach
on the scripted Ollama stand-in."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date

import pytest

from bot.email.inbound import InboundHandler, InboundServer
from coach.core import Coach
from storage.database import Database
from storage.goals.service import GoalCreate, create_goal
from storage.settings import Settings
from storage.tenants.users import ensure_email_user
from tests.coach.conftest import DEMO_END, TODAY, _forbid_global_llm, demo_tenants  # noqa: F401 - fixtures
from tests.email.sink import Sink
from tests.llm.canned import CannedLLM
from tests.llm.conftest import _ollama_session, _openai_session, make_settings, ollama, openai_api  # noqa: F401
from tests.llm.ollama_standin import OllamaStandIn
from tests.llm.openai_standin import OpenAIStandIn

DOMAIN = "coach.example"
JANE = "jane@demo-cafe.example"
OLIVE = "olive@northside.example"
MAX_BYTES = 64_000


@dataclass(frozen=True)
class People:
    """The email users the tests talk as."""

    cafe: uuid.UUID
    books: uuid.UUID
    jane: uuid.UUID  # Demo Café owner
    olive: uuid.UUID  # Northside Books owner


def email_settings(base: Settings, sink_port: int, **overrides: object) -> Settings:
    """``base`` pointed at the sink, with our domain and the tests' secret."""
    fields = base.model_dump() | {
        "secret_key": "test-secret-key-not-for-production",
        "smtp_host": "127.0.0.1",
        "smtp_port": sink_port,
        "smtp_starttls": False,
        "mail_from": f"Business Coach <coach@{DOMAIN}>",
        "reply_domain": DOMAIN,
        "inbound_host": "127.0.0.1",
        "inbound_port": 1025,
        "max_message_bytes": MAX_BYTES,
        "public_base_url": "https://coach.example",
        # the answer limits are tested on their own (test_limits.py); elsewhere they stay out of the way
        "email_answers_per_token_hour": 10_000,
        "email_answers_per_sender_hour": 10_000,
        "email_stranger_answers_per_day": 10_000,
    }
    fields.update(overrides)
    return Settings(**fields)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
async def people(db: Database, demo_tenants: dict[str, uuid.UUID]) -> People:  # noqa: F811
    """Jane at Demo Café (with an at-risk goal) and Olive at Northside Books."""
    cafe, books = demo_tenants["demo-cafe"], demo_tenants["northside-books"]
    async with db.tenant_session(cafe) as session:
        jane = await ensure_email_user(session=session, email=JANE, display_name="Jane Owner")
        await create_goal(
            session=session,
            goal=GoalCreate(
                title="Revenue $250,000 in June and July",
                metric="revenue",
                dimension="",
                target_value=250_000,
                deadline=date(2026, 7, 31),
                aggregation="total",
                start_date=date(2026, 6, 1),
                user_id=jane.id,
                outlook=None,
            ),
        )
    async with db.tenant_session(books) as session:
        olive = await ensure_email_user(session=session, email=OLIVE, display_name="Olive")
    return People(cafe=cafe, books=books, jane=jane.id, olive=olive.id)


@pytest.fixture(scope="session")
async def sink() -> AsyncIterator[Sink]:
    """The outbound relay stand-in."""
    server = Sink()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def settings(sink: Sink, ollama: OllamaStandIn, openai_api: OpenAIStandIn) -> Settings:  # noqa: F811
    """Settings for the gateway: sink relay, our domain, the Ollama stand-in as the model."""
    return email_settings(make_settings(ollama, openai_api, llm_provider="ollama"), sink.port)


@pytest.fixture
def coach(db: Database, settings: Settings) -> Coach:
    """The coach on the scripted Ollama stand-in, on the demo data's 'today'."""
    return Coach(db, settings, offline=CannedLLM(answer="Offline answer."), today=TODAY)


@pytest.fixture
async def inbound(db: Database, settings: Settings, coach: Coach) -> AsyncIterator[InboundServer]:
    """The inbound listener on a free loopback port."""
    handler = InboundHandler(db, settings, coach, today=lambda: TODAY)
    async with InboundServer(handler, settings, port=0) as server:
        yield server


__all__ = ["DEMO_END", "TODAY"]


@dataclass(frozen=True)
class SentDigest:
    """Demo Café's digest for Jane, queued, delivered to the sink and parsed."""

    received: object
    run: object


@pytest.fixture(scope="session")
async def sent_digest(db: Database, people: People, sink: Sink) -> SentDigest:
    """Compose, queue and deliver Demo Café's digest once for the session (composing takes seconds)."""
    from bot.email.digests import queue_digests
    from bot.email.sender import deliver_due

    settings = email_settings(Settings(), sink.port)
    run = await queue_digests(db, settings, today=TODAY, tenant_ids=[people.cafe])
    await deliver_due(db, settings, tenant_ids=[people.cafe])
    mails = [r for r in sink.to(JANE) if r.message["Message-ID"] in run.queued]
    assert len(mails) == 1, run
    return SentDigest(received=mails[0], run=run)
