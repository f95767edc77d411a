"""Conversations: DMs, @mentions and replies in the coach's threads, answered in a thread as the answer streams.

Events are acknowledged at once; the answer is written by a lazy listener. Each ``event_id`` is claimed in
``processed_events`` before anything is posted, so Slack's retries (``X-Slack-Retry-Num``) never answer twice.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.auth import tenant_of
from bot.slack.blocks import APOLOGY, PLACEHOLDER, answer_blocks, streaming_text
from bot.slack.deps import SlackDeps
from coach.core import Turn
from coach.tools.result import Chart
from storage.coaching.service import thread_history
from storage.messaging.events import claim_event

log = logging.getLogger(__name__)
SOURCE = "slack"
ANSWERABLE_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})
MENTION = re.compile(r"<@[UW][A-Z0-9]+>")


def thread_key(team_id: str, channel: str, thread_ts: str) -> str:
    """The key the coach groups a Slack thread's turns under."""
    return f"slack:{team_id}:{channel}:{thread_ts}"


class ThrottledUpdate:
    """Redraws the placeholder with the text so far, at most once per ``interval_s`` (chat.update is rate-limited)."""

    def __init__(self, client: AsyncWebClient, *, channel: str, ts: str, interval_s: float) -> None:
        self.client = client
        self.channel = channel
        self.ts = ts
        self.interval_s = interval_s
        self.text = ""
        self.updates = 0
        self._last = time.monotonic()

    async def add(self, chunk: str) -> None:
        """Take a chunk; redraw if the interval has passed since the last redraw."""
        self.text += chunk
        if time.monotonic() - self._last < self.interval_s or not self.text.strip():
            return
        self._last = time.monotonic()
        try:
            await self.client.chat_update(channel=self.channel, ts=self.ts, text=streaming_text(self.text))
            self.updates += 1
        except SlackClientError as error:  # a skipped redraw is harmless; the final update still comes
            log.warning("chat.update while streaming failed: %s", error)


async def upload_chart(
    client: AsyncWebClient, *, channel: str, thread_ts: str | None, chart: Chart, token: str | None = None
) -> None:
    """Upload a chart as a PNG image (with its alt text) into a channel or thread (``token``: the workspace's,
    when the client carries none)."""
    name = re.sub(r"[^a-z0-9]+", "-", chart.title.lower()).strip("-")[:60] or "chart"
    await client.files_upload_v2(
        channel=channel,
        thread_ts=thread_ts,
        file=chart.png,
        filename=f"{name}.png",
        title=chart.title,
        alt_txt=chart.alt[:1000],
        **({"token": token} if token else {}),
    )


async def answer_in_thread(
    deps: SlackDeps,
    *,
    client: AsyncWebClient,
    tenant_id: uuid.UUID,
    team_id: str,
    channel: str,
    thread_ts: str,
    text: str,
    slack_user: str,
) -> None:
    """Post a placeholder in the thread, stream the coach's answer into it, then the Block Kit answer and charts."""
    started = time.monotonic()
    placeholder: str | None = None
    try:
        user_id = await deps.user_id(tenant_id=tenant_id, client=client, slack_user_id=slack_user)
        posted = await client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=PLACEHOLDER)
        placeholder = str(posted["ts"])
        turn = Turn(
            tenant_id=tenant_id,
            text=text,
            channel="slack",
            thread=thread_key(team_id, channel, thread_ts),
            user_id=user_id,
        )
        stream = deps.coach.stream(turn)
        live = ThrottledUpdate(client, channel=channel, ts=placeholder, interval_s=deps.update_interval_s)
        async for chunk in stream:
            await live.add(chunk)
        assert stream.reply is not None
        fallback, blocks = answer_blocks(stream.reply)
        await client.chat_update(channel=channel, ts=placeholder, text=fallback, blocks=blocks)
        for chart in stream.reply.charts:
            await upload_chart(client, channel=channel, thread_ts=thread_ts, chart=chart)
        deps.metrics.inc("slack_answers_total")
        deps.metrics.observe("slack_answer_seconds", time.monotonic() - started)
    except Exception:  # noqa: BLE001 - whatever broke, the owner gets an apology, not silence
        log.exception("answering in %s/%s failed", channel, thread_ts)
        deps.metrics.inc("slack_answer_failures_total")
        await apologise(client, channel=channel, thread_ts=thread_ts, placeholder=placeholder)


async def apologise(client: AsyncWebClient, *, channel: str, thread_ts: str, placeholder: str | None) -> None:
    """Replace the placeholder (or post in the thread) with a friendly apology; never raises."""
    try:
        if placeholder is not None:
            await client.chat_update(channel=channel, ts=placeholder, text=APOLOGY, blocks=[])
        else:
            await client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=APOLOGY)
    except SlackClientError as error:
        log.error("could not even apologise in %s: %s", channel, error)


async def _claim(deps: SlackDeps, tenant_id: uuid.UUID, event_id: str) -> bool:
    async with deps.db.tenant_session(tenant_id) as session:
        fresh = await claim_event(session=session, source=SOURCE, event_id=event_id)
    if not fresh:
        deps.metrics.inc("slack_events_duplicate_total")
    return fresh


async def _is_coach_thread(
    deps: SlackDeps, client: AsyncWebClient, context: AsyncBoltContext, key: str, channel: str, ts: str
) -> bool:
    async with deps.db.tenant_session(tenant_of(context)) as session:
        if await thread_history(session=session, thread_key=key, limit=1):
            return True
    try:  # a thread the coach started without a turn (a nudge, a slash command answer)
        replies = await client.conversations_replies(channel=channel, ts=ts, limit=50)
    except SlackApiError as error:
        log.info("conversations.replies failed for %s: %s", channel, error.response.get("error"))
        return False
    return any(
        m.get("user") == context.bot_user_id or (context.bot_id and m.get("bot_id") == context.bot_id)
        for m in replies.get("messages") or []
    )


def _from_a_person(event: dict[str, Any], context: AsyncBoltContext) -> bool:
    return (
        event.get("subtype") in ANSWERABLE_SUBTYPES
        and not event.get("bot_id")
        and bool(event.get("user"))
        and event.get("user") != context.bot_user_id
        and bool(str(event.get("text") or "").strip())
    )


def register_conversations(app: AsyncApp, deps: SlackDeps) -> None:
    """Listen for direct messages, thread replies and @mentions."""

    async def acknowledge_at_once(ack: Any) -> None:
        await ack()

    async def answer_direct_message_or_thread_reply(
        body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        deps.metrics.inc("slack_events_total", {"type": "message"})
        if not _from_a_person(event, context):
            deps.metrics.inc("slack_events_ignored_total")
            return
        text, channel, ts = str(event["text"]), str(event["channel"]), str(event["ts"])
        thread_ts = str(event.get("thread_ts") or ts)
        direct = event.get("channel_type") == "im"
        if not direct and (thread_ts == ts or f"<@{context.bot_user_id}>" in text):
            # channel chatter, or a mention (the app_mention listener answers those)
            deps.metrics.inc("slack_events_ignored_total")
            return
        tenant_id, team_id = tenant_of(context), str(context.team_id or "")
        if not await _claim(deps, tenant_id, str(body.get("event_id") or f"{channel}:{ts}")):
            return
        key = thread_key(team_id, channel, thread_ts)
        if not direct and not await _is_coach_thread(deps, client, context, key, channel, thread_ts):
            deps.metrics.inc("slack_events_ignored_total")
            return
        await answer_in_thread(
            deps,
            client=client,
            tenant_id=tenant_id,
            team_id=team_id,
            channel=channel,
            thread_ts=thread_ts,
            text=MENTION.sub("", text).strip(),
            slack_user=str(event["user"]),
        )

    async def answer_mention(
        body: dict[str, Any], event: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        deps.metrics.inc("slack_events_total", {"type": "app_mention"})
        if not _from_a_person(event, context):
            deps.metrics.inc("slack_events_ignored_total")
            return
        tenant_id, channel = tenant_of(context), str(event["channel"])
        if not await _claim(deps, tenant_id, str(body.get("event_id") or f"{channel}:{event['ts']}")):
            return
        await answer_in_thread(
            deps,
            client=client,
            tenant_id=tenant_id,
            team_id=str(context.team_id or ""),
            channel=channel,
            thread_ts=str(event.get("thread_ts") or event["ts"]),
            text=MENTION.sub("", str(event["text"])).strip(),
            slack_user=str(event["user"]),
        )

    app.event("message")(ack=acknowledge_at_once, lazy=[answer_direct_message_or_thread_reply])
    app.event("app_mention")(ack=acknowledge_at_once, lazy=[answer_mention])
