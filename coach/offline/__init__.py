"""The offline model: the built-in function-calling LLM used when neither Ollama nor OpenAI is reachable."""

from coach.offline.llm import PROVIDER, OfflineLLM, build_router

__all__ = ["PROVIDER", "OfflineLLM", "build_router"]
