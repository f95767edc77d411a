"""The weekly digest as a Slack DM: queued with the emails (same run, same transaction), delivered from the outbox.

A user's DM for a week has a stable id, so running the digest job twice in a week queues nothing new. Delivery
opens the DM (``conversations.open``) and posts the digest with the tenant's bot token (the single workspace's
token for ``COACH_SLACK_TENANT``, else the tenant's stored installation). Each post carries the row's id as message
metadata; a row claimed again (after a failure or a crash) first looks for that metadata in the DM's history, so
a DM that was posted but not yet marked ``sent`` is never posted twice. The digest is recorded as the first turn
of the DM's thread when it is marked sent, so the coach knows what it said when the owner replies there.
"""

from __future__ import annotations

import base64
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession

from bot.email.message import stable_message_id
from bot.email.sender import MAX_ATTEMPTS, backoff
from bot.slack.app import web_client
from bot.slack.blocks import digest_blocks
from bot.slack.config import SlackConfig, SlackConfigError, slack_config
from bot.slack.conversations import thread_key, upload_chart
from coach.digest import Digest
from coach.tools.result import Chart
from storage.coaching.service import record_turn
from storage.crypto import TokenCipher
from storage.database import Database
from storage.errors import TenantNotFound
from storage.messaging.outbox import claim_due, enqueue, lock_for_send, mark_retry, mark_sent
from storage.secrets import secret_key
from storage.settings import Settings
from storage.slack.service import latest_installation
from storage.tenants.models import User
from storage.tenants.users import get_user

log = logging.getLogger(__name__)
CHANNEL = "slack"
KIND = "digest-slack"
METADATA_TYPE = "coach_weekly_digest"
LEASE = timedelta(minutes=5)
HISTORY_LIMIT = 100
MAX_CHARTS = 2  # the forecast and the biggest driver, as in the email
NO_TOKEN = "no Slack bot token for this business (not COACH_SLACK_TENANT, or no installation)"
# Slack's answers that another attempt cannot change: give the row up at once.
PERMANENT = frozenset(
    {
        "account_inactive",
        "cannot_dm_bot",
        "channel_not_found",
        "invalid_auth",
        "invalid_blocks",
        "is_archived",
        "missing_scope",
        "msg_too_long",
        "no_permission",
        "not_authed",
        "team_access_not_granted",
        "token_expired",
        "token_revoked",
        "user_disabled",
        "user_not_found",
        "user_not_visible",
    }
)


@dataclass(frozen=True)
class DigestDM:
    """One user's digest DM, ready for the outbox."""

    message_id: str
    recipient: str  # the Slack user id
    subject: str
    payload: dict[str, Any]


@dataclass
class SlackDelivery:
    """What one pass over the Slack outbox did."""

    sent: list[str] = field(default_factory=list)  # outbox message ids
    retried: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    without_token: list[uuid.UUID] = field(default_factory=list)  # tenants whose DMs were given up
    configured: bool = True  # False: no usable Slack settings in this process, nothing was touched


def digest_dm(
    digest: Digest, *, settings: Settings, tenant_id: uuid.UUID, user: User, compose_ms: int = 0
) -> DigestDM:
    """The digest addressed to ``user``'s Slack DM: fallback text, Block Kit blocks, and what the turn records."""
    text, blocks = digest_blocks(digest)
    message_id = stable_message_id(settings.reply_domain, KIND, str(tenant_id), str(user.id), digest.period)
    charts = [
        {"title": c.title, "alt": c.alt, "png": base64.b64encode(c.png).decode()} for c in digest.charts
    ]
    payload = {
        "user_id": str(user.id),
        "text": text,
        "blocks": blocks,
        "charts": charts[:MAX_CHARTS],
        "tool_calls": [{"name": r.tool, "args": {}, "ok": r.ok} for r in digest.results],
        "compose_ms": compose_ms,
    }
    return DigestDM(
        message_id=message_id, recipient=user.slack_user_id or "", subject=digest.subject, payload=payload
    )


async def queue_digest_dm(
    *,
    session: AsyncSession,
    digest: Digest,
    settings: Settings,
    tenant_id: uuid.UUID,
    user: User,
    compose_ms: int = 0,
) -> str | None:
    """Queue ``user``'s digest DM in the caller's transaction; its id, or None when already queued this week."""
    dm = digest_dm(digest, settings=settings, tenant_id=tenant_id, user=user, compose_ms=compose_ms)
    fresh = await enqueue(
        session=session,
        channel=CHANNEL,
        message_id=dm.message_id,
        recipient=dm.recipient,
        subject=dm.subject,
        payload=dm.payload,
    )
    return dm.message_id if fresh else None


@dataclass
class _Workspace:
    """The bot token a tenant's DMs are posted with, and its team (asked with ``auth.test`` when unknown)."""

    token: str
    team_id: str = ""

    async def team(self, client: AsyncWebClient) -> str:
        """The workspace's team id (for the thread key the coach files the digest under)."""
        if not self.team_id:
            self.team_id = str((await client.auth_test(token=self.token)).get("team_id") or "")
        return self.team_id


@dataclass(frozen=True)
class _Claimed:
    id: uuid.UUID
    message_id: str
    recipient: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class _Tokens:
    """Where bot tokens come from in this process's Slack mode."""

    config: SlackConfig
    single_tenant: uuid.UUID | None  # single-workspace mode: the COACH_SLACK_TENANT business
    cipher: TokenCipher | None

    async def workspace(self, session: AsyncSession, tenant_id: uuid.UUID) -> _Workspace | None:
        """The token to post the tenant's DMs with, or None when it has none in this mode."""
        if self.config.mode == "single":
            ok = self.single_tenant == tenant_id and self.config.bot_token
            return _Workspace(token=self.config.bot_token or "") if ok else None
        assert self.cipher is not None
        bot = await latest_installation(session=session, cipher=self.cipher)
        return None if bot is None else _Workspace(token=bot.bot_token, team_id=bot.team_id)


async def _tokens(db: Database, settings: Settings) -> _Tokens | None:
    try:
        config = slack_config(settings)
    except SlackConfigError as error:
        log.error("Slack digests wait: %s", error)
        return None
    if config is None:
        return None
    if config.mode == "multi":
        return _Tokens(config=config, single_tenant=None, cipher=TokenCipher(secret_key(settings)))
    try:
        single = (await db.system.tenant(config.tenant_slug or "")).id
    except TenantNotFound:  # a setting to fix, not a reason to give the DMs up
        log.error("Slack digests wait: COACH_SLACK_TENANT %r is not a business here", config.tenant_slug)
        return None
    return _Tokens(config=config, single_tenant=single, cipher=None)


async def _already_posted(client: AsyncWebClient, token: str, channel: str, message_id: str) -> str | None:
    """The ts of this digest if an earlier attempt posted it (found by its metadata), else None."""
    try:
        history = await client.conversations_history(
            token=token, channel=channel, limit=HISTORY_LIMIT, include_all_metadata=True
        )
    except SlackApiError as error:  # cannot look (e.g. no im:history): posting beats staying silent
        log.warning("conversations.history failed for %s: %s", channel, error.response.get("error"))
        return None
    for message in history.get("messages") or []:
        metadata = message.get("metadata") or {}
        payload = metadata.get("event_payload") or {}
        if metadata.get("event_type") == METADATA_TYPE and payload.get("message_id") == message_id:
            return str(message["ts"])
    return None


async def _post(client: AsyncWebClient, workspace: _Workspace, row: _Claimed) -> tuple[str, str, str]:
    """Open the DM and post the digest (unless an earlier attempt did): (team, channel, ts)."""
    team = await workspace.team(client)
    opened = await client.conversations_open(token=workspace.token, users=row.recipient)
    channel = str(opened["channel"]["id"])
    found = None
    if row.attempts > 1:
        found = await _already_posted(client, workspace.token, channel, row.message_id)
    if found is not None:
        return team, channel, found
    posted = await client.chat_postMessage(
        token=workspace.token,
        channel=channel,
        text=row.payload["text"],
        blocks=row.payload["blocks"],
        metadata={"event_type": METADATA_TYPE, "event_payload": {"message_id": row.message_id}},
        unfurl_links=False,
        unfurl_media=False,
    )
    return team, channel, str(posted["ts"])


async def _mark_delivered(
    db: Database, tenant_id: uuid.UUID, row: _Claimed, *, team: str, channel: str, ts: str, now: datetime
) -> bool:
    """Mark the row sent and record the digest as the first turn of the DM's thread; False if no longer ours."""
    async with db.tenant_session(tenant_id) as session:
        if await lock_for_send(session=session, outbox_id=row.id) is None:
            return False
        await mark_sent(session=session, outbox_id=row.id, now=now)
        user = await get_user(session=session, user_id=uuid.UUID(row.payload["user_id"]))
        await record_turn(
            session=session,
            user_id=None if user is None else user.id,
            channel=CHANNEL,
            thread_key=thread_key(team, channel, ts),
            question="(weekly digest)",
            answer=row.payload["text"],
            embedding=None,
            tool_calls=row.payload.get("tool_calls", []),
            provider="digest",
            tokens=0,
            latency_ms=int(row.payload.get("compose_ms", 0)),
            cost_usd=0.0,
        )
    return True


async def _deliver(
    db: Database,
    client: AsyncWebClient,
    workspace: _Workspace,
    tenant_id: uuid.UUID,
    row: _Claimed,
    now: datetime,
    report: SlackDelivery,
) -> None:
    try:
        team, channel, ts = await _post(client, workspace, row)
    except (SlackClientError, aiohttp.ClientError, OSError, TimeoutError) as error:
        code = str(error.response.get("error")) if isinstance(error, SlackApiError) else ""
        give_up = code in PERMANENT or row.attempts >= MAX_ATTEMPTS
        retry_at = None if give_up else now + backoff(row.attempts)
        async with db.tenant_session(tenant_id) as session:
            await mark_retry(session=session, outbox_id=row.id, error=str(error), retry_at=retry_at)
        (report.failed if give_up else report.retried).append(row.message_id)
        log.warning(
            "Slack digest %s to %s not sent (attempt %d): %s",
            row.message_id,
            row.recipient,
            row.attempts,
            code or error,
        )
        return
    if await _mark_delivered(db, tenant_id, row, team=team, channel=channel, ts=ts, now=now):
        report.sent.append(row.message_id)
        await _upload_charts(client, workspace.token, channel, ts, row.payload.get("charts") or [])
    else:
        log.warning("Slack digest %s was finished by another sender meanwhile", row.message_id)


async def _upload_charts(
    client: AsyncWebClient, token: str, channel: str, thread_ts: str, charts: list[dict[str, str]]
) -> None:
    """The digest's charts as images in the DM's thread; the digest itself is already delivered, so a failure
    here is logged, not retried."""
    for chart in charts:
        try:
            image = Chart(title=chart["title"], alt=chart["alt"], png=base64.b64decode(chart["png"]))
            await upload_chart(client, channel=channel, thread_ts=thread_ts, token=token, chart=image)
        except (SlackClientError, aiohttp.ClientError, OSError, TimeoutError) as error:
            log.warning("digest chart upload to %s failed: %s", channel, error)


async def _tenant_pass(
    db: Database,
    client: AsyncWebClient,
    tokens: _Tokens,
    tenant_id: uuid.UUID,
    now: datetime,
    report: SlackDelivery,
) -> None:
    async with db.tenant_session(tenant_id) as session:
        rows = await claim_due(session=session, channel=CHANNEL, now=now, lease=LEASE)
        claimed = [_Claimed(r.id, r.message_id, r.recipient, r.payload, r.attempts) for r in rows]
        workspace = await tokens.workspace(session, tenant_id) if claimed else None
        if claimed and workspace is None:  # given up in the claiming transaction: nothing was posted
            for row in claimed:
                await mark_retry(session=session, outbox_id=row.id, error=NO_TOKEN, retry_at=None)
    if not claimed:
        return
    if workspace is None:
        log.warning("tenant %s: %d Slack digest(s) not sent: %s", tenant_id, len(claimed), NO_TOKEN)
        report.without_token.append(tenant_id)
        report.failed.extend(row.message_id for row in claimed)
        return
    for row in claimed:
        await _deliver(db, client, workspace, tenant_id, row, now, report)


async def deliver_slack_due(
    db: Database,
    settings: Settings,
    *,
    now: datetime | None = None,
    tenant_ids: list[uuid.UUID] | None = None,
) -> SlackDelivery:
    """Post every due digest DM (each tenant on its own; one tenant's failure never stops the rest).

    When Slack is not configured (or misconfigured) in this process, nothing is touched: the DMs wait.
    """
    moment = now or datetime.now(UTC)
    report = SlackDelivery()
    tokens = await _tokens(db, settings)
    if tokens is None:
        report.configured = False
        return report
    client = web_client(tokens.config.api_url)
    ids = tenant_ids if tenant_ids is not None else [t.id for t in await db.system.list_tenants()]
    for tenant_id in ids:
        try:
            await _tenant_pass(db, client, tokens, tenant_id, moment, report)
        except Exception:  # noqa: BLE001 - one tenant's trouble must not stop the others
            log.exception("Slack outbox pass failed for tenant %s", tenant_id)
    return report
