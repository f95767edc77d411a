"""``coach ask`` (one question, JSON, or one per line of stdin) and ``coach chat`` as a person runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from storage.database import Database
from tests.coach.conftest import demo_tenants  # noqa: F401 - fixture
from tests.conftest import repo_root


@pytest.fixture
def env(db: Database, demo_tenants: dict[str, uuid.UUID], tmp_path: Path) -> dict[str, str]:  # noqa: F811
    """The environment of a person using the seeded test database with the built-in offline model."""
    del demo_tenants
    base = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    plain = db.owner_url.set(drivername="postgresql").render_as_string(hide_password=False)
    return base | {
        "COACH_DATABASE_URL": plain,
        "COACH_SECRET_KEY": "test-secret-key-not-for-production",
        "COACH_LLM_PROVIDER": "offline",
        "COACH_DATA_DIR": str(tmp_path / "data"),
        "COLUMNS": "200",
    }


def coach(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    """Run ``coach ARGS`` with ``stdin`` as its input."""
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=repo_root(), env=env, input=stdin,
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def test_ask_json_gives_the_answer_tool_calls_sources_provider_latency_and_cost(env: dict[str, str]) -> None:
    result = coach("ask", "which metrics do you track?", "--tenant", "demo-cafe", "--json", env=env)

    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert {"answer", "tool_calls", "sources", "provider", "latency_ms", "cost_usd"} <= set(payload)
    assert payload["provider"] == "offline" and payload["cost_usd"] == 0
    assert payload["tool_calls"][0]["name"] == "list_metrics" and "args" in payload["tool_calls"][0]
    assert "revenue" in payload["answer"].lower()
    assert payload["sources"] and payload["sources"][0]["tool"] == "list_metrics"


def test_ask_dash_answers_one_json_line_per_question_line(env: dict[str, str]) -> None:
    result = coach("ask", "-", "--tenant", "northside-books", "--json", env=env,
                   stdin="which metrics do you track?\n\nshow me my goals\n")  # fmt: skip

    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["question"] for line in lines] == ["which metrics do you track?", "show me my goals"]
    assert [line["tool_calls"][0]["name"] for line in lines] == ["list_metrics", "list_goals"]


def test_chat_streams_answers_with_sources_until_quit(env: dict[str, str]) -> None:
    result = coach("chat", "--tenant", "demo-cafe", env=env, stdin="which metrics do you track?\n/quit\n")

    assert result.returncode == 0, result.stderr
    assert "Coach for Demo Café" in result.stdout
    assert "coach>" in result.stdout and "Source: list_metrics" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
