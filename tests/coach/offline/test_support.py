"""The embedder, the prompts loader and the router's respect for the offered tools."""

from __future__ import annotations

import numpy as np
import pytest
from jinja2 import UndefinedError
from llama_index.core.tools import FunctionTool

from coach.embeddings import LocalEmbedding, embed
from coach.offline import OfflineLLM
from coach.offline.router import split_clauses
from prompts import loader


def test_embed_returns_normalised_384_dimension_vectors(offline_llm: OfflineLLM) -> None:
    assert offline_llm.router is not None
    vectors = embed(["sales last week", "revenue last week", "write a poem"])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert embed([]).shape == (0, 384)


async def test_local_embedding_matches_embed_sync_and_async() -> None:
    model = LocalEmbedding()
    vector = model.get_text_embedding("footfall")
    assert np.allclose(vector, embed(["footfall"])[0], atol=1e-5)
    assert np.allclose(await model.aget_query_embedding("footfall"), vector, atol=1e-5)


def test_loader_fails_loudly_on_a_missing_variable() -> None:
    with pytest.raises(UndefinedError):
        loader.render("offline/answers/error.md.j2")


def test_loader_escapes_html_templates_only() -> None:
    env = loader.environment()
    assert env.from_string("{{ x }}").render(x="<b>") == "<b>"
    assert env.autoescape("digest.html.j2") is True and env.autoescape("answer.md.j2") is False
    assert loader.read("offline/intents/smalltalk.txt").startswith("hello")


def test_compound_questions_are_split_into_clauses() -> None:
    assert split_clauses("Why did sales drop and what should I order?") == [
        "why did sales drop",
        "what should i order",
    ]
    assert split_clauses("sales and orders last week") == ["sales and orders last week"]


def test_only_offered_tools_are_ever_called(offline_llm: OfflineLLM) -> None:
    async def noop() -> str:
        return "{}"

    only = [FunctionTool.from_defaults(async_fn=noop, name="list_goals", description="The business's goals.")]
    decided = offline_llm.plan("why did sales drop last week?", only)
    assert all(call.tool == "list_goals" for call in decided.calls)
    assert decided.kind in ("clarify", "tools")
