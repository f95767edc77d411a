"""Digest and reply throughput on this machine.

1. Seeds N tenants shaped like Demo Café (two years of daily data, 16 products, one owner with an email address
   and one goal each; a different random seed each), then composes and queues every digest with the real tools
   (``queue_digests``): first a few in this process (the baseline), then all of them on worker processes,
   and delivers them to a loopback SMTP sink: time per digest and for all of them.
2. Starts the inbound SMTP listener with the offline model and sends M replies (4 connections at a time):
   messages per second accepted and answered (answer queued in the outbox).

    .venv/bin/python benchmarks/digest.py --tenants 1000 --replies 200
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import secrets
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiosmtplib  # noqa: E402
from _db import scratch_database  # noqa: E402

from bot.email.digests import queue_digests  # noqa: E402
from bot.email.inbound import InboundHandler, InboundServer  # noqa: E402
from bot.email.sender import deliver_due  # noqa: E402
from bot.email.tokens import new_thread, reply_token  # noqa: E402
from coach.core import Coach  # noqa: E402
from coach.offline import OfflineLLM  # noqa: E402
from connectors.demo.businesses import DEMO_CAFE  # noqa: E402
from connectors.demo.seed import seed_profile  # noqa: E402
from storage.database import Database  # noqa: E402
from storage.goals.service import GoalCreate, create_goal  # noqa: E402
from storage.secrets import secret_key  # noqa: E402
from storage.settings import Settings  # noqa: E402
from storage.tenants.users import ensure_email_user  # noqa: E402
from tests.email.sink import Sink  # noqa: E402

END, TODAY, DOMAIN = date(2026, 6, 30), date(2026, 7, 1), "coach.example"


async def seed(db: Database, count: int) -> list[tuple[object, object]]:
    """``count`` Demo-Café-shaped tenants, each with an owner and a goal: (tenant id, user id) pairs."""
    pairs = []
    for i in range(count):
        profile = dataclasses.replace(DEMO_CAFE, slug=f"bench-{i:05d}", name=f"Bench Café {i}", seed=1000 + i)
        tenant = (await seed_profile(db, profile, end=END)).tenant_id
        async with db.tenant_session(tenant) as session:
            user = await ensure_email_user(
                session=session, email=f"owner{i}@bench.example", display_name="Owner"
            )
            await create_goal(
                session=session,
                goal=GoalCreate(
                    title="Revenue $200,000 in June and July",
                    metric="revenue",
                    target_value=200_000,
                    deadline=date(2026, 7, 31),
                    start_date=date(2026, 6, 1),
                    user_id=user.id,
                ),
            )
        pairs.append((tenant, user.id))
    return pairs


async def replies(db: Database, settings: Settings, pairs: list, count: int) -> tuple[float, int]:
    """Send ``count`` replies through the inbound server; (seconds, answers queued)."""
    coach = Coach(db, settings, offline=OfflineLLM(), today=TODAY)
    handler = InboundHandler(db, settings, coach, today=lambda: TODAY)
    key = secret_key(settings)
    questions = [
        "How did revenue do last week?",
        "What were orders last week?",
        "How many customers last week?",
    ]

    async def one(i: int) -> None:
        tenant, user = pairs[i % len(pairs)]
        owner = (
            f"owner{i % len(pairs)}@bench.example"  # the business's own person (strangers are rate-limited)
        )
        token = reply_token(key, tenant_id=tenant, user_id=user, thread=new_thread(), today=TODAY, days=60)
        to = f"reply+{token}@{DOMAIN}"
        raw = (
            f"From: {owner}\r\nTo: {to}\r\nSubject: Re: Your week\r\nMessage-ID: "
            f"<{secrets.token_hex(8)}@bench>\r\n\r\n{questions[i % 3]}\r\n\r\nOn Mon, Jul 6, 2026 at 8:00 AM "
            f"Coach <{to}> wrote:\r\n> Your week\r\n"
        ).encode()
        async with aiosmtplib.SMTP(
            hostname="127.0.0.1", port=server.port, start_tls=False, timeout=120
        ) as smtp:
            await smtp.sendmail(owner, [to], raw)

    async with InboundServer(handler, settings, port=0) as server:
        started = time.perf_counter()
        for batch in range(0, count, 4):
            await asyncio.gather(*(one(i) for i in range(batch, min(batch + 4, count))))
        elapsed = time.perf_counter() - started
    await coach.aclose()
    return elapsed, sum(1 for o in handler.outcomes if o.status == "answered")


async def main(tenants: int, reply_count: int, workers: int) -> None:
    """Run both parts and print the figures."""
    logging.basicConfig(level=logging.ERROR)
    sink = Sink()
    await sink.start()
    async with scratch_database(pool_size=8) as db:
        t = time.perf_counter()
        pairs = await seed(db, tenants)
        print(f"seeded {tenants} tenants in {time.perf_counter() - t:.0f} s")
        settings = Settings(
            secret_key="benchmark-secret-key",
            smtp_host="127.0.0.1",
            smtp_port=sink.port,
            smtp_starttls=False,
            mail_from=f"coach@{DOMAIN}",
            reply_domain=DOMAIN,
            llm_provider="offline",
            inbound_port=1025,
        )
        baseline_n = min(tenants, 8)
        t = time.perf_counter()
        base = await queue_digests(db, settings, today=TODAY, tenant_ids=[p[0] for p in pairs[:baseline_n]])
        base_each = (time.perf_counter() - t) / max(len(base.compose_seconds), 1)
        print(f"baseline, one process: {baseline_n} digests, {base_each:.2f} s per digest")
        t = time.perf_counter()
        run = await queue_digests(db, settings, today=TODAY, workers=workers)
        composed = time.perf_counter() - t
        t = time.perf_counter()
        delivery = await deliver_due(db, settings)
        sent = time.perf_counter() - t
        per = list(run.compose_seconds.values())
        queue_each = composed / max(len(run.compose_seconds), 1)
        print(
            f"digests: {len(run.compose_seconds)} composed, {len(base.queued) + len(run.queued)} queued, "
            f"{len(run.failed_tenants)} failed, {len(delivery.sent)} delivered to the sink "
            f"({len(sink.received)} received)"
        )
        print(
            f"compose+queue on {workers} worker process(es): {composed:.1f} s total, {queue_each:.2f} s per "
            f"digest, ratio to one process {queue_each / base_each:.2f} (compose median "
            f"{statistics.median(per):.2f} s, p90 {sorted(per)[int(0.9 * (len(per) - 1))]:.2f} s per tenant "
            f"inside a worker); delivery {sent:.2f} s ({len(delivery.sent) / max(sent, 1e-9):.0f} msg/s)"
        )
        print(
            f"projected: 1,000 digests {1000 * queue_each / 60:.1f} min; 5,000 {5000 * queue_each / 3600:.2f} h "
            f"(this machine has {os.cpu_count()} cores; LLM cost per digest $0: tools only)"
        )
        elapsed, answered = await replies(db, settings, pairs, reply_count)
        print(
            f"replies: {reply_count} sent, {answered} answered in {elapsed:.1f} s: "
            f"{reply_count / elapsed:.2f} accepted and answered per second (offline model)"
        )
    await sink.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--replies", type=int, default=200)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="digest worker processes")
    args = parser.parse_args()
    asyncio.run(main(args.tenants, args.replies, args.workers))
