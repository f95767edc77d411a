"""Token counts come from what the providers report, in every shape; cost follows the price table."""

from __future__ import annotations

import pytest
from llama_index.core.agent.workflow import AgentOutput, FunctionAgent
from llama_index.core.base.llms.types import ChatMessage, ChatResponse
from llama_index.core.llms.function_calling import FunctionCallingLLM
from llama_index.core.tools import FunctionTool

from coach.llm.providers import ProviderSpec, build_ollama, build_openai, ollama_spec, openai_spec
from coach.llm.usage import estimate_cost, usage_from_response
from storage.settings import Settings
from tests.llm.conftest import make_settings
from tests.llm.ollama_standin import OllamaStandIn
from tests.llm.openai_standin import OpenAIStandIn
from tests.llm.standins import CallTool, Say

QUESTION = [ChatMessage(role="user", content="How did we do?")]


async def last_streamed(llm: FunctionCallingLLM) -> ChatResponse:
    """The final chunk of a streamed chat."""
    last = None
    async for last in await llm.astream_chat(QUESTION):  # noqa: B007 - only the last chunk matters
        pass
    assert last is not None
    return last


@pytest.mark.parametrize("streaming", [False, True], ids=["json", "stream"])
async def test_openai_usage_is_read_from_the_response(
    llm_settings: Settings, openai_api: OpenAIStandIn, streaming: bool
) -> None:
    openai_api.script(Say("Fine.", usage=(1200, 300)))
    llm = build_openai(llm_settings)

    response = await last_streamed(llm) if streaming else await llm.achat(QUESTION)

    assert usage_from_response(openai_spec(llm_settings), response) == (1200, 300)


@pytest.mark.parametrize("streaming", [False, True], ids=["json", "stream"])
async def test_ollama_usage_is_read_from_eval_counts(
    llm_settings: Settings, ollama: OllamaStandIn, streaming: bool
) -> None:
    ollama.script(Say("Fine.", usage=(640, 90)))
    llm = build_ollama(llm_settings)

    response = await last_streamed(llm) if streaming else await llm.achat(QUESTION)

    assert usage_from_response(ollama_spec(llm_settings), response) == (640, 90)


async def test_usage_is_zero_when_the_provider_reports_none(
    llm_settings: Settings, ollama: OllamaStandIn, openai_api: OpenAIStandIn
) -> None:
    ollama.script(Say("Fine.", usage=None))
    openai_api.script(Say("Fine.", usage=None))

    from_ollama = await build_ollama(llm_settings).achat(QUESTION)
    from_openai = await build_openai(llm_settings).achat(QUESTION)

    assert usage_from_response(ollama_spec(llm_settings), from_ollama) == (0, 0)
    assert usage_from_response(openai_spec(llm_settings), from_openai) == (0, 0)
    assert usage_from_response(openai_spec(llm_settings), None) == (0, 0)


def test_ollama_prompt_served_from_its_cache_counts_only_output(llm_settings: Settings) -> None:
    raw = {
        "model": "llama3.1:8b",
        "done": True,
        "eval_count": 42,
        "message": {"role": "assistant", "content": ""},
    }

    assert usage_from_response(ollama_spec(llm_settings), raw) == (0, 42)


@pytest.mark.parametrize("streaming", [False, True], ids=["json", "stream"])
async def test_agent_outputs_carry_the_usage_of_every_step(
    ollama: OllamaStandIn, openai_api: OpenAIStandIn, streaming: bool
) -> None:
    settings = make_settings(ollama, openai_api)
    openai_api.script(
        CallTool("goal_progress", {"goal": "revenue"}, usage=(500, 20)), Say("On track.", usage=(560, 15))
    )

    def goal_progress(goal: str) -> str:
        """Progress towards one goal."""
        return f"{goal}: 80%"

    agent = FunctionAgent(
        tools=[FunctionTool.from_defaults(fn=goal_progress)],
        llm=build_openai(settings),
        system_prompt="Coach.",
        streaming=streaming,
    )
    handler = agent.run(user_msg="Am I on track?")
    steps = [e for e in [event async for event in handler.stream_events()] if isinstance(e, AgentOutput)]
    await handler

    usages = [usage_from_response(openai_spec(settings), step.raw) for step in steps]
    assert usages == [(500, 20), (560, 15)]


def test_cost_follows_the_published_prices_per_model(
    ollama: OllamaStandIn, openai_api: OpenAIStandIn
) -> None:
    mini = openai_spec(make_settings(ollama, openai_api, openai_model="gpt-4o-mini"))
    full = openai_spec(make_settings(ollama, openai_api, openai_model="gpt-4o-2024-08-06"))

    assert estimate_cost(mini, 1_000_000, 1_000_000) == pytest.approx(0.15 + 0.60)
    assert estimate_cost(full, 1_000_000, 1_000_000) == pytest.approx(2.50 + 10.00)


def test_an_unknown_model_is_priced_at_least_as_high_as_the_dearest_known_one(
    ollama: OllamaStandIn, openai_api: OpenAIStandIn
) -> None:
    unknown = openai_spec(make_settings(ollama, openai_api, openai_model="acme-70b-instruct"))
    dearest = openai_spec(make_settings(ollama, openai_api, openai_model="gpt-4o"))

    assert estimate_cost(unknown, 1000, 1000) >= estimate_cost(dearest, 1000, 1000) > 0


def test_local_providers_cost_nothing(llm_settings: Settings) -> None:
    assert estimate_cost(ollama_spec(llm_settings), 50_000, 5_000) == 0.0
    assert estimate_cost(ProviderSpec("offline", "offline", 0.0, 0.0, is_local=True), 10, 10) == 0.0
