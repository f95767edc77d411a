"""The coach command as a person runs it: help, the demo on the embedded database, and friendly errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import repo_root


def coach(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run ``coach ARGS`` in a clean environment (no COACH_* from the caller unless given)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    base["COLUMNS"] = "160"
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=repo_root(),
        env=base | (env or {}),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def test_help_explains_every_sub_command() -> None:
    result = coach("--help")
    assert result.returncode == 0
    for command in ("demo", "chat", "ask", "metrics", "tenants", "db"):
        assert command in result.stdout
    db_help = coach("db", "--help")
    assert "upgrade" in db_help.stdout and "status" in db_help.stdout


def test_demo_seeds_two_businesses_on_the_embedded_database_and_reruns_without_duplicates(
    tmp_path: Path,
) -> None:
    env = {"COACH_DATA_DIR": str(tmp_path / "data")}
    first = coach("demo", "--end", "2026-06-30", "--no-chat", env=env)
    assert first.returncode == 0, first.stderr
    assert "demo-cafe: 33,580 rows (33,580 new" in first.stdout
    assert "northside-books: 33,580 rows (33,580 new" in first.stdout
    assert "revenue" in first.stdout and "▁" in first.stdout + "█"
    assert (tmp_path / "data" / "pgdata" / "PG_VERSION").exists()

    again = coach("demo", "--end", "2026-06-30", "--no-chat", env=env)
    assert again.returncode == 0, again.stderr
    assert "demo-cafe: 33,580 rows (0 new, 0 changed)" in again.stdout

    tenants = coach("tenants", env=env)
    assert tenants.stdout.count("demo-cafe") == 1 and "northside-books" in tenants.stdout


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"COACH_DATABASE_URL": "mysql://root@localhost/db"}, "COACH_DATABASE_URL: expects a PostgreSQL URL"),
        (
            {"COACH_DATABASE_URL": "postgresql://u:p@127.0.0.1:9/db"},
            "COACH_DATABASE_URL: cannot use PostgreSQL at 127.0.0.1:9/db",
        ),
        ({"COACH_DB_POOL_SIZE": "lots"}, "COACH_DB_POOL_SIZE:"),
        ({"COACH_SECRET_KEY": "changeme"}, "COACH_SECRET_KEY: expects a real secret"),
    ],
)
def test_bad_settings_give_one_line_naming_the_variable(
    tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    data_dir = tmp_path / "data"
    result = coach("tenants", env={"COACH_DATA_DIR": str(data_dir), **env}, timeout=60)
    assert result.returncode != 0
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not data_dir.exists(), "nothing may be half-created"


def test_unwritable_data_dir_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = coach("tenants", env={"COACH_DATA_DIR": str(blocker / "data")}, timeout=60)
    assert result.returncode != 0
    assert result.stderr.strip().startswith("Error: COACH_DATA_DIR: cannot write to")
    assert len(result.stderr.strip().splitlines()) == 1


def test_unknown_dataset_is_refused_before_anything_starts(tmp_path: Path) -> None:
    result = coach("demo", "--dataset", "nope", env={"COACH_DATA_DIR": str(tmp_path / "d")}, timeout=60)
    assert result.returncode == 2
    assert "--dataset: expects one of online-retail" in result.stderr
    assert not (tmp_path / "d").exists()


@pytest.mark.parametrize("end", ["2025-06-30", "2031-01-05"])
def test_a_demo_end_day_without_two_years_of_data_is_refused_before_anything_starts(
    tmp_path: Path, end: str
) -> None:
    result = coach("demo", "--end", end, "--no-chat", env={"COACH_DATA_DIR": str(tmp_path / "d")}, timeout=60)
    assert result.returncode == 2
    assert "--end: expects a day from 2025-12-30 to 2030-12-31" in result.stderr
    assert not (tmp_path / "d").exists()


def test_a_bad_setting_never_echoes_a_password_or_a_secret() -> None:
    from storage.settings import SettingsError, load_settings

    with pytest.raises(SettingsError) as url:
        load_settings(database_url="mysql://owner:hunter2@db.example/coach")
    with pytest.raises(SettingsError) as secret:
        load_settings(secret_key="changeme")

    assert "hunter2" not in str(url.value) and "owner:***@db.example" in str(url.value)
    assert "changeme'" not in str(secret.value).split("such as")[0] and "(got" not in str(secret.value)


def test_db_status_on_a_fresh_data_dir_says_there_is_no_schema_yet(tmp_path: Path) -> None:
    result = coach("db", "status", env={"COACH_DATA_DIR": str(tmp_path / "fresh")})

    assert result.returncode == 0, result.stderr
    assert "none (run coach db upgrade)" in result.stdout
