"""The router sends a turn to the cloud model first when the local planner expects several tools or is unsure."""

from __future__ import annotations

import uuid

from coach.core import Coach, Turn
from coach.offline.llm import OfflineLLM
from storage.database import Database
from tests.coach.conftest import TODAY
from tests.llm.conftest import make_settings
from tests.llm.ollama_standin import OllamaStandIn
from tests.llm.openai_standin import OpenAIStandIn
from tests.llm.standins import Say


def auto_coach(db: Database, ollama: OllamaStandIn, openai_api: OpenAIStandIn, offline: OfflineLLM) -> Coach:
    settings = make_settings(ollama, openai_api, llm_provider="auto", llm_escalate_min_tools=3)
    return Coach(db, settings, offline=offline, today=TODAY)


async def test_a_question_needing_three_tools_goes_to_the_cloud_model_first(
    db: Database,
    ollama: OllamaStandIn,
    openai_api: OpenAIStandIn,
    offline_llm: OfflineLLM,
    demo_tenants: dict[str, uuid.UUID],
) -> None:
    openai_api.script(Say("Let me look at each of those."))
    coach = auto_coach(db, ollama, openai_api, offline_llm)
    text = "why did revenue drop last week and what should I order and who should work saturday"

    reply = await coach.answer(Turn(tenant_id=demo_tenants["demo-cafe"], text=text))

    assert reply.provider == "openai"
    assert ollama.received("/api/chat") == []


async def test_a_plain_question_stays_local(
    db: Database,
    ollama: OllamaStandIn,
    openai_api: OpenAIStandIn,
    offline_llm: OfflineLLM,
    demo_tenants: dict[str, uuid.UUID],
) -> None:
    ollama.script(Say("Here are your goals."))
    coach = auto_coach(db, ollama, openai_api, offline_llm)

    reply = await coach.answer(Turn(tenant_id=demo_tenants["demo-cafe"], text="show me my goals"))

    assert reply.provider == "ollama"
    assert openai_api.received() == []
