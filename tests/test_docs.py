"""The documentation tells the truth about settings, commands and deployment."""

from __future__ import annotations

import re
import subprocess
import sys

import yaml

from storage.settings import Settings
from tests.conftest import repo_root


def test_every_setting_is_documented() -> None:
    documented = (repo_root() / "docs" / "configuration.md").read_text()
    missing = [
        f"COACH_{name.upper()}"
        for name in Settings.model_fields
        if f"`COACH_{name.upper()}`" not in documented
    ]
    assert missing == []


def test_every_cli_command_is_in_the_readme() -> None:
    readme = (repo_root() / "README.md").read_text()
    help_text = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--help"],
        capture_output=True,
        text=True,
        cwd=repo_root(),
        check=True,
    ).stdout
    commands = re.findall(r"^│ (\w[\w-]*)\s{2,}", help_text, flags=re.MULTILINE)
    assert {"demo", "metrics", "tenants", "db"} <= set(commands)
    assert [c for c in commands if f"coach {c}" not in readme] == []


def test_readme_gives_the_two_setup_commands_and_ci_runs_the_test_one() -> None:
    readme = (repo_root() / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme
    assert "make test" in (repo_root() / ".ci" / "run").read_text()


def test_compose_file_has_database_ollama_and_app_with_health_checks_and_volumes() -> None:
    compose = yaml.safe_load((repo_root() / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"db", "ollama", "app"} <= set(services)
    assert all("healthcheck" in services[name] for name in ("db", "ollama", "app"))
    assert "timescaledb-ha" in services["db"]["image"]
    assert {"pgdata", "ollama"} <= set(compose["volumes"])
    assert "COACH_DATABASE_URL" in services["app"]["environment"]
