"""Token usage as reported by the providers, and what it cost."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llama_index.core.base.llms.types import ChatResponse
from pydantic import BaseModel

from coach.llm.providers import ProviderSpec

Usage = tuple[int, int]


def estimate_cost(spec: ProviderSpec, input_tokens: int, output_tokens: int) -> float:
    """The USD cost of a call with these token counts at the spec's prices (0.0 for local providers)."""
    return (
        max(input_tokens, 0) / 1000 * spec.input_usd_per_1k
        + max(output_tokens, 0) / 1000 * spec.output_usd_per_1k
    )


def usage_from_response(spec: ProviderSpec, response: object) -> Usage:
    """(input_tokens, output_tokens) reported in an LLM response; (0, 0) when the provider reported none.

    ``response`` may be a LlamaIndex ``ChatResponse`` (streamed or not) or its ``raw`` payload, which is also what
    an agent's ``AgentOutput.raw`` holds: an OpenAI ``usage`` object (``prompt_tokens``/``completion_tokens``) or
    Ollama's ``prompt_eval_count``/``eval_count``.
    """
    candidates: list[Mapping[str, Any]] = []
    if isinstance(response, ChatResponse):
        candidates.append(_as_mapping(response.raw))
        candidates.append(response.additional_kwargs)
    else:
        candidates.append(_as_mapping(response))
    readers = (_ollama_counts, _openai_counts) if spec.name == "ollama" else (_openai_counts, _ollama_counts)
    for payload in candidates:
        for read in readers:
            usage = read(payload)
            if usage is not None:
                return usage
    return (0, 0)


def _as_mapping(payload: object) -> Mapping[str, Any]:
    if isinstance(payload, Mapping):
        return payload
    if isinstance(payload, BaseModel):
        return payload.model_dump()
    return {}


def _count(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return max(int(value), 0)


def _openai_counts(payload: Mapping[str, Any]) -> Usage | None:
    usage = payload.get("usage")
    if not isinstance(usage, Mapping):
        # LlamaIndex copies the counts into ChatResponse.additional_kwargs.
        usage = payload
    prompt, completion = _count(usage.get("prompt_tokens")), _count(usage.get("completion_tokens"))
    if prompt is None and completion is None:
        return None
    return (prompt or 0, completion or 0)


def _ollama_counts(payload: Mapping[str, Any]) -> Usage | None:
    # Ollama leaves out prompt_eval_count when the whole prompt came from its cache.
    prompt, completion = _count(payload.get("prompt_eval_count")), _count(payload.get("eval_count"))
    if prompt is None and completion is None:
        return None
    return (prompt or 0, completion or 0)
