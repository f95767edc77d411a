"""Digests composed on worker processes: each tenant queued once, and a dead worker's tenants composed here."""

from __future__ import annotations

import base64
import dataclasses
import email
import email.policy
import uuid
from datetime import date

from bot.email.digest_workers import compose_on_workers
from bot.email.digests import queue_digests
from connectors.demo.businesses import DEMO_CAFE
from connectors.demo.seed import seed_profile
from storage.database import Database, TenantInfo
from storage.messaging.outbox import get_by_message_id
from storage.settings import Settings
from storage.tenants.users import ensure_email_user
from tests.coach.conftest import DEMO_END, TODAY
from tests.email.conftest import email_settings
from tests.email.worker_tasks import die_on_second


async def _tenants(db: Database, prefix: str, count: int) -> list[uuid.UUID]:
    ids = []
    for i in range(count):
        profile = dataclasses.replace(DEMO_CAFE, slug=f"{prefix}-{i}", name=f"Worker Café {i}", seed=500 + i)
        tenant = (await seed_profile(db, profile, end=DEMO_END)).tenant_id
        async with db.tenant_session(tenant) as session:
            await ensure_email_user(session=session, email=f"owner{i}@{prefix}.example", display_name="Sam")
        ids.append(tenant)
    return ids


async def test_worker_processes_queue_each_tenants_digest_once(db: Database) -> None:
    ids = await _tenants(db, "workers", 2)
    settings = email_settings(Settings(), 2525)
    done: list[str] = []
    run = await queue_digests(db, settings, today=TODAY, tenant_ids=ids, workers=2, progress=done.append)
    assert run.failed_tenants == [] and len(run.queued) == 2, run
    assert sorted(done) == ["workers-0", "workers-1"]
    again = await queue_digests(db, settings, today=TODAY, tenant_ids=ids)  # a rerun, here: nothing new
    assert again.queued == [] and again.already_queued == 2
    for i, tenant in enumerate(ids):
        async with db.tenant_session(tenant) as session:
            rows = [await get_by_message_id(session=session, message_id=m) for m in run.queued]
        (row,) = [r for r in rows if r is not None]  # each tenant sees its own digest only
        assert row.recipient == f"owner{i}@workers.example"
        raw = base64.b64decode(row.payload["raw"])
        body = email.message_from_bytes(raw, policy=email.policy.default).get_body(("plain",))
        assert body is not None
        text = body.get_content()
        assert f"Worker Café {i}" in text and "Revenue" in text


async def test_a_dead_workers_tenants_are_composed_in_this_process(db: Database) -> None:
    tenants = [
        TenantInfo(
            id=uuid.uuid4(),
            slug=f"ghost-{i}",
            name="Ghost",
            industry="cafe",
            timezone="UTC",
            currency="USD",
            country="US",
            is_active=True,
        )
        for i in range(3)
    ]
    merged: list[str] = []
    here: list[str] = []

    async def fallback(tenant: TenantInfo, day: date) -> None:
        assert day == TODAY
        here.append(tenant.slug)

    await compose_on_workers(
        db,
        Settings(),
        [(t, TODAY) for t in tenants],
        workers=2,
        merge=lambda tenant, run: merged.extend([tenant.slug] if run.compose_seconds else []),
        fallback=fallback,
        task=die_on_second,
    )
    assert "ghost-1" in here and "ghost-1" not in merged
    assert sorted(merged + here) == ["ghost-0", "ghost-1", "ghost-2"]
