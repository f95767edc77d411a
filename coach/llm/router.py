"""Which LLM answers a turn: local first, OpenAI for hard questions within the tenant's budget, offline last.

The Coach asks ``candidates(...)`` for an ordered list, runs its agent with each ``candidate.llm`` in turn under a
timeout, and reports the outcome with ``record_success`` / ``record_failure`` so a failing provider is skipped for
a while (circuit breaker) and tried again after the cool-down.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from llama_index.core.llms.function_calling import FunctionCallingLLM

from coach.llm.breaker import CircuitBreaker
from coach.llm.health import DEFAULT_PROBE_TIMEOUT_S, ProbeResult, probe_ollama, probe_openai
from coach.llm.providers import (
    ProviderName,
    ProviderSpec,
    aclose_llm,
    build_ollama,
    build_openai,
    offline_spec,
    ollama_spec,
    openai_spec,
)
from storage.settings import Settings

logger = logging.getLogger(__name__)

# Phrases that signal reasoning across several steps, where a small local model is least reliable.
_REASONING_CUES = re.compile(
    r"\b(why|compare|versus|vs\.?|what if|trade-?offs?|scenarios?|should i|should we|plan|optimi[sz]e|"
    r"explain|forecast)\b",
    flags=re.IGNORECASE,
)


@dataclass(frozen=True)
class Candidate:
    """One provider to try: what it is (and costs) and the LlamaIndex LLM to pass to the agent."""

    spec: ProviderSpec
    llm: FunctionCallingLLM

    @property
    def name(self) -> ProviderName:
        """The provider's name: 'ollama', 'openai' or 'offline'."""
        return self.spec.name


def is_hard(
    text: str,
    history_chars: int,
    expected_tools: int,
    *,
    min_tools: int = 3,
    min_chars: int = 6000,
) -> bool:
    """True when a question is worth a stronger model: many tools, a long context, or multi-step reasoning.

    Multi-step reasoning is read from the text: two or more questions, or two or more distinct reasoning cues
    ("why ... and what should I plan"), which is where a small local model most often picks the wrong tool.
    """
    if expected_tools >= min_tools or len(text) + max(history_chars, 0) >= min_chars:
        return True
    cues = {match.lower() for match in _REASONING_CUES.findall(text)}
    return text.count("?") >= 2 or len(cues) >= 2


def retry_after_s(error: BaseException | None) -> float | None:
    """The delay a provider asked for in its Retry-After header (seconds), if the error carries one."""
    headers = getattr(getattr(error, "response", None), "headers", None)
    if headers is None:
        return None
    try:
        return max(float(headers.get("retry-after", "")), 0.0)
    except (TypeError, ValueError):
        return None


class LLMRouter:
    """Orders the providers for each turn by policy, budget and recent failures. One per process."""

    def __init__(
        self,
        settings: Settings,
        *,
        offline: FunctionCallingLLM,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.breaker = CircuitBreaker(cooldown_s=settings.llm_breaker_cooldown_s, clock=clock)
        self._offline = Candidate(offline_spec(offline), offline)
        self._built: dict[str, Candidate | None] = {}

    def candidates(self, *, tenant_spend_this_month_usd: float, hard: bool) -> list[Candidate]:
        """Providers to try in order; never empty, the offline model always last.

        auto: Ollama first, then OpenAI (key set, tenant under its monthly budget); OpenAI first when ``hard``.
        A forced ``llm_provider`` keeps only that provider (OpenAI still needs a key and budget). A provider whose
        circuit is open after a recent failure is left out until its cool-down ends.
        """
        forced = self.settings.llm_provider
        if forced == "auto":
            order: list[ProviderName] = ["openai", "ollama"] if hard else ["ollama", "openai"]
        elif forced == "offline":
            order = []
        else:
            order = [forced]
        chosen: list[Candidate] = []
        for name in order:
            if name == "openai" and not self.openai_allowed(tenant_spend_this_month_usd):
                continue
            if self.breaker.is_open(name):
                continue
            candidate = self._candidate(name)
            if candidate is not None:
                chosen.append(candidate)
        chosen.append(self._offline)
        logger.debug("LLM candidates (hard=%s): %s", hard, [c.name for c in chosen])
        return chosen

    def openai_allowed(self, tenant_spend_this_month_usd: float) -> bool:
        """True when a key is set and the tenant's spend this month is under ``llm_monthly_budget_usd``."""
        return (
            self.settings.openai_api_key is not None
            and tenant_spend_this_month_usd < self.settings.llm_monthly_budget_usd
        )

    def is_hard(self, text: str, history_chars: int, expected_tools: int) -> bool:
        """``is_hard`` with the configured thresholds (``llm_escalate_min_tools``, ``llm_escalate_min_chars``)."""
        return is_hard(
            text,
            history_chars,
            expected_tools,
            min_tools=self.settings.llm_escalate_min_tools,
            min_chars=self.settings.llm_escalate_min_chars,
        )

    def record_failure(self, name: str, error: BaseException | None = None) -> None:
        """Skip provider ``name`` for the cool-down (longer if its error carried a longer Retry-After)."""
        if error is not None:
            logger.warning("LLM provider %s raised %s: %s", name, type(error).__name__, error)
        self.breaker.record_failure(name, retry_after_s=retry_after_s(error))

    def record_success(self, name: str) -> None:
        """Provider ``name`` answered: stop skipping it."""
        self.breaker.record_success(name)

    async def probe(self, *, timeout_s: float = DEFAULT_PROBE_TIMEOUT_S) -> dict[str, ProbeResult]:
        """Check the configured providers concurrently; an unhealthy one is skipped for the cool-down. Never raises."""
        forced = self.settings.llm_provider
        checks = {}
        if forced in ("auto", "ollama"):
            checks["ollama"] = probe_ollama(
                base_url=self.settings.ollama_url, model=self.settings.ollama_model, timeout_s=timeout_s
            )
        if forced in ("auto", "openai") and self.settings.openai_api_key is not None:
            checks["openai"] = probe_openai(
                base_url=self.settings.openai_base_url,
                api_key=self.settings.openai_api_key.get_secret_value(),
                timeout_s=timeout_s,
            )
        results = dict(zip(checks, await asyncio.gather(*checks.values()), strict=True))
        for name, result in results.items():
            if result.ok:
                self.record_success(name)
            else:
                logger.warning("LLM provider %s unhealthy: %s", name, result.detail)
                self.record_failure(name)
        results["offline"] = ProbeResult(True, f"offline model {self._offline.spec.model} is built in")
        return results

    async def aclose(self) -> None:
        """Close the HTTP connection pools of the clients built so far (at shutdown)."""
        for candidate in self._built.values():
            if candidate is not None:
                await aclose_llm(candidate.llm)
        self._built.clear()

    def _candidate(self, name: ProviderName) -> Candidate | None:
        if name not in self._built:
            self._built[name] = self._build(name)
        return self._built[name]

    def _build(self, name: ProviderName) -> Candidate | None:
        try:
            if name == "ollama":
                return Candidate(ollama_spec(self.settings), build_ollama(self.settings))
            if name == "openai":
                return Candidate(openai_spec(self.settings), build_openai(self.settings))
        except ValueError as error:
            # A misconfiguration (e.g. a Responses-API-only model) should not stop the coach: log, route around.
            logger.error("LLM provider %s cannot be built: %s", name, error)
        return None
