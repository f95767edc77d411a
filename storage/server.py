"""The embedded PostgreSQL 16 (with pgvector) that runs in the data dir when no COACH_DATABASE_URL is set."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from storage.errors import DatabaseError

if TYPE_CHECKING:
    from pgserver.postgres_server import PostgresServer

log = logging.getLogger(__name__)
EMBEDDED_DATABASE = "coach"


def ensure_writable(directory: Path) -> Path:
    """Create the directory if needed and prove it is writable, or raise DatabaseError naming COACH_DATA_DIR."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        probe = directory / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise DatabaseError(f"COACH_DATA_DIR: cannot write to {directory} ({reason}).") from None
    return directory


class EmbeddedServer:
    """A handle on the embedded server: started (or reused if already running) on open, stopped on close."""

    def __init__(self, data_dir: Path) -> None:
        self.pgdata = ensure_writable(data_dir) / "pgdata"
        self._server: PostgresServer | None = None

    def start(self) -> str:
        """Start or reuse the server and return the owner's connection URL for the ``coach`` database."""
        # pgserver keeps its inter-process lock in the runtime dir; give it one beside the data when unset.
        runtime = self.pgdata.parent / "run"
        runtime.mkdir(mode=0o700, exist_ok=True)
        runtime.chmod(0o700)
        os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
        import pgserver  # imported here: starting the server is the only use, and the import is slow

        forget_dead_handles(self.pgdata)
        try:
            self._server = pgserver.get_server(self.pgdata, cleanup_mode="stop")
        except Exception as error:  # pgserver raises bare subprocess/assertion errors
            raise DatabaseError(
                f"The embedded PostgreSQL in {self.pgdata} did not start ({type(error).__name__}); "
                f"see {self.pgdata / 'log'}."
            ) from None
        self._server.psql(  # idempotent: create the database the first time only
            f"SELECT 'CREATE DATABASE {EMBEDDED_DATABASE}' "
            f"WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '{EMBEDDED_DATABASE}')\\gexec\n"
        )
        return self._server.get_uri(EMBEDDED_DATABASE)

    def stop(self) -> None:
        """Release this process's handle; the server stops when the last process using it lets go."""
        if self._server is not None:
            self._server.cleanup()
            self._server = None


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: running
        return True
    return True


def forget_dead_handles(pgdata: Path) -> list[int]:
    """Drop processes that no longer run from pgserver's list of the server's users; the ones dropped.

    pgserver stops the server when the last process in ``.handle_pids.json`` lets go. A process killed with
    SIGKILL never lets go, so without this the server would outlive every later ``coach`` for ever.
    """
    from pgserver.postgres_server import PostgresServer

    handles = pgdata / ".handle_pids.json"
    with PostgresServer._lock:  # pgserver's own inter-process lock around that file
        if not handles.exists():
            return []
        pids = [int(pid) for pid in json.loads(handles.read_text() or "[]")]
        dead = [pid for pid in pids if not _running(pid)]
        if dead:
            handles.write_text(json.dumps([pid for pid in pids if pid not in dead]))
            log.info(
                "forgot %d process(es) that used the embedded server and were killed: %s", len(dead), dead
            )
        return dead
