"""Conversations: DMs, @mentions and replies in the coach's threads, answered in a thread as the answer streams.

Which events are worth answering (``wanted``) is decided when they arrive; the answer itself is written later from
the recorded event by ``bot.slack.inbox`` (``answer_event``), so nothing here depends on Bolt's request context.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.auth import TENANT_KEY
from bot.slack.blocks import APOLOGY, PLACEHOLDER, answer_blocks, streaming_text
from bot.slack.deps import SlackDeps
from coach.core import Turn
from coach.tools.result import Chart
from storage.coaching.service import thread_history

log = logging.getLogger(__name__)
SOURCE = "slack"
ANSWERABLE_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})
MENTION = re.compile(r"<@[UW][A-Z0-9]+>")
CONVERSATION_EVENTS = ("message", "app_mention")


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


Placeholder = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class Bot:
    """Who the coach is in the workspace an event came from, and the business that workspace serves."""

    tenant_id: uuid.UUID
    team_id: str
    user_id: str
    bot_id: str
    token: str

    @classmethod
    def from_authorization(cls, result: AuthorizeResult) -> Bot:
        """The bot of an authorized request (``TenantAuthorize`` puts the tenant in the result)."""
        return cls(
            tenant_id=uuid.UUID(str(result[TENANT_KEY])),
            team_id=str(result.team_id or ""),
            user_id=str(result.bot_user_id or ""),
            bot_id=str(result.bot_id or ""),
            token=str(result.bot_token or ""),
        )


async def write_answer(
    deps: SlackDeps,
    *,
    client: AsyncWebClient,
    tenant_id: uuid.UUID,
    team_id: str,
    channel: str,
    thread_ts: str,
    text: str,
    slack_user: str,
    placeholder: str | None = None,
    on_placeholder: Placeholder | None = None,
) -> None:
    """Post a placeholder in the thread (or reuse ``placeholder``, one posted by an earlier attempt), stream the
    coach's answer into it, then the Block Kit answer and charts. Raises on failure (the caller decides whether to
    try again or apologise)."""
    started = time.monotonic()
    user_id = await deps.user_id(tenant_id=tenant_id, client=client, slack_user_id=slack_user)
    if placeholder is None:
        posted = await client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=PLACEHOLDER)
        placeholder = str(posted["ts"])
        if on_placeholder is not None:
            await on_placeholder(placeholder)
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


async def apologise(client: AsyncWebClient, *, channel: str, thread_ts: str, placeholder: str | None) -> None:
    """Replace the placeholder (or post in the thread) with a friendly apology; never raises."""
    try:
        if placeholder is not None:
            await client.chat_update(channel=channel, ts=placeholder, text=APOLOGY, blocks=[])
        else:
            await client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=APOLOGY)
    except SlackClientError as error:
        log.error("could not even apologise in %s: %s", channel, error)


def _from_a_person(event: dict[str, Any], bot: Bot) -> bool:
    return (
        event.get("subtype") in ANSWERABLE_SUBTYPES
        and not event.get("bot_id")
        and bool(event.get("user"))
        and event.get("user") != bot.user_id
        and bool(str(event.get("text") or "").strip())
    )


def wanted(event: dict[str, Any], bot: Bot) -> bool:
    """Whether an event may need an answer: a person's DM, their reply in a thread (answered if the thread turns out
    to be the coach's), or an @mention. Channel chatter, bots and edits are not even recorded."""
    if event.get("type") not in CONVERSATION_EVENTS or not _from_a_person(event, bot):
        return False
    if event["type"] == "app_mention" or event.get("channel_type") == "im":
        return True
    ts, thread_ts = str(event.get("ts") or ""), str(event.get("thread_ts") or "")
    # channel chatter is not for us; a mention in a thread is answered through its app_mention event
    return bool(thread_ts) and thread_ts != ts and f"<@{bot.user_id}>" not in str(event.get("text") or "")


def event_key(body: dict[str, Any]) -> str:
    """The id a delivery is recorded under: Slack's ``event_id`` (the same on every retry)."""
    event = body.get("event") or {}
    return str(body.get("event_id") or f"{event.get('channel')}:{event.get('ts')}")


def question_key(command: dict[str, Any]) -> str:
    """The id a ``/coach`` question is recorded under (its ``trigger_id``, unique per use of the command)."""
    return f"command:{command.get('trigger_id') or command.get('channel_id')}:{command.get('user_id')}"


async def _is_coach_thread(deps: SlackDeps, client: AsyncWebClient, bot: Bot, channel: str, ts: str) -> bool:
    async with deps.db.tenant_session(bot.tenant_id) as session:
        if await thread_history(session=session, thread_key=thread_key(bot.team_id, channel, ts), limit=1):
            return True
    try:  # a thread the coach started without a turn (a nudge, a slash command answer)
        replies = await client.conversations_replies(channel=channel, ts=ts, limit=50)
    except SlackApiError as error:
        log.info("conversations.replies failed for %s: %s", channel, error.response.get("error"))
        return False
    return any(
        m.get("user") == bot.user_id or (bot.bot_id and m.get("bot_id") == bot.bot_id)
        for m in replies.get("messages") or []
    )


async def posted_placeholder(
    client: AsyncWebClient, bot: Bot, *, channel: str, thread_ts: str, after: str
) -> str | None:
    """The message an earlier attempt posted for the message at ``after`` and did not live to note (it died
    between Slack taking the post and our writing it down): the coach's first message after it in the thread,
    unless someone else spoke first. None when there is none, or Slack cannot tell."""
    try:
        replies = await client.conversations_replies(channel=channel, ts=thread_ts, limit=200)
    except SlackApiError as error:
        log.info("conversations.replies failed for %s: %s", channel, error.response.get("error"))
        return None
    later = sorted(
        (m for m in replies.get("messages") or [] if float(m.get("ts") or 0) > float(after)),
        key=lambda m: float(m["ts"]),
    )
    if later and (
        later[0].get("user") == bot.user_id or (bot.bot_id and later[0].get("bot_id") == bot.bot_id)
    ):
        return str(later[0]["ts"])
    return None


async def answer_event(
    deps: SlackDeps,
    *,
    body: dict[str, Any],
    bot: Bot,
    client: AsyncWebClient,
    placeholder: str | None = None,
    on_placeholder: Placeholder | None = None,
    retry: bool = False,
) -> bool:
    """Answer a recorded DM, thread reply or @mention in its thread; False when it turns out not to be for the coach
    (a reply in someone else's thread). ``placeholder``: the message an earlier attempt posted, finished in place;
    on a ``retry`` without one, a placeholder Slack already has is looked for first. Raises when the answer could
    not be written."""
    event = body["event"]
    deps.metrics.inc("slack_events_total", {"type": str(event.get("type"))})
    channel, ts = str(event["channel"]), str(event["ts"])
    thread_ts = str(event.get("thread_ts") or ts)
    direct = event.get("type") == "message" and event.get("channel_type") == "im"
    if event.get("type") == "message" and not direct and placeholder is None:
        if not await _is_coach_thread(deps, client, bot, channel, thread_ts):
            deps.metrics.inc("slack_events_ignored_total")
            return False
    if retry and placeholder is None:
        placeholder = await posted_placeholder(client, bot, channel=channel, thread_ts=thread_ts, after=ts)
        if placeholder is not None and on_placeholder is not None:
            await on_placeholder(placeholder)
    await write_answer(
        deps,
        client=client,
        tenant_id=bot.tenant_id,
        team_id=bot.team_id,
        channel=channel,
        thread_ts=thread_ts,
        text=MENTION.sub("", str(event["text"])).strip(),
        slack_user=str(event["user"]),
        placeholder=placeholder,
        on_placeholder=on_placeholder,
    )
    return True
