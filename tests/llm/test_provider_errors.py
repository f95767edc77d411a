"""Provider failures reach the caller as clear exceptions, after a bounded number of requests and time."""

from __future__ import annotations

import time
from typing import cast

import httpx
import ollama as ollama_sdk
import openai
import pytest
from llama_index.core.agent.workflow import AgentOutput, FunctionAgent
from llama_index.core.llms.function_calling import FunctionCallingLLM
from llama_index.core.tools import FunctionTool

from coach.llm.providers import build_ollama, build_openai
from coach.llm.router import retry_after_s
from tests.llm.conftest import make_settings
from tests.llm.ollama_standin import OllamaStandIn
from tests.llm.openai_standin import OpenAIStandIn
from tests.llm.standins import Fail, Say, Stall

STREAMING = pytest.mark.parametrize("streaming", [False, True], ids=["json", "stream"])


def weekday_sales(day: str) -> str:
    """Average sales on a weekday."""
    return f"{day}: $900"


async def ask(llm: FunctionCallingLLM, *, streaming: bool) -> str:
    """One agent turn the way the Coach runs it; the answer text."""
    agent = FunctionAgent(
        tools=[FunctionTool.from_defaults(fn=weekday_sales)],
        llm=llm,
        system_prompt="Coach.",
        streaming=streaming,
    )
    result = cast(AgentOutput, await agent.run(user_msg="How are Mondays?"))
    return str(result.response.content)


@STREAMING
async def test_openai_rejected_key_fails_at_once_with_authentication_error(
    ollama: OllamaStandIn, openai_api: OpenAIStandIn, streaming: bool
) -> None:
    settings = make_settings(ollama, openai_api, openai_api_key="sk-not-the-right-key", llm_max_retries=3)

    with pytest.raises(openai.AuthenticationError, match="Incorrect API key") as caught:
        await ask(build_openai(settings), streaming=streaming)

    assert caught.value.status_code == 401
    assert len(openai_api.received("/v1/chat/completions")) == 1  # a bad key is never retried


async def test_openai_rate_limit_waits_retry_after_then_fails_after_the_configured_retries(
    ollama: OllamaStandIn, openai_api: OpenAIStandIn
) -> None:
    settings = make_settings(ollama, openai_api, llm_max_retries=1)
    openai_api.script(*[Fail(429, headers={"Retry-After": "0.4"})] * 3)

    started = time.monotonic()
    with pytest.raises(openai.RateLimitError) as caught:
        await ask(build_openai(settings), streaming=False)

    assert len(openai_api.received("/v1/chat/completions")) == 2
    assert time.monotonic() - started >= 0.4
    assert retry_after_s(caught.value) == pytest.approx(0.4)


@STREAMING
async def test_openai_server_errors_are_retried_a_bounded_number_of_times(
    ollama: OllamaStandIn, openai_api: OpenAIStandIn, streaming: bool
) -> None:
    settings = make_settings(ollama, openai_api, llm_max_retries=2)
    openai_api.script(*[Fail(500, headers={"Retry-After": "0.05"})] * 5)

    with pytest.raises(openai.InternalServerError):
        await ask(build_openai(settings), streaming=streaming)

    received = openai_api.received("/v1/chat/completions")
    assert [r.headers.get("x-stainless-retry-count") for r in received] == ["0", "1", "2"]
    assert openai_api.left() == 2


async def test_openai_answers_when_a_retry_succeeds(ollama: OllamaStandIn, openai_api: OpenAIStandIn) -> None:
    settings = make_settings(ollama, openai_api, llm_max_retries=1)
    openai_api.script(Fail(503, headers={"Retry-After": "0.05"}), Say("Mondays are steady."))

    assert await ask(build_openai(settings), streaming=False) == "Mondays are steady."
    assert len(openai_api.received("/v1/chat/completions")) == 2


@STREAMING
async def test_openai_slow_server_fails_within_the_configured_timeout(
    ollama: OllamaStandIn, openai_api: OpenAIStandIn, streaming: bool
) -> None:
    settings = make_settings(ollama, openai_api, llm_timeout_s=0.5, llm_max_retries=0)
    openai_api.script(Stall(10))

    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        await ask(build_openai(settings), streaming=streaming)

    assert 0.5 <= time.monotonic() - started < 2.0  # a 0.5 s timeout, not the 10 s stall


@STREAMING
async def test_ollama_server_error_fails_at_once(
    ollama: OllamaStandIn, openai_api: OpenAIStandIn, streaming: bool
) -> None:
    settings = make_settings(ollama, openai_api)
    ollama.script(Fail(500, "llama runner process has terminated"))

    with pytest.raises(ollama_sdk.ResponseError, match="runner process has terminated") as caught:
        await ask(build_ollama(settings), streaming=streaming)

    assert caught.value.status_code == 500
    assert len(ollama.received("/api/chat")) == 1


@STREAMING
async def test_ollama_slow_server_fails_within_the_configured_timeout(
    ollama: OllamaStandIn, openai_api: OpenAIStandIn, streaming: bool
) -> None:
    settings = make_settings(ollama, openai_api, llm_timeout_s=0.5)
    ollama.script(Stall(10))

    started = time.monotonic()
    with pytest.raises(httpx.TimeoutException):
        await ask(build_ollama(settings), streaming=streaming)

    assert 0.5 <= time.monotonic() - started < 2.0  # a 0.5 s timeout, not the 10 s stall


async def test_ollama_model_not_pulled_fails_with_not_found(
    ollama: OllamaStandIn, openai_api: OpenAIStandIn
) -> None:
    settings = make_settings(ollama, openai_api, ollama_model="qwen2.5:7b")

    with pytest.raises(ollama_sdk.ResponseError, match="not found") as caught:
        await ask(build_ollama(settings), streaming=False)

    assert caught.value.status_code == 404


async def test_ollama_not_running_fails_fast_with_connection_error(
    ollama: OllamaStandIn, openai_api: OpenAIStandIn, closed_port: int
) -> None:
    settings = make_settings(ollama, openai_api, ollama_url=f"http://127.0.0.1:{closed_port}")

    started = time.monotonic()
    with pytest.raises(ConnectionError, match="Failed to connect to Ollama"):
        await ask(build_ollama(settings), streaming=False)

    assert time.monotonic() - started < 1.0
