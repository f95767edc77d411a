"""Start-up probes tell whether each provider is usable, never raise, and route around what is not."""

from __future__ import annotations

import time

from coach.llm.health import probe_ollama, probe_openai
from coach.llm.router import LLMRouter
from tests.llm.canned import CannedLLM
from tests.llm.conftest import STANDIN_KEY, make_settings
from tests.llm.ollama_standin import OllamaStandIn
from tests.llm.openai_standin import OpenAIStandIn


async def test_healthy_providers_pass_and_stay_in_the_order(
    ollama: OllamaStandIn, openai_api: OpenAIStandIn, offline: CannedLLM
) -> None:
    router = LLMRouter(make_settings(ollama, openai_api), offline=offline)

    results = await router.probe(timeout_s=1.0)

    assert {name: r.ok for name, r in results.items()} == {"ollama": True, "openai": True, "offline": True}
    assert [r.path for r in ollama.received()] == ["/api/tags"]
    [models_call] = openai_api.received()
    assert (models_call.path, models_call.headers["Authorization"]) == ("/v1/models", f"Bearer {STANDIN_KEY}")
    assert openai_api.received("/v1/chat/completions") == []  # probing costs nothing
    order = router.candidates(tenant_spend_this_month_usd=0.0, hard=False)
    assert [c.name for c in order] == ["ollama", "openai", "offline"]


async def test_ollama_without_the_model_pulled_is_unhealthy_and_skipped(
    ollama: OllamaStandIn, openai_api: OpenAIStandIn, offline: CannedLLM
) -> None:
    router = LLMRouter(make_settings(ollama, openai_api, ollama_model="qwen2.5:7b"), offline=offline)

    results = await router.probe(timeout_s=1.0)

    assert not results["ollama"].ok
    assert "ollama pull qwen2.5:7b" in results["ollama"].detail
    assert [c.name for c in router.candidates(tenant_spend_this_month_usd=0.0, hard=False)] == [
        "openai",
        "offline",
    ]


async def test_ollama_model_names_without_a_tag_mean_latest(ollama: OllamaStandIn) -> None:
    ollama.models.append("mistral:latest")
    try:
        result = await probe_ollama(base_url=ollama.root_url, model="mistral", timeout_s=1.0)
    finally:
        ollama.models.remove("mistral:latest")

    assert result.ok


async def test_rejected_openai_key_is_unhealthy_and_skipped(
    ollama: OllamaStandIn, openai_api: OpenAIStandIn, offline: CannedLLM
) -> None:
    router = LLMRouter(make_settings(ollama, openai_api, openai_api_key="sk-wrong-key"), offline=offline)

    results = await router.probe(timeout_s=1.0)

    assert not results["openai"].ok and "rejected the key" in results["openai"].detail
    assert [c.name for c in router.candidates(tenant_spend_this_month_usd=0.0, hard=True)] == [
        "ollama",
        "offline",
    ]


async def test_probes_of_unreachable_servers_report_instead_of_raising(closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}"

    ollama_result = await probe_ollama(base_url=url, model="llama3.1:8b", timeout_s=1.0)
    openai_result = await probe_openai(base_url=f"{url}/v1", api_key="sk-x", timeout_s=1.0)

    assert not ollama_result.ok and "unreachable" in ollama_result.detail
    assert not openai_result.ok and "unreachable" in openai_result.detail


async def test_a_hanging_server_fails_the_probe_within_its_timeout(ollama: OllamaStandIn) -> None:
    ollama.tags_delay_s = 10.0

    started = time.monotonic()
    result = await probe_ollama(base_url=ollama.root_url, model="llama3.1:8b", timeout_s=0.3)

    assert not result.ok and "ReadTimeout" in result.detail
    assert time.monotonic() - started < 1.0


async def test_forced_offline_probes_nothing(
    ollama: OllamaStandIn, openai_api: OpenAIStandIn, offline: CannedLLM
) -> None:
    router = LLMRouter(make_settings(ollama, openai_api, llm_provider="offline"), offline=offline)

    results = await router.probe()

    assert list(results) == ["offline"] and results["offline"].ok
    assert ollama.received() == [] and openai_api.received() == []
