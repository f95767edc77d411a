"""Acknowledged Slack messages outlive the process that acknowledged them: a real ``coach serve`` on the embedded
PostgreSQL, killed with ``kill -9`` and stopped with SIGTERM while it answers 20 DMs on a slow loopback Slack; every
DM is answered exactly once (one message in its thread, finished with the answer) by the processes that follow,
and the last SIGTERM stops the embedded server too."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import httpx
import pytest

from storage.database import Database
from storage.settings import Settings
from tests.cli.test_serve import free_port, serve_env, until_healthy
from tests.conftest import repo_root
from tests.slack.slack_api import SlackAPI, Workspace
from tests.slack.wire import SIGNING_SECRET, dm, event_body, signed_headers

SECRET = "restart-test-secret-key"
TEAM = Workspace(team_id="TRESTART", token="xoxb-restart", bot_user_id="UBRESTART", bot_id="BRESTART")
OWNER = "U_RESTART_OWNER"
DMS = 20


@pytest.fixture(scope="module")
def slack() -> Iterator[SlackAPI]:
    """Slack's Web API on loopback, knowing the business's workspace and its owner."""
    api = SlackAPI()
    api.start()
    api.add_workspace(TEAM)
    api.add_user(OWNER, "Rita Restart", tz="Europe/London")
    yield api
    api.stop()


class Serving:
    """``coach serve`` processes started one after another on one data dir, each logging to a file."""

    def __init__(self, data_dir: Path, slack: SlackAPI) -> None:
        self.env = serve_env(None, sink_port=free_port(), inbound_port=free_port()) | {
            "COACH_DATA_DIR": str(data_dir),
            "COACH_SECRET_KEY": SECRET,
            "COACH_SLACK_BOT_TOKEN": TEAM.token,
            "COACH_SLACK_TENANT": "restart-cafe",
            "COACH_SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "COACH_SLACK_API_URL": slack.api_url,
            "COACH_SLACK_EVENT_LEASE_S": "3",
        }
        self.data_dir = data_dir
        self.logs: list[IO[bytes]] = []

    async def start(self) -> tuple[asyncio.subprocess.Process, httpx.AsyncClient]:
        """A new process, once it answers /healthz, and a client on it."""
        port = free_port()
        log = (self.data_dir / f"serve-{len(self.logs)}.log").open("wb")
        self.logs.append(log)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "serve", "--port", str(port),
            cwd=repo_root(), env=self.env, stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log,
        )  # fmt: skip
        http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10)
        if not await until_healthy(process, http):
            pytest.fail(f"coach serve did not start: {self.log(-1)[-3000:]}")
        return process, http

    def log(self, index: int) -> str:
        """What a process printed."""
        self.logs[index].flush()
        return Path(self.logs[index].name).read_text(errors="replace")


async def send_dms(http: httpx.AsyncClient, channel: str) -> list[str]:
    """20 DMs at once, as Slack delivers them; each must be acknowledged with a 200. Their ts."""
    stamps = [f"1790000000.{i:06d}" for i in range(DMS)]
    bodies = [
        event_body(TEAM.team_id, dm(OWNER, "what goals do we have?", ts=ts, channel=channel)) for ts in stamps
    ]
    responses = await asyncio.gather(
        *(http.post("/slack/events", content=b, headers=signed_headers(b)) for b in bodies)
    )
    assert [r.status_code for r in responses] == [200] * DMS
    return stamps


def threads(slack: SlackAPI, channel: str) -> dict[str, list[str]]:
    """Per DM (by its ts): the messages the coach posted in its thread."""
    posted: dict[str, list[str]] = {}
    for where, ts, parent in slack.posted():
        if where == channel:
            posted.setdefault(parent, []).append(ts)
    return posted


def answered(slack: SlackAPI, channel: str) -> set[str]:
    """The coach's messages in ``channel`` whose latest update is a finished answer (Block Kit, not an apology)."""
    latest: dict[str, dict[str, object]] = {}
    for call in slack.calls("chat.update"):
        if call.params.get("channel") == channel:
            latest[str(call.params["ts"])] = call.params
    return {
        ts for ts, params in latest.items() if params.get("blocks") and "Sorry" not in str(params["text"])
    }


def answered_once(slack: SlackAPI, channel: str, stamps: list[str]) -> bool:
    """Every DM has exactly one message from the coach in its thread, and that message holds the answer."""
    posted = threads(slack, channel)
    done = answered(slack, channel)
    return all(len(posted.get(ts, [])) == 1 and posted[ts][0] in done for ts in stamps)


async def until_answered(slack: SlackAPI, channel: str, stamps: list[str], seconds: float = 180) -> None:
    """Wait until every DM is answered (or time runs out)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline and len(answered(slack, channel)) < len(stamps):
        await asyncio.sleep(0.2)


def alive(pid: int) -> bool:
    """Whether a process with this id still runs."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_acknowledged_dms_are_answered_once_across_kill_9_and_sigterm(
    tmp_path: Path, slack: SlackAPI
) -> None:
    db = await Database.open(Settings(data_dir=tmp_path, secret_key=SECRET))  # type: ignore[arg-type]
    await db.system.ensure_tenant(slug="restart-cafe", name="Restart Cafe", industry="cafe", timezone="UTC",
                                  currency="USD", country="US")  # fmt: skip
    await db.close()
    serving = Serving(tmp_path, slack)
    slack.slow("chat.postMessage", 0.3)
    slack.slow(
        "chat.update", 1.0
    )  # answers take a while to write: some are half-written when the process dies

    # 1. kill -9 two seconds after 20 acknowledged DMs
    first, http = await serving.start()
    killed = await send_dms(http, "DKILL")
    await asyncio.sleep(1.2)
    first.kill()
    await first.wait()
    await http.aclose()
    at_kill = len(answered(slack, "DKILL"))
    print(f"at kill -9: {len(threads(slack, 'DKILL'))} placeholders, {at_kill} answered")  # noqa: T201
    assert at_kill < DMS  # acknowledged and not yet answered when the process died

    # 2. the next process answers them; then SIGTERM one second after 20 more
    second, http = await serving.start()
    await until_answered(slack, "DKILL", killed)
    assert answered_once(slack, "DKILL", killed), serving.log(1)[-3000:]
    termed = await send_dms(http, "DTERM")
    await asyncio.sleep(1)
    second.send_signal(signal.SIGTERM)
    await asyncio.wait_for(second.wait(), 60)
    await http.aclose()
    assert second.returncode == 0, serving.log(1)[-3000:]
    at_exit = threads(slack, "DTERM")
    finished = answered(slack, "DTERM")
    assert all(posts[0] in finished for posts in at_exit.values()), "SIGTERM left an answer half-written"

    # 3. the process after that answers what was not started, and its SIGTERM stops the embedded server too
    third, http = await serving.start()
    postmaster = int((tmp_path / "pgdata" / "postmaster.pid").read_text().split()[0])
    await until_answered(slack, "DTERM", termed)
    third.send_signal(signal.SIGTERM)
    await asyncio.wait_for(third.wait(), 60)
    await http.aclose()
    for _ in range(100):
        if not alive(postmaster):
            break
        await asyncio.sleep(0.1)

    assert answered_once(slack, "DTERM", termed), serving.log(2)[-3000:]
    assert third.returncode == 0
    assert not alive(postmaster), "the embedded PostgreSQL was left running"
    assert "Traceback" not in serving.log(1) + serving.log(2)
