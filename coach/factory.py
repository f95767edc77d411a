"""Building the one Coach a process uses: router, offline model and embedder wired from settings."""

from __future__ import annotations

from datetime import date

from coach.core import Coach
from coach.embeddings import embed
from coach.offline import OfflineLLM
from storage.database import Database
from storage.settings import Settings


def build_coach(db: Database, settings: Settings, *, today: date | None = None) -> Coach:
    """A Coach on ``db`` with the configured LLM providers, the offline model last, and local embeddings."""
    return Coach(db, settings, offline=OfflineLLM(), embed=embed, today=today)
