"""Memory: every turn is embedded into pgvector, and search_history only ever finds the tenant's own turns."""

from __future__ import annotations

import json
import uuid

import pytest

from coach.core import Coach, Turn
from coach.embeddings import embed
from storage.database import Database
from tests.coach.conftest import TODAY
from tests.llm.canned import CannedLLM
from tests.llm.conftest import make_settings
from tests.llm.ollama_standin import OllamaStandIn
from tests.llm.openai_standin import OpenAIStandIn
from tests.llm.standins import CallTool, Say


@pytest.fixture
def coach(db: Database, ollama: OllamaStandIn, openai_api: OpenAIStandIn) -> Coach:
    settings = make_settings(ollama, openai_api, llm_provider="ollama")
    return Coach(db, settings, offline=CannedLLM(), embed=embed, today=TODAY)


async def search(coach: Coach, ollama: OllamaStandIn, tenant: uuid.UUID, query: str) -> dict:  # type: ignore[type-arg]
    ollama.script(CallTool("search_history", {"query": query}), Say("Here is what I found."))
    reply = await coach.answer(Turn(tenant_id=tenant, text=f"what did we say about {query}?"))
    return json.loads(reply.results[0].for_model())


async def test_search_history_finds_the_tenants_own_turns_and_never_another_tenants(
    coach: Coach, ollama: OllamaStandIn, demo_tenants: dict[str, uuid.UUID]
) -> None:
    cafe, books = demo_tenants["demo-cafe"], demo_tenants["northside-books"]
    secret = f"oat milk supplier contract {uuid.uuid4().hex[:6]}"
    ollama.script(Say("Noted: renegotiate the oat milk supplier."))
    await coach.answer(Turn(tenant_id=cafe, text=f"Remind me to renegotiate the {secret}"))

    own = await search(coach, ollama, cafe, "oat milk supplier")
    other = await search(coach, ollama, books, "oat milk supplier")

    assert own["ok"] and any(secret in row["question"] for row in own["table"])
    assert all(secret not in json.dumps(row) for row in other["table"])
    assert secret not in json.dumps(other)
