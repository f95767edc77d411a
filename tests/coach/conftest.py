"""Fixtures for coach tests: two seeded demo tenants, the LLM stand-ins, and a guard on LlamaIndex globals."""

from __future__ import annotations

import os
import uuid
from datetime import date

import pytest
from llama_index.core.settings import _Settings

from coach.core import Coach
from coach.embeddings import embed
from coach.offline import OfflineLLM
from connectors.demo.businesses import DEMO_CAFE, NORTHSIDE_BOOKS
from connectors.demo.seed import seed_profile
from storage.database import Database
from storage.settings import Settings
from tests.llm.conftest import _ollama_session, _openai_session, ollama, openai_api  # noqa: F401 - fixtures

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the embedding model ships inside its package

DEMO_END = date(2026, 6, 30)
TODAY = date(2026, 7, 1)


@pytest.fixture(scope="session")
async def demo_tenants(db: Database) -> dict[str, uuid.UUID]:
    """Demo Café and Northside Books seeded up to DEMO_END (slug -> tenant id)."""
    ids = {}
    for profile in (DEMO_CAFE, NORTHSIDE_BOOKS):
        ids[profile.slug] = (await seed_profile(db, profile, end=DEMO_END)).tenant_id
    return ids


@pytest.fixture(scope="session")
def offline_llm() -> OfflineLLM:
    """One warmed-up offline model for the session (MiniLM loaded, intent examples embedded)."""
    llm = OfflineLLM()
    llm.warm_up()
    return llm


@pytest.fixture
def offline_coach(db: Database, offline_llm: OfflineLLM) -> Coach:
    """The whole coach on the test database with the offline model only, on the demo's TODAY."""
    settings = Settings(database_url="postgresql://unused@localhost/x", llm_provider="offline")
    return Coach(db, settings, offline=offline_llm, embed=embed, today=TODAY)


@pytest.fixture(autouse=True)
def _forbid_global_llm(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test in which LlamaIndex's global ``Settings.llm`` is read or set: LLMs are always passed in."""

    def refuse(*_: object) -> None:
        raise AssertionError("llama_index Settings.llm was touched; pass llm= explicitly")

    monkeypatch.setattr(_Settings, "llm", property(refuse, refuse))
