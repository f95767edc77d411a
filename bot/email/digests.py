"""The weekly digest job: compose each tenant's digest once, address it to each subscribed user, and queue it.

Each tenant gets its own transaction and its own error handling. A user's digest for a week has a stable
Message-ID, so running the job twice in a week queues nothing new. The digest is recorded as the first turn of
its email thread in the same transaction as its outbox row, so the coach remembers what it said when the owner
replies. In the same transaction, every subscribed user with a Slack user id gets the same digest queued as a
Slack DM (``bot.slack.digests``), with a stable id of its own.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import parseaddr

from bot.email.digest_workers import compose_on_workers, current_worker, settle_once
from bot.email.message import address, assemble, digest_headers, image_cids, stable_message_id
from bot.email.tokens import reply_token, unsubscribe_token
from bot.slack.digests import queue_digest_dm
from coach.digest import Digest, compose_digest, render_html, render_text
from coach.periods import today_in
from coach.tools.context import FrameCache, ToolContext
from storage.coaching.service import record_turn
from storage.database import Database, TenantInfo
from storage.messaging.outbox import enqueue, get_by_message_id
from storage.secrets import secret_key
from storage.settings import Settings
from storage.tenants.models import User
from storage.tenants.users import digest_recipients, slack_digest_recipients

log = logging.getLogger(__name__)
REPLY_TOKEN_DAYS = 60
CHANNEL = "email"


@dataclass
class DigestRun:
    """What one run of the digest job did."""

    queued: list[str] = field(default_factory=list)  # Message-IDs of emails
    already_queued: int = 0
    queued_slack: list[str] = field(default_factory=list)  # ids of Slack DMs
    already_queued_slack: int = 0
    skipped_tenants: list[str] = field(default_factory=list)  # no subscribers or no data
    failed_tenants: list[str] = field(default_factory=list)
    compose_seconds: dict[str, float] = field(default_factory=dict)

    def merge(self, other: DigestRun) -> None:
        """Add what another run (one tenant's, from a worker) did."""
        self.queued += other.queued
        self.already_queued += other.already_queued
        self.queued_slack += other.queued_slack
        self.already_queued_slack += other.already_queued_slack
        self.skipped_tenants += other.skipped_tenants
        self.failed_tenants += other.failed_tenants
        self.compose_seconds.update(other.compose_seconds)


@dataclass(frozen=True)
class DigestEmail:
    """One addressed digest, ready for the outbox."""

    message: EmailMessage
    message_id: str
    thread: str
    text: str
    html: str


def unsubscribe_url(settings: Settings, token: str) -> str:
    """The web link that stops digests (served by the web app at ``/unsubscribe``)."""
    return f"{settings.public_base_url.rstrip('/')}/unsubscribe?token={token}"


def digest_email(
    digest: Digest, *, settings: Settings, key: bytes, tenant_id: uuid.UUID, user: User, today: date
) -> DigestEmail:
    """The digest as a MIME message for ``user``, with a signed reply address and unsubscribe link."""
    domain = settings.reply_domain
    message_id = stable_message_id(domain, "digest", str(tenant_id), str(user.id), digest.period)
    thread = hashlib.sha256(message_id.encode()).hexdigest()[:10]
    token = reply_token(
        key, tenant_id=tenant_id, user_id=user.id, thread=thread, today=today, days=REPLY_TOKEN_DAYS
    )
    stop = unsubscribe_token(key, tenant_id=tenant_id, user_id=user.id)
    link = unsubscribe_url(settings, stop)
    personal = dataclasses.replace(digest, greeting_name=(user.display_name or "").split(" ")[0])
    sparks = image_cids(domain, message_id + "/spark", len(personal.metrics))
    charts = image_cids(domain, message_id + "/chart", len(personal.charts))
    html = render_html(personal, spark_cids=sparks, chart_cids=charts, unsubscribe_url=link)
    text = render_text(personal, unsubscribe_url=link)
    images = list(zip(sparks, [m.spark_chart for m in personal.metrics], strict=True))
    images += list(zip(charts, personal.charts, strict=True))
    message = assemble(
        mail_from=settings.mail_from,
        to=user.email or "",
        subject=personal.subject,
        message_id=message_id,
        text=text,
        html=html,
        images=images,
        headers=digest_headers(
            reply_to=address(f"reply+{token}", domain),
            unsubscribe_mailto=address(f"unsubscribe+{stop}", domain),
            unsubscribe_url=link,
        ),
        date=datetime.now(UTC),
    )
    return DigestEmail(message=message, message_id=message_id, thread=thread, text=text, html=html)


def outbox_payload(message: EmailMessage, mail_from: str) -> dict[str, str]:
    """What the sender needs: the envelope sender and the exact bytes to send."""
    return {"mail_from": parseaddr(mail_from)[1], "raw": base64.b64encode(message.as_bytes()).decode()}


def compose_in_worker(tenant: TenantInfo, today: date) -> DigestRun:
    """Runs in a digest worker process: compose and queue one tenant's digests; returns its DigestRun."""
    worker = current_worker()
    run = DigestRun()
    try:
        worker.loop.run_until_complete(
            queue_tenant(worker.db, worker.settings, tenant, today=today, frames=worker.frames, run=run)
        )
    except Exception:  # noqa: BLE001 - one tenant's failure never skips the rest
        log.exception("digest failed for tenant %s", tenant.slug)
        run.failed_tenants.append(tenant.slug)
    settle_once(worker)
    return run


async def queue_tenant(
    db: Database, settings: Settings, tenant: TenantInfo, *, today: date, frames: FrameCache, run: DigestRun
) -> None:
    """Compose one tenant's digest and queue it for each of its subscribed users, recording what happened in run."""
    async with db.tenant_session(tenant.id) as session:
        users = await digest_recipients(session=session)
        slack_users = await slack_digest_recipients(session=session)
    if not users and not slack_users:
        run.skipped_tenants.append(tenant.slug)
        return
    started = time.perf_counter()
    ctx = ToolContext(db=db, tenant=tenant, user_id=None, today=today, frames=frames)
    digest = await compose_digest(ctx)
    run.compose_seconds[tenant.slug] = time.perf_counter() - started
    if digest is None:
        run.skipped_tenants.append(tenant.slug)
        return
    key = secret_key(settings)
    async with db.tenant_session(tenant.id) as session:
        for user in users:
            mail = digest_email(
                digest, settings=settings, key=key, tenant_id=tenant.id, user=user, today=today
            )
            if await get_by_message_id(session=session, message_id=mail.message_id) is not None:
                run.already_queued += 1
                continue
            if not await enqueue(
                session=session,
                channel=CHANNEL,
                message_id=mail.message_id,
                recipient=user.email or "",
                subject=digest.subject,
                payload=outbox_payload(mail.message, settings.mail_from),
            ):  # a run racing this one queued it first: its turn is recorded once, by that run
                run.already_queued += 1
                continue
            await record_turn(
                session=session,
                user_id=user.id,
                channel=CHANNEL,
                thread_key=f"email:{mail.thread}",
                question="(weekly digest)",
                answer=mail.text,
                embedding=None,
                tool_calls=[{"name": r.tool, "args": {}, "ok": r.ok} for r in digest.results],
                provider="digest",
                tokens=0,
                latency_ms=int(run.compose_seconds[tenant.slug] * 1000),
                cost_usd=0.0,
            )
            run.queued.append(mail.message_id)
        for user in slack_users:
            queued = await queue_digest_dm(
                session=session,
                digest=digest,
                settings=settings,
                tenant_id=tenant.id,
                user=user,
                compose_ms=int(run.compose_seconds[tenant.slug] * 1000),
            )
            if queued is None:
                run.already_queued_slack += 1
            else:
                run.queued_slack.append(queued)


async def queue_digests(
    db: Database,
    settings: Settings,
    *,
    today: date | None = None,
    tenant_ids: list[uuid.UUID] | None = None,
    frames: FrameCache | None = None,
    workers: int = 1,
    progress: Callable[[str], None] | None = None,
) -> DigestRun:
    """Compose and queue this week's digest for every subscribed user (email, Slack DM) of all or ``tenant_ids``.

    ``workers`` > 1 composes on that many processes (see ``digest_workers``); ``progress`` hears each tenant's
    slug as it is done.
    """
    run = DigestRun()
    cache = frames or FrameCache()
    tenants = [t for t in await db.system.list_tenants() if t.is_active]
    if tenant_ids is not None:
        tenants = [t for t in tenants if t.id in set(tenant_ids)]
    jobs = [(tenant, today or today_in(tenant.timezone)) for tenant in tenants]

    async def here(tenant: TenantInfo, day: date) -> None:
        try:
            await queue_tenant(db, settings, tenant, today=day, frames=cache, run=run)
        except Exception:  # noqa: BLE001 - one tenant's failure never skips the rest
            log.exception("digest failed for tenant %s", tenant.slug)
            run.failed_tenants.append(tenant.slug)
        if progress is not None:
            progress(tenant.slug)

    def merge(tenant: TenantInfo, one: DigestRun) -> None:
        run.merge(one)
        if progress is not None:
            progress(tenant.slug)

    if workers > 1 and len(jobs) > 1:
        await compose_on_workers(
            db,
            settings,
            jobs,
            workers=min(workers, len(jobs)),
            task=compose_in_worker,
            merge=merge,
            fallback=here,
        )
    else:
        for tenant, day in jobs:
            await here(tenant, day)
    return run
