"""The LLM providers the coach can use: what each costs, and real LlamaIndex clients built from settings.

Clients are always built here and passed to agents explicitly; LlamaIndex's global ``Settings.llm`` is never read
or set (it would silently create a cloud client).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import httpx
from llama_index.core.base.llms.types import LLMMetadata, MessageRole
from llama_index.core.bridge.pydantic import Field
from llama_index.core.llms.function_calling import FunctionCallingLLM
from llama_index.llms.ollama import Ollama
from llama_index.llms.openai import OpenAI
from llama_index.llms.openai.utils import ALL_AVAILABLE_MODELS
from ollama import AsyncClient as OllamaAsyncClient
from ollama import Client as OllamaClient
from openai import AsyncOpenAI
from openai import OpenAI as SyncOpenAI

from storage.settings import Settings

ProviderName = Literal["ollama", "openai", "offline"]

# USD per 1,000 tokens (input, output), from https://openai.com/api/pricing (per 1M: gpt-4o-mini $0.15/$0.60,
# gpt-4o $2.50/$10.00). Dated snapshots ("gpt-4o-mini-2024-07-18") take the price of their family.
OPENAI_PRICES_PER_1K: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.00015, 0.0006),
    "gpt-4o": (0.0025, 0.01),
}
# An unknown model is priced high on purpose, so the monthly budget cap errs towards spending less.
UNKNOWN_MODEL_PRICE_PER_1K: tuple[float, float] = (0.01, 0.03)
# Context window assumed for an OpenAI-compatible model LlamaIndex does not know.
UNKNOWN_MODEL_CONTEXT_WINDOW = 128_000


@dataclass(frozen=True)
class ProviderSpec:
    """One provider and model: its name, model, price per 1,000 input/output tokens and whether it runs locally."""

    name: ProviderName
    model: str
    input_usd_per_1k: float
    output_usd_per_1k: float
    is_local: bool


def openai_price_per_1k(model: str) -> tuple[float, float]:
    """The (input, output) USD price per 1,000 tokens of an OpenAI model; a conservative default when unknown."""
    for family in sorted(OPENAI_PRICES_PER_1K, key=len, reverse=True):
        if model == family or model.startswith(f"{family}-"):
            return OPENAI_PRICES_PER_1K[family]
    return UNKNOWN_MODEL_PRICE_PER_1K


def ollama_spec(settings: Settings) -> ProviderSpec:
    """The spec of the configured Ollama model (local, free)."""
    return ProviderSpec("ollama", settings.ollama_model, 0.0, 0.0, is_local=True)


def openai_spec(settings: Settings) -> ProviderSpec:
    """The spec of the configured OpenAI model, priced from the table."""
    price_in, price_out = openai_price_per_1k(settings.openai_model)
    return ProviderSpec("openai", settings.openai_model, price_in, price_out, is_local=False)


def offline_spec(llm: FunctionCallingLLM) -> ProviderSpec:
    """The spec of the offline model (local, free)."""
    return ProviderSpec("offline", llm.metadata.model_name, 0.0, 0.0, is_local=True)


def build_ollama(settings: Settings) -> Ollama:
    """A LlamaIndex Ollama client for the configured server and model, with the configured timeout.

    The context window is given explicitly: left unset, the client asks the server for it with a blocking call on
    every chat, stalling the event loop.
    """
    return Ollama(
        model=settings.ollama_model,
        base_url=settings.ollama_url,
        request_timeout=settings.llm_timeout_s,
        context_window=settings.ollama_context_window,
        is_function_calling_model=True,
        client=OllamaClient(host=settings.ollama_url, timeout=settings.llm_timeout_s),
        async_client=OllamaAsyncClient(host=settings.ollama_url, timeout=settings.llm_timeout_s),
    )


class OpenAICompatible(OpenAI):
    """LlamaIndex's OpenAI client for a model it does not know (a new OpenAI model or an OpenAI-compatible server).

    The stock client raises on unknown names when asked for its metadata and would fall back to the legacy
    completions API; this one declares a chat, function-calling model with a stated context window.
    """

    context_window: int = Field(default=UNKNOWN_MODEL_CONTEXT_WINDOW, description="Context window in tokens.")

    @classmethod
    def class_name(cls) -> str:
        return "coach_openai_compatible_llm"

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(
            context_window=self.context_window,
            num_output=self.max_tokens or -1,
            is_chat_model=True,
            is_function_calling_model=True,
            model_name=self.model,
            system_role=MessageRole.SYSTEM,
        )


def build_openai(settings: Settings) -> OpenAI:
    """A LlamaIndex OpenAI client for the configured key, base URL and model; ValueError when no key is set.

    Retries are left to the OpenAI SDK (``llm_max_retries``, honouring Retry-After); LlamaIndex's own retry layer
    is switched off so a failing provider gives up after a bounded number of requests and the router can fall back.
    Streaming responses ask for usage (``stream_options.include_usage``) so streamed turns are costed too.
    """
    if settings.openai_api_key is None:
        raise ValueError("COACH_OPENAI_API_KEY is not set")
    key = settings.openai_api_key.get_secret_value()
    timeout = httpx.Timeout(settings.llm_timeout_s, connect=min(settings.llm_timeout_s, 10.0))
    base_url, retries = settings.openai_base_url, settings.llm_max_retries
    llm_class: type[OpenAI] = OpenAI if settings.openai_model in ALL_AVAILABLE_MODELS else OpenAICompatible
    return llm_class(
        model=settings.openai_model,
        api_key=key,
        api_base=settings.openai_base_url,
        timeout=settings.llm_timeout_s,
        max_retries=0,
        additional_kwargs={"stream_options": {"include_usage": True}},
        openai_client=SyncOpenAI(api_key=key, base_url=base_url, timeout=timeout, max_retries=retries),
        async_openai_client=AsyncOpenAI(api_key=key, base_url=base_url, timeout=timeout, max_retries=retries),
    )


async def aclose_llm(llm: FunctionCallingLLM) -> None:
    """Close the HTTP connection pools of a client built here; other LLMs are left alone."""
    if isinstance(llm, Ollama):
        await llm.async_client.close()
        llm.client.close()
    elif isinstance(llm, OpenAI):
        # With reuse_client (the default) these return the SDK clients handed over in build_openai.
        await llm._get_aclient().close()
        llm._get_client().close()
