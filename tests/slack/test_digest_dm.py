"""The weekly digest as a Slack DM: queued with the emails, posted once per user and week through the Web API
stand-in, retried after rate limits, never posted twice, and never in the way of the email digest."""

from __future__ import annotations

import base64
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.email.digests import queue_digests
from bot.email.sender import deliver_due
from bot.slack import digests as digests_module
from bot.slack.conversations import thread_key
from bot.slack.digests import LEASE, NO_TOKEN, deliver_slack_due, queue_digest_dm
from coach.digest import Digest, compose_digest
from coach.format import money
from coach.tools.context import FrameCache, ToolContext
from connectors.demo.businesses import DEMO_CAFE
from connectors.demo.generator import generate
from storage.coaching.service import thread_history
from storage.crypto import TokenCipher
from storage.database import Database
from storage.messaging.models import OutboxMessage
from storage.messaging.outbox import enqueue
from storage.settings import Settings
from storage.slack.service import save_installation
from storage.tenants.models import User
from storage.tenants.service import SlackProfile, get_or_create_slack_user
from storage.tenants.users import ensure_email_user, set_digest_opt_out
from tests.coach.conftest import DEMO_END, TODAY
from tests.email.conftest import email_settings
from tests.email.sink import Sink
from tests.slack.slack_api import SlackAPI, Workspace
from tests.slack.wire import SIGNING_SECRET


@pytest.fixture(scope="module")
async def sink() -> Any:
    """The outbound SMTP relay stand-in (for the email that must stay untouched)."""
    server = Sink()
    await server.start()
    yield server
    await server.stop()


def slack_settings(api: SlackAPI, sink: Sink, **slack: object) -> Settings:
    """The digest job's settings (as the email tests have them) plus these Slack settings."""
    return email_settings(
        Settings(), sink.port, slack_signing_secret=SIGNING_SECRET, slack_api_url=api.api_url, **slack
    )


def single_mode(api: SlackAPI, sink: Sink, workspace: Workspace, tenant_slug: str) -> Settings:
    """One workspace (COACH_SLACK_BOT_TOKEN) serving one business (COACH_SLACK_TENANT)."""
    return slack_settings(api, sink, slack_bot_token=workspace.token, slack_tenant=tenant_slug)


async def slack_person(db: Database, tenant_id: uuid.UUID, *, opted_out: bool = False) -> User:
    """A new person who talks to the coach on Slack (as the gateway creates them on first contact)."""
    async with db.tenant_session(tenant_id) as session:
        user = await get_or_create_slack_user(
            session=session, profile=SlackProfile(slack_user_id=f"U{secrets.token_hex(5).upper()}")
        )
        if opted_out:
            await set_digest_opt_out(session=session, user_id=user.id)
        return user


async def rows_for(db: Database, tenant_id: uuid.UUID, recipient: str) -> list[OutboxMessage]:
    """The tenant's outbox rows addressed to ``recipient``."""
    async with db.tenant_session(tenant_id) as session:
        found = await session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == recipient))
        return list(found.all())


def posts_to(api: SlackAPI, channel: str) -> list[dict[str, Any]]:
    """The parameters of every ``chat.postMessage`` call made to ``channel`` (including refused ones)."""
    return [c.params for c in api.calls("chat.postMessage") if c.params.get("channel") == channel]


def posted_in(api: SlackAPI, channel: str) -> int:
    """How many messages really landed in ``channel``."""
    return sum(1 for where, _, _ in api.posted() if where == channel)


def week(metric: str, start: str, end: str) -> float:
    """A weekly total straight from the demo generator (independent of the coach's tools)."""
    return float(generate(DEMO_CAFE, end=DEMO_END).daily.loc[start:end, metric].sum())


@dataclass(frozen=True)
class Shop:
    """A fresh business with no data, so delivery tests need no digest composing."""

    id: uuid.UUID
    slug: str


@pytest.fixture
async def shop(db: Database) -> Shop:
    """A fresh business (its own outbox, so nothing else is due in it)."""
    slug = f"shop-{secrets.token_hex(4)}"
    tenant_id = await db.system.ensure_tenant(
        slug=slug, name="Corner Shop", industry="retail", timezone="UTC", currency="USD", country="US"
    )
    return Shop(tenant_id, slug)


def small_digest() -> Digest:
    """A digest written by hand (delivery does not care how it was composed)."""
    return Digest(
        business="Corner Shop & Co",
        greeting_name="",
        period="22-28 Jun 2026",
        forecast="Revenue next week (6-12 Jul 2026): about $9,100 total (80% range $8,000 to $10,300).",
        action='Reply "what should I focus on this week?" and I will look through your numbers.',
    )


async def queued_dm(db: Database, settings: Settings, shop: Shop, user: User) -> str:
    """The hand-written digest queued for ``user`` as the digest job queues it; its outbox id."""
    async with db.tenant_session(shop.id) as session:
        message_id = await queue_digest_dm(
            session=session, digest=small_digest(), settings=settings, tenant_id=shop.id, user=user
        )
    assert message_id is not None
    return message_id


def start() -> datetime:
    """A moment just after now, so rows queued a moment ago are due."""
    return datetime.now(UTC) + timedelta(seconds=1)


async def test_a_slack_user_gets_one_dm_with_the_digests_figures_even_when_queued_twice(
    db: Database,
    demo_tenants: dict[str, uuid.UUID],
    slack_api: SlackAPI,
    cafe_workspace: Workspace,
    sink: Sink,
) -> None:
    cafe = demo_tenants["demo-cafe"]
    person = await slack_person(db, cafe)
    settings = single_mode(slack_api, sink, cafe_workspace, "demo-cafe")
    channel = slack_api.dm_channel(person.slack_user_id or "")
    frames = FrameCache()

    first = await queue_digests(db, settings, today=TODAY, tenant_ids=[cafe], frames=frames)
    delivered = await deliver_slack_due(db, settings, now=start(), tenant_ids=[cafe])
    again = await queue_digests(db, settings, today=TODAY, tenant_ids=[cafe], frames=frames)
    delivered_again = await deliver_slack_due(db, settings, now=start(), tenant_ids=[cafe])

    (row,) = await rows_for(db, cafe, person.slack_user_id or "")
    assert row.channel == "slack" and row.status == "sent" and row.message_id in first.queued_slack
    assert row.message_id not in again.queued_slack and again.already_queued_slack >= 1
    assert row.message_id in delivered.sent and delivered_again.sent == []
    (post,) = posts_to(slack_api, channel)
    assert posted_in(slack_api, channel) == 1
    assert [c.params["users"] for c in slack_api.calls("conversations.open")].count(person.slack_user_id) == 1
    assert {c.token for c in slack_api.calls()} == {cafe_workspace.token}

    tenant = await db.system.tenant("demo-cafe")
    ctx = ToolContext(db=db, tenant=tenant, user_id=None, today=TODAY, frames=frames)
    digest = await compose_digest(ctx)
    assert digest is not None and len(digest.metrics) == 4
    text, blocks = post["text"], post["blocks"]
    shown = "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")
    for line in digest.metrics:  # the same figures the email digest gives for the same week
        assert f"*{line.label}*: {line.value} ({line.change} vs the week before) `{line.spark}`" in shown
    revenue, before = week("revenue", "2026-06-22", "2026-06-28"), week("revenue", "2026-06-15", "2026-06-21")
    assert money(revenue, "USD") in text and f"{100 * (revenue - before) / before:+.1f}%" in text
    assert f"*Your week at {tenant.name}* (22-28 Jun 2026)" in text
    assert digest.forecast in shown and digest.action in shown
    assert "Reply in this thread" in shown
    assert blocks[-2]["type"] == "context" and "Sources:" in blocks[-2]["elements"][0]["text"]
    assert blocks[-1]["type"] == "actions" and blocks[-1]["elements"][0]["action_id"] == "digest_stop"


async def test_an_opted_out_slack_user_gets_no_dm(
    db: Database,
    demo_tenants: dict[str, uuid.UUID],
    slack_api: SlackAPI,
    cafe_workspace: Workspace,
    sink: Sink,
) -> None:
    cafe = demo_tenants["demo-cafe"]
    person = await slack_person(db, cafe, opted_out=True)
    settings = single_mode(slack_api, sink, cafe_workspace, "demo-cafe")

    await queue_digests(db, settings, today=TODAY, tenant_ids=[cafe])
    await deliver_slack_due(db, settings, now=start(), tenant_ids=[cafe])

    assert await rows_for(db, cafe, person.slack_user_id or "") == []
    assert person.slack_user_id not in [c.params.get("users") for c in slack_api.calls("conversations.open")]
    assert posts_to(slack_api, slack_api.dm_channel(person.slack_user_id or "")) == []


async def test_a_429_from_chat_post_message_is_retried_after_retry_after_and_delivers_once(
    db: Database, shop: Shop, slack_api: SlackAPI, cafe_workspace: Workspace, sink: Sink
) -> None:
    settings = single_mode(slack_api, sink, cafe_workspace, shop.slug)
    person = await slack_person(db, shop.id)
    message_id = await queued_dm(db, settings, shop, person)
    channel = slack_api.dm_channel(person.slack_user_id or "")
    slack_api.fail_next("chat.postMessage", 429, {"Retry-After": "1"})

    report = await deliver_slack_due(db, settings, now=start(), tenant_ids=[shop.id])

    assert report.sent == [message_id] and report.retried == []
    refused, accepted = posts_to(slack_api, channel)
    assert accepted == refused and posted_in(slack_api, channel) == 1
    assert accepted["text"].startswith("*Your week at Corner Shop &amp; Co* (22-28 Jun 2026)")
    (row,) = await rows_for(db, shop.id, person.slack_user_id or "")
    assert (row.status, row.attempts) == ("sent", 1)


async def test_rate_limited_past_the_clients_retries_backs_off_then_delivers_once(
    db: Database, shop: Shop, slack_api: SlackAPI, cafe_workspace: Workspace, sink: Sink
) -> None:
    settings = single_mode(slack_api, sink, cafe_workspace, shop.slug)
    person = await slack_person(db, shop.id)
    message_id = await queued_dm(db, settings, shop, person)
    channel = slack_api.dm_channel(person.slack_user_id or "")
    slack_api.fail_next("chat.postMessage", 429, {"Retry-After": "0"}, times=4)  # the client retries 3 times
    t0 = start()

    first = await deliver_slack_due(db, settings, now=t0, tenant_ids=[shop.id])
    too_soon = await deliver_slack_due(db, settings, now=t0 + timedelta(seconds=10), tenant_ids=[shop.id])
    later = await deliver_slack_due(db, settings, now=t0 + timedelta(seconds=31), tenant_ids=[shop.id])

    assert first.retried == [message_id] and too_soon.sent == [] and later.sent == [message_id]
    assert len(posts_to(slack_api, channel)) == 5 and posted_in(slack_api, channel) == 1
    (row,) = await rows_for(db, shop.id, person.slack_user_id or "")
    assert (row.status, row.attempts) == ("sent", 2)


async def test_a_crash_after_posting_never_posts_a_second_copy(
    db: Database,
    shop: Shop,
    slack_api: SlackAPI,
    cafe_workspace: Workspace,
    sink: Sink,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = single_mode(slack_api, sink, cafe_workspace, shop.slug)
    person = await slack_person(db, shop.id)
    message_id = await queued_dm(db, settings, shop, person)
    channel = slack_api.dm_channel(person.slack_user_id or "")
    t0 = start()

    async def crash(**_: object) -> None:
        raise RuntimeError("process killed between posting and marking the row sent")

    monkeypatch.setattr(digests_module, "mark_sent", crash)
    await deliver_slack_due(db, settings, now=t0, tenant_ids=[shop.id])
    monkeypatch.undo()
    assert posted_in(slack_api, channel) == 1

    during_lease = await deliver_slack_due(db, settings, now=t0 + LEASE / 2, tenant_ids=[shop.id])
    after_lease = await deliver_slack_due(
        db, settings, now=t0 + LEASE + timedelta(seconds=1), tenant_ids=[shop.id]
    )

    assert during_lease.sent == [] and after_lease.sent == [message_id]
    assert posted_in(slack_api, channel) == 1 and len(posts_to(slack_api, channel)) == 1
    assert len(slack_api.calls("conversations.history")) == 1


async def test_multi_workspace_posts_with_the_installations_token_and_the_dm_starts_a_coach_thread(
    db: Database, shop: Shop, slack_api: SlackAPI, cafe_workspace: Workspace, sink: Sink
) -> None:
    settings = slack_settings(
        slack_api, sink, slack_client_id="111.222", slack_client_secret="shh-oauth", secret_key="slack-secret"
    )
    async with db.tenant_session(shop.id) as session:
        await save_installation(
            session=session, cipher=TokenCipher(b"slack-secret"), team_id=cafe_workspace.team_id,
            enterprise_id=None, team_name="Corner Shop", bot_user_id=cafe_workspace.bot_user_id,
            bot_id=cafe_workspace.bot_id, bot_token=cafe_workspace.token, bot_scopes="chat:write,im:write",
            installer_user_id="U_INSTALLER",
        )  # fmt: skip
    person = await slack_person(db, shop.id)
    message_id = await queued_dm(db, settings, shop, person)
    channel = slack_api.dm_channel(person.slack_user_id or "")

    report = await deliver_slack_due(db, settings, now=start(), tenant_ids=[shop.id])

    assert report.sent == [message_id]
    (post,) = [c for c in slack_api.calls("chat.postMessage") if c.params.get("channel") == channel]
    assert post.token == cafe_workspace.token
    ts = slack_api.posted()[-1][1]
    async with db.tenant_session(shop.id) as session:
        (turn,) = await thread_history(
            session=session, thread_key=thread_key(cafe_workspace.team_id, channel, ts)
        )
    assert turn.channel == "slack" and turn.answer == post.params["text"]


@pytest.mark.parametrize("mode", ["single workspace for another business", "multi-workspace, not installed"])
async def test_a_business_without_a_slack_token_gets_its_dm_given_up_and_its_email_untouched(
    db: Database, shop: Shop, slack_api: SlackAPI, cafe_workspace: Workspace, sink: Sink, mode: str
) -> None:
    if mode.startswith("single"):
        settings = single_mode(slack_api, sink, cafe_workspace, "demo-cafe")
    else:
        settings = slack_settings(slack_api, sink, slack_client_id="111.222", slack_client_secret="shh-oauth")
    person = await slack_person(db, shop.id)
    dm_id = await queued_dm(db, settings, shop, person)
    address = f"{secrets.token_hex(4)}@corner-shop.example"
    raw = f"From: coach@coach.example\r\nTo: {address}\r\nMessage-ID: <d@x>\r\nSubject: digest\r\n\r\nHi\r\n"
    async with db.tenant_session(shop.id) as session:
        await ensure_email_user(session=session, email=address)
        assert await enqueue(
            session=session, channel="email", message_id=f"<{secrets.token_hex(6)}@coach.example>",
            recipient=address, subject="digest",
            payload={"mail_from": "coach@coach.example", "raw": base64.b64encode(raw.encode()).decode()},
        )  # fmt: skip
    t0 = start()

    report = await deliver_slack_due(db, settings, now=t0, tenant_ids=[shop.id])

    assert report.failed == [dm_id] and report.without_token == [shop.id] and slack_api.calls() == []
    (dm,) = await rows_for(db, shop.id, person.slack_user_id or "")
    assert (dm.status, dm.error) == ("failed", NO_TOKEN)
    (mail,) = await rows_for(db, shop.id, address)
    assert (mail.status, mail.attempts) == ("pending", 0)
    emailed = await deliver_due(db, settings, now=t0, tenant_ids=[shop.id])
    assert len(emailed.sent) == 1 and len(sink.to(address)) == 1


async def test_the_digests_charts_are_posted_as_images_in_the_dms_thread(
    db: Database, shop: Shop, slack_api: SlackAPI, cafe_workspace: Workspace, sink: Sink
) -> None:
    import io

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from coach.tools.result import Chart

    figure, png = Figure(figsize=(2, 1)), io.BytesIO()
    figure.add_subplot().plot([1, 3, 2])
    figure.savefig(png, format="png")
    digest = small_digest()
    digest.charts.append(
        Chart(title="Revenue: forecast", alt="Revenue rising next week.", png=png.getvalue())
    )
    settings = single_mode(slack_api, sink, cafe_workspace, shop.slug)
    person = await slack_person(db, shop.id)
    async with db.tenant_session(shop.id) as session:
        await queue_digest_dm(
            session=session, digest=digest, settings=settings, tenant_id=shop.id, user=person
        )
    channel = slack_api.dm_channel(person.slack_user_id or "")

    report = await deliver_slack_due(db, settings, now=start(), tenant_ids=[shop.id])

    assert len(report.sent) == 1
    ts = next(t for where, t, _ in slack_api.posted() if where == channel)
    (done,) = [
        c for c in slack_api.calls("files.completeUploadExternal") if c.params.get("channel_id") == channel
    ]
    assert done.params.get("thread_ts") == ts and done.token == cafe_workspace.token
    assert png.getvalue() in slack_api.uploaded().values()
