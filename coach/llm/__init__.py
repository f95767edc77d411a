"""LLM providers (Ollama, OpenAI, the offline model) and the router that picks one per turn."""

from coach.llm.health import ProbeResult, probe_ollama, probe_openai
from coach.llm.providers import ProviderSpec, build_ollama, build_openai, openai_price_per_1k
from coach.llm.router import Candidate, LLMRouter, is_hard, retry_after_s
from coach.llm.usage import estimate_cost, usage_from_response

__all__ = [
    "Candidate",
    "LLMRouter",
    "ProbeResult",
    "ProviderSpec",
    "build_ollama",
    "build_openai",
    "estimate_cost",
    "is_hard",
    "openai_price_per_1k",
    "probe_ollama",
    "probe_openai",
    "retry_after_s",
    "usage_from_response",
]
