"""The router orders providers by policy, budget and recent failures; the offline model is always last."""

from __future__ import annotations

from typing import cast

import openai
import pytest
from llama_index.core.agent.workflow import AgentOutput, FunctionAgent
from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.tools import FunctionTool
from llama_index.llms.ollama import Ollama
from llama_index.llms.openai import OpenAI

from coach.llm.router import LLMRouter, is_hard
from tests.llm.canned import CannedLLM
from tests.llm.conftest import make_settings
from tests.llm.ollama_standin import OllamaStandIn
from tests.llm.openai_standin import OpenAIStandIn
from tests.llm.standins import Fail, Say, Stall


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def router_for(
    ollama: OllamaStandIn,
    openai_api: OpenAIStandIn,
    offline: CannedLLM,
    clock: FakeClock | None = None,
    **overrides: object,
) -> LLMRouter:
    settings = make_settings(ollama, openai_api, **overrides)
    return LLMRouter(settings, offline=offline, clock=clock or FakeClock())


def names(router: LLMRouter, *, spend: float = 0.0, hard: bool = False) -> list[str]:
    return [c.name for c in router.candidates(tenant_spend_this_month_usd=spend, hard=hard)]


async def test_auto_tries_local_ollama_first_then_openai_then_offline(
    ollama: OllamaStandIn, openai_api: OpenAIStandIn, offline: CannedLLM
) -> None:
    router = router_for(ollama, openai_api, offline)

    first, second, last = router.candidates(tenant_spend_this_month_usd=0.0, hard=False)

    assert (first.name, second.name, last.name) == ("ollama", "openai", "offline")
    assert isinstance(first.llm, Ollama) and first.spec.is_local and first.spec.input_usd_per_1k == 0
    assert isinstance(second.llm, OpenAI) and not second.spec.is_local and second.spec.model == "gpt-4o-mini"
    assert last.llm is offline


async def test_hard_question_goes_to_openai_first_when_a_key_and_budget_allow(
    ollama: OllamaStandIn, openai_api: OpenAIStandIn, offline: CannedLLM
) -> None:
    router = router_for(ollama, openai_api, offline, llm_monthly_budget_usd=20.0)

    assert names(router, spend=19.99, hard=True) == ["openai", "ollama", "offline"]


async def test_spent_budget_keeps_openai_out_even_for_hard_questions(
    ollama: OllamaStandIn, openai_api: OpenAIStandIn, offline: CannedLLM
) -> None:
    router = router_for(ollama, openai_api, offline, llm_monthly_budget_usd=20.0)

    assert names(router, spend=20.0, hard=True) == ["ollama", "offline"]
    assert names(router, spend=35.0, hard=False) == ["ollama", "offline"]


async def test_without_an_openai_key_hard_questions_stay_local(
    ollama: OllamaStandIn, openai_api: OpenAIStandIn, offline: CannedLLM
) -> None:
    router = router_for(ollama, openai_api, offline, openai_api_key=None)

    assert names(router, hard=True) == ["ollama", "offline"]


@pytest.mark.parametrize(
    ("forced", "expected"),
    [("ollama", ["ollama", "offline"]), ("openai", ["openai", "offline"]), ("offline", ["offline"])],
)
async def test_forced_provider_is_the_only_one_before_offline(
    ollama: OllamaStandIn, openai_api: OpenAIStandIn, offline: CannedLLM, forced: str, expected: list[str]
) -> None:
    router = router_for(ollama, openai_api, offline, llm_provider=forced)

    assert names(router, hard=True) == expected
    assert names(router, hard=False) == expected


async def test_forced_openai_still_respects_the_budget(
    ollama: OllamaStandIn, openai_api: OpenAIStandIn, offline: CannedLLM
) -> None:
    router = router_for(ollama, openai_api, offline, llm_provider="openai", llm_monthly_budget_usd=5.0)

    assert names(router, spend=5.0) == ["offline"]


async def test_failed_provider_is_skipped_until_the_cooldown_ends(
    ollama: OllamaStandIn, openai_api: OpenAIStandIn, offline: CannedLLM
) -> None:
    clock = FakeClock()
    router = router_for(ollama, openai_api, offline, clock, llm_breaker_cooldown_s=30.0)

    router.record_failure("ollama", TimeoutError())
    clock.now += 29.0
    during = names(router)
    clock.now += 2.0
    after = names(router)

    assert during == ["openai", "offline"]
    assert after == ["ollama", "openai", "offline"]


async def test_failing_again_after_the_cooldown_opens_the_circuit_again(
    ollama: OllamaStandIn, openai_api: OpenAIStandIn, offline: CannedLLM
) -> None:
    clock = FakeClock()
    router = router_for(ollama, openai_api, offline, clock, llm_breaker_cooldown_s=30.0)
    router.record_failure("openai")
    clock.now += 31.0
    assert names(router) == ["ollama", "openai", "offline"]

    router.record_failure("openai")

    assert names(router) == ["ollama", "offline"]


async def test_success_stops_skipping_a_provider_at_once(
    ollama: OllamaStandIn, openai_api: OpenAIStandIn, offline: CannedLLM
) -> None:
    router = router_for(ollama, openai_api, offline)
    router.record_failure("ollama")

    router.record_success("ollama")

    assert names(router) == ["ollama", "openai", "offline"]


async def test_a_long_retry_after_keeps_openai_out_for_as_long_as_it_asked(
    ollama: OllamaStandIn, openai_api: OpenAIStandIn, offline: CannedLLM
) -> None:
    clock = FakeClock()
    router = router_for(ollama, openai_api, offline, clock, llm_breaker_cooldown_s=30.0)
    openai_api.script(Fail(429, "You exceeded your current quota", headers={"Retry-After": "300"}))
    openai_llm = router.candidates(tenant_spend_this_month_usd=0.0, hard=True)[0].llm
    with pytest.raises(openai.RateLimitError) as caught:
        await openai_llm.achat([ChatMessage(role="user", content="hi")])

    router.record_failure("openai", caught.value)
    clock.now += 31.0
    during = names(router)
    clock.now += 270.0
    after = names(router)

    assert len(openai_api.received("/v1/chat/completions")) == 1  # too long to wait for: not retried
    assert during == ["ollama", "offline"]
    assert after == ["ollama", "openai", "offline"]


async def test_the_same_clients_serve_every_turn(
    ollama: OllamaStandIn, openai_api: OpenAIStandIn, offline: CannedLLM
) -> None:
    router = router_for(ollama, openai_api, offline)

    first = router.candidates(tenant_spend_this_month_usd=0.0, hard=False)
    second = router.candidates(tenant_spend_this_month_usd=0.0, hard=True)

    assert {c.name: id(c.llm) for c in first} == {c.name: id(c.llm) for c in second}


@pytest.mark.parametrize(
    ("text", "history_chars", "expected_tools", "hard"),
    [
        ("What was revenue last week?", 0, 1, False),
        ("Compare Mondays with Fridays.", 0, 1, False),
        ("Why did sales drop in March, and how should I plan staffing for April?", 0, 1, True),
        ("What were sales? And costs?", 0, 1, True),
        ("Show my goals.", 0, 3, True),
        ("Show my goals.", 6000, 1, True),
    ],
)
def test_is_hard_reads_tools_context_length_and_multi_step_questions(
    text: str, history_chars: int, expected_tools: int, hard: bool
) -> None:
    assert is_hard(text, history_chars, expected_tools) is hard


async def test_router_is_hard_uses_the_configured_thresholds(
    ollama: OllamaStandIn, openai_api: OpenAIStandIn, offline: CannedLLM
) -> None:
    router = router_for(ollama, openai_api, offline, llm_escalate_min_tools=5, llm_escalate_min_chars=100)

    assert router.is_hard("Show my goals.", 0, 4) is False
    assert router.is_hard("Show my goals.", 0, 5) is True
    assert router.is_hard("Show my goals.", 90, 1) is True


async def answer_like_the_coach(router: LLMRouter, question: str) -> tuple[str, str]:
    """The Coach's loop: try each candidate, record the outcome, fall through on failure. (answer, provider)."""

    def opening_hours() -> str:
        """The café's opening hours."""
        return "7am-3pm"

    for candidate in router.candidates(tenant_spend_this_month_usd=0.0, hard=False):
        agent = FunctionAgent(
            tools=[FunctionTool.from_defaults(fn=opening_hours)], llm=candidate.llm, system_prompt="Coach."
        )
        try:
            result = cast(AgentOutput, await agent.run(user_msg=question))
        except Exception as error:  # the Coach catches everything a provider can raise
            router.record_failure(candidate.name, error)
            continue
        router.record_success(candidate.name)
        return str(result.response.content), candidate.name
    raise AssertionError("the offline model always answers")


async def test_a_timed_out_ollama_falls_back_to_openai_and_is_skipped_next_turn(
    ollama: OllamaStandIn, openai_api: OpenAIStandIn, offline: CannedLLM
) -> None:
    router = router_for(ollama, openai_api, offline, llm_timeout_s=0.5)
    ollama.script(Stall(10))
    openai_api.script(Say("Open 7am-3pm."), Say("Still 7am-3pm."))

    first = await answer_like_the_coach(router, "When are we open?")
    second = await answer_like_the_coach(router, "And tomorrow?")

    assert first == ("Open 7am-3pm.", "openai")
    assert second == ("Still 7am-3pm.", "openai")
    assert len(ollama.received("/api/chat")) == 1


async def test_when_every_provider_fails_the_offline_model_answers(
    ollama: OllamaStandIn, openai_api: OpenAIStandIn, offline: CannedLLM
) -> None:
    router = router_for(ollama, openai_api, offline, llm_max_retries=0)
    ollama.script(Fail(500))
    openai_api.script(Fail(500))

    assert await answer_like_the_coach(router, "When are we open?") == ("Offline answer.", "offline")
    assert offline.calls == 1


async def test_closing_the_router_closes_the_clients_it_built(
    ollama: OllamaStandIn, openai_api: OpenAIStandIn, offline: CannedLLM
) -> None:
    router = router_for(ollama, openai_api, offline, llm_max_retries=0)
    ollama_llm, openai_llm, _ = (
        c.llm for c in router.candidates(tenant_spend_this_month_usd=0.0, hard=False)
    )
    ollama.script(Say("Hello."), Say("Again."))
    openai_api.script(Say("Hello."))
    assert (await ollama_llm.achat([ChatMessage(role="user", content="hi")])).message.content == "Hello."

    await router.aclose()

    with pytest.raises(RuntimeError, match="client has been closed"):
        await ollama_llm.achat([ChatMessage(role="user", content="hi")])
    with pytest.raises(openai.APIConnectionError):
        await openai_llm.achat([ChatMessage(role="user", content="hi")])
    assert len(ollama.received("/api/chat")) == 1
    assert openai_api.received() == []
