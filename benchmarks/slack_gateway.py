"""Slack gateway under a burst: N concurrent signed Events API deliveries (DMs) over real loopback HTTP to
``coach serve``'s app on uvicorn, plus Slack-style retries of some of them. Every message is written to PostgreSQL
before it is acknowledged (so a stopped process loses none). Measures the acknowledgement latency
(Slack's limit is 3,000 ms; goal p99 <= 300 ms), then waits for every answer and counts duplicates. The same
burst first goes to Bolt's own Starlette adapter (it acknowledges after Bolt's dispatch), the baseline the ratio
is taken against.

Slack's side runs in a process of its own (``_slack_sender.py``), as Slack is a machine of its own: its client
work is not counted as the gateway's latency. The coach answers with a canned model (the benchmark is about the
gateway, not the model); the Web API is the loopback stand-in from ``tests/slack``; the workspace is installed
in multi-workspace mode, so every request goes through the per-request ``authorize`` (installation lookup,
cached briefly) as in production.

    .venv/bin/python benchmarks/slack_gateway.py [--events 200] [--retries 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

import uvicorn
import uvloop
from _db import scratch_database  # type: ignore[import-not-found]
from fastapi import FastAPI, Request, Response
from rich.console import Console

from bot.heap import settle
from bot.slack.app import SlackGateway, build_slack_gateway
from bot.slack.config import slack_config
from bot.slack.deps import SlackDeps
from bot.web.app import create_app
from bot.web.metrics import Metrics
from coach.core import Coach
from coach.warmup import warm_up
from storage.crypto import TokenCipher
from storage.settings import Settings
from storage.slack.service import save_installation
from tests.llm.canned import CannedLLM
from tests.slack.slack_api import SlackAPI, Workspace
from tests.slack.wire import SIGNING_SECRET, dm, event_body, signed_headers

console = Console()
SECRET = b"benchmark-secret"


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def bolt_adapter_app(gateway: SlackGateway) -> FastAPI:
    """The baseline: Bolt's own Starlette adapter on /slack/events (it acknowledges after Bolt's dispatch)."""
    app = FastAPI()

    async def forward(request: Request) -> Response:
        return await gateway.handler.handle(request)

    app.add_api_route("/slack/events", forward, methods=["POST"])
    return app


async def burst(
    app: FastAPI, gateway: SlackGateway, *, tag: str, n_events: int, n_retries: int
) -> dict[str, float]:
    """Serve ``app`` on uvicorn, send the burst from another process, wait for every answer; the figures."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off",
                                           backlog=4096))  # fmt: skip
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    bodies = [
        event_body(
            "TBENCH",
            dm(f"U{i % 20:04d}", f"how are sales {i}?", ts=f"1750000000.{i:06d}", channel=f"D{tag}"),
            event_id=f"Ev{tag}{i:05d}",
        )  # fmt: skip
        for i in range(n_events)
    ]
    deliveries = [(b, signed_headers(b)) for b in bodies] + [
        (b, {**signed_headers(b), "X-Slack-Retry-Num": "1"}) for b in bodies[:n_retries]
    ]
    job = json.dumps({"port": port, "deliveries": deliveries}).encode()
    sender = await asyncio.create_subprocess_exec(
        sys.executable, str(Path(__file__).with_name("_slack_sender.py")),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    began = time.perf_counter()
    out, _ = await sender.communicate(job)
    results = json.loads(out)
    await gateway.drain(timeout_s=300)
    answered_s = time.perf_counter() - began
    server.should_exit = True
    await serving
    latencies = [ms for ms, _ in results]
    return {
        "status_200": sum(1 for _, status in results if status == 200),
        "ack_p50_ms": round(statistics.median(latencies), 1),
        "ack_p99_ms": round(percentile(latencies, 99), 1),
        "ack_max_ms": round(max(latencies), 1),
        "all_answered_s": round(answered_s, 2),
    }


async def main(n_events: int, n_retries: int) -> dict[str, object]:
    """The burst against Bolt's own adapter (baseline), then against the gateway as ``coach serve`` mounts it."""
    api = SlackAPI()
    api.start()
    workspace = api.add_workspace(Workspace("TBENCH", "xoxb-bench", "UBBENCH", "BBENCH", "Bench"))
    for i in range(20):
        api.add_user(f"U{i:04d}", f"Person {i}")
    async with scratch_database(pool_size=10) as db:
        tenant = await db.system.ensure_tenant(slug="bench-cafe", name="Bench Cafe", industry="cafe",
                                               timezone="UTC", currency="USD", country="US")  # fmt: skip
        async with db.tenant_session(tenant) as session:
            await save_installation(session=session, cipher=TokenCipher(SECRET), team_id="TBENCH", enterprise_id=None,
                                    team_name="Bench", bot_user_id="UBBENCH", bot_id="BBENCH",
                                    bot_token=workspace.token, bot_scopes="chat:write",
                                    installer_user_id="U0000")  # fmt: skip
        settings = Settings(secret_key="benchmark-secret-key", llm_provider="offline", slack_client_id="1.2",  # type: ignore[arg-type]
                            slack_client_secret="bench-oauth", slack_signing_secret=SIGNING_SECRET,
                            slack_api_url=api.api_url)  # fmt: skip
        config = slack_config(settings)
        assert config is not None
        coach = Coach(db, settings, offline=CannedLLM(answer="Sales look steady this week."))
        await asyncio.to_thread(warm_up)  # as coach serve starts: engines loaded, start-up objects set aside
        settle()
        metrics = Metrics()
        deps = SlackDeps(db=db, coach=coach, metrics=metrics)
        gateway = build_slack_gateway(deps, config, cipher=TokenCipher(SECRET), state_secret=SECRET)
        gateway.start()  # answers recorded messages, as coach serve does
        figures: dict[str, object] = {"events": n_events, "retries": n_retries}
        apps = {"bolt_adapter": bolt_adapter_app(gateway),
                "coach_serve": create_app(db=db, settings=settings, metrics=metrics, slack=gateway)}  # fmt: skip
        for tag, app in apps.items():
            console.print(f"[dim]{n_events} events + {n_retries} retries into {tag}...[/]")
            before = len(api.calls("chat.postMessage")), len(api.calls("chat.update"))
            figures[tag] = await burst(app, gateway, tag=tag.upper().replace("_", ""), n_events=n_events,
                                       n_retries=n_retries)  # fmt: skip
            threads = [c.params["thread_ts"] for c in api.calls("chat.postMessage")[before[0] :]]
            answers = {(c.params["channel"], c.params["ts"]) for c in api.calls("chat.update")[before[1] :]
                       if "Sales look steady" in str(c.params["text"])}  # fmt: skip
            figures[tag]["answered"] = len(answers)  # type: ignore[index]
            figures[tag]["duplicates"] = len(threads) - len(set(threads))  # type: ignore[index]
        await gateway.stop()
        await coach.aclose()
    api.stop()
    base, ours = figures["bolt_adapter"], figures["coach_serve"]
    figures["ack_p99_ratio_to_bolt_adapter"] = round(ours["ack_p99_ms"] / base["ack_p99_ms"], 3)  # type: ignore[index]
    figures["ack_p99_ratio_to_slack_limit"] = round(ours["ack_p99_ms"] / 3000, 3)  # type: ignore[index]
    figures["duplicate_deliveries_skipped"] = int(metrics.value("slack_events_duplicate_total"))
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--retries", type=int, default=50)
    args = parser.parse_args()
    figures = uvloop.run(main(args.events, args.retries))  # as coach serve runs
    out = Path(__file__).with_name("results")
    out.mkdir(exist_ok=True)
    (out / "slack_gateway.json").write_text(json.dumps(figures, indent=2))
    console.print_json(json.dumps(figures))
    ours = figures["coach_serve"]
    ok = ours["ack_p99_ms"] <= 300 and ours["duplicates"] == 0 and ours["answered"] == figures["events"]
    console.print(
        "[green]goal met[/]" if ok else "[red]goal missed[/]: p99 <= 300 ms, 0 duplicates, all answered"
    )
