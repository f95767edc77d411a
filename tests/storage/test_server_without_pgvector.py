"""A PostgreSQL server that lacks pgvector is refused with one line, and nothing is created on it.

The server is real: a copy of the embedded PostgreSQL 16 install with the pgvector extension files removed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pgserver
import pytest
from pgserver.utils import ensure_prefix_permissions, ensure_user_exists

from tests.cli.test_cli import coach

SYSTEM_USER = "pgserver"  # postgres refuses to run as root; pgserver uses the same account


@pytest.fixture(scope="module")
def server_without_pgvector(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("no-vector")
    # The binaries find their libraries through RPATH $ORIGIN/../../../pgserver.libs: keep that layout.
    original = Path(pgserver.__file__).parent
    install = root / "site" / "pgserver" / "pginstall"
    shutil.copytree(original / "pginstall", install, symlinks=True)
    (root / "site" / "pgserver.libs").symlink_to(original.parent / "pgserver.libs")
    for control in (install / "share" / "postgresql" / "extension").glob("vector*"):
        control.unlink()
    data, sockets = root / "data", root / "sock"
    sockets.mkdir()
    user = None
    if os.geteuid() == 0:
        user = SYSTEM_USER
        ensure_user_exists(user)
        ensure_prefix_permissions(root)
        for path in (root, sockets):
            shutil.chown(path, user)
    run = {"user": user, "check": True, "capture_output": True, "timeout": 60}
    subprocess.run([install / "bin" / "initdb", "-D", data, "--auth=trust", "-U", "postgres"], **run)
    subprocess.run(
        [
            install / "bin" / "pg_ctl",
            "-D",
            data,
            "-w",
            "-o",
            f'-h "" -k {sockets}',
            "-l",
            data / "log",
            "start",
        ],
        **run,
    )
    yield f"postgresql://postgres@/postgres?host={sockets}"
    subprocess.run([install / "bin" / "pg_ctl", "-D", data, "-m", "immediate", "stop"], **run)


def test_a_server_without_pgvector_is_named_in_one_line_and_left_untouched(
    server_without_pgvector: str, tmp_path: Path
) -> None:
    result = coach(
        "tenants",
        env={"COACH_DATABASE_URL": server_without_pgvector, "COACH_DATA_DIR": str(tmp_path / "d")},
        timeout=60,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "has no pgvector extension" in lines[0], result.stderr
    psql = Path(pgserver.__file__).parent / "pginstall" / "bin" / "psql"
    tables = subprocess.run(
        [psql, server_without_pgvector, "-tAc", "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    roles = subprocess.run(
        [psql, server_without_pgvector, "-tAc", "SELECT count(*) FROM pg_roles WHERE rolname = 'coach_app'"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert (tables, roles) == ("0", "0")
    assert not (tmp_path / "d").exists()
