"""Fixtures for coach tests: two seeded demo tenants, the LLM stand-ins, and a guard on LlamaIndex globals."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from llama_index.core.settings import _Settings

from connectors.demo.businesses import DEMO_CAFE, NORTHSIDE_BOOKS
from connectors.demo.seed import seed_profile
from storage.database import Database
from tests.llm.conftest import _ollama_session, _openai_session, ollama, openai_api  # noqa: F401 - fixtures

DEMO_END = date(2026, 6, 30)
TODAY = date(2026, 7, 1)


@pytest.fixture(scope="session")
async def demo_tenants(db: Database) -> dict[str, uuid.UUID]:
    """Demo Café and Northside Books seeded up to DEMO_END (slug -> tenant id)."""
    ids = {}
    for profile in (DEMO_CAFE, NORTHSIDE_BOOKS):
        ids[profile.slug] = (await seed_profile(db, profile, end=DEMO_END)).tenant_id
    return ids


@pytest.fixture(autouse=True)
def _forbid_global_llm(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test in which LlamaIndex's global ``Settings.llm`` is read or set: LLMs are always passed in."""

    def refuse(*_: object) -> None:
        raise AssertionError("llama_index Settings.llm was touched; pass llm= explicitly")

    monkeypatch.setattr(_Settings, "llm", property(refuse, refuse))
