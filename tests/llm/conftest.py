"""Fixtures for the LLM layer: Ollama and OpenAI stand-ins on loopback, settings pointing at them.

The servers start once per session; each test gets them with an empty script and request log.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from llama_index.core.settings import _Settings

from storage.settings import Settings
from tests.llm.canned import CannedLLM
from tests.llm.ollama_standin import OllamaStandIn
from tests.llm.openai_standin import OpenAIStandIn

STANDIN_KEY = "sk-standin-key"


@pytest.fixture(scope="session")
def _ollama_session() -> Iterator[OllamaStandIn]:
    server = OllamaStandIn(models=("llama3.1:8b",))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _openai_session() -> Iterator[OpenAIStandIn]:
    server = OpenAIStandIn(api_key=STANDIN_KEY)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def ollama(_ollama_session: OllamaStandIn) -> Iterator[OllamaStandIn]:
    """The Ollama stand-in, with nothing scripted and nothing received."""
    _ollama_session.reset()
    yield _ollama_session
    _ollama_session.reset()


@pytest.fixture
def openai_api(_openai_session: OpenAIStandIn) -> Iterator[OpenAIStandIn]:
    """The OpenAI stand-in, with nothing scripted and nothing received."""
    _openai_session.reset()
    yield _openai_session
    _openai_session.reset()


@pytest.fixture
def llm_settings(ollama: OllamaStandIn, openai_api: OpenAIStandIn) -> Settings:
    """Settings pointing both providers at the stand-ins, with short timeouts and one retry."""
    return make_settings(ollama, openai_api)


def make_settings(ollama: OllamaStandIn, openai_api: OpenAIStandIn, **overrides: object) -> Settings:
    """Settings for the stand-ins; ``overrides`` replace any field."""
    fields: dict[str, object] = {
        "ollama_url": ollama.root_url,
        "ollama_model": "llama3.1:8b",
        "openai_api_key": STANDIN_KEY,
        "openai_base_url": openai_api.base_url,
        "openai_model": "gpt-4o-mini",
        "llm_timeout_s": 5.0,
        "llm_max_retries": 1,
        "llm_breaker_cooldown_s": 30.0,
    }
    fields.update(overrides)
    return Settings(**fields)  # type: ignore[arg-type]


@pytest.fixture
def offline() -> CannedLLM:
    """A stand-in for the offline model that always answers."""
    return CannedLLM(answer="Offline answer.")


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(autouse=True)
def _forbid_global_llm(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test in which LlamaIndex's global ``Settings.llm`` is read or set: LLMs are always passed in."""

    def refuse(*_: object) -> None:
        raise AssertionError("llama_index Settings.llm was touched; pass llm= explicitly")

    monkeypatch.setattr(_Settings, "llm", property(refuse, refuse))
