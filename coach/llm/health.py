"""Cheap start-up checks that a provider is reachable and usable; they never raise."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

DEFAULT_PROBE_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class ProbeResult:
    """Whether a provider answered as expected, and one line an operator can act on."""

    ok: bool
    detail: str


async def probe_ollama(
    *, base_url: str, model: str, timeout_s: float = DEFAULT_PROBE_TIMEOUT_S
) -> ProbeResult:
    """Ask Ollama for its models (``GET /api/tags``); ok when it answers and has ``model`` pulled."""
    url = f"{base_url.rstrip('/')}/api/tags"
    try:
        async with httpx.AsyncClient(timeout=timeout_s) as client:
            response = await client.get(url)
        if response.status_code != 200:
            return ProbeResult(False, f"Ollama at {base_url} answered HTTP {response.status_code}")
        names = {str(m.get("name") or m.get("model")) for m in response.json().get("models", [])}
    except Exception as error:  # a probe reports, it never raises
        return ProbeResult(False, f"Ollama at {base_url} unreachable: {type(error).__name__}")
    if _ollama_name(model) not in {_ollama_name(n) for n in names}:
        return ProbeResult(False, f"Ollama at {base_url} lacks model {model}: run `ollama pull {model}`")
    return ProbeResult(True, f"Ollama at {base_url} serves {model}")


async def probe_openai(
    *, base_url: str, api_key: str, timeout_s: float = DEFAULT_PROBE_TIMEOUT_S
) -> ProbeResult:
    """List models (``GET /models``) with the key; ok on HTTP 200. Costs nothing."""
    url = f"{base_url.rstrip('/')}/models"
    try:
        async with httpx.AsyncClient(timeout=timeout_s) as client:
            response = await client.get(url, headers={"Authorization": f"Bearer {api_key}"})
    except Exception as error:  # a probe reports, it never raises
        return ProbeResult(False, f"OpenAI API at {base_url} unreachable: {type(error).__name__}")
    if response.status_code == 401:
        return ProbeResult(False, f"OpenAI API at {base_url} rejected the key (HTTP 401)")
    if response.status_code != 200:
        return ProbeResult(False, f"OpenAI API at {base_url} answered HTTP {response.status_code}")
    return ProbeResult(True, f"OpenAI API at {base_url} accepts the key")


def _ollama_name(name: str) -> str:
    # Ollama treats "llama3.1" and "llama3.1:latest" as the same model.
    return name if ":" in name else f"{name}:latest"
