"""Acknowledged Slack messages, kept in PostgreSQL until they are answered.

A DM, thread reply or @mention is recorded (``processed_events``, pending, with its body) before Slack gets its
acknowledgement; if recording fails Slack gets a 503 and sends it again. Answers are written from those records by
``SlackInbox.run`` under a lease that the working process renews; a process that stops hands its leases back, one
that crashes lets them run out, and either way the next process (or another instance) takes the events up. An
event is marked done only once its answer is posted; the placeholder an earlier attempt posted is finished in
place, never posted twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import escape
from bot.slack.conversations import SOURCE, Bot, answer_event, apologise, event_key, question_key, wanted
from bot.slack.deps import SlackDeps
from bot.slack.group_commit import GroupCommit
from storage.messaging.events import (
    FAILED,
    finish_event,
    lease_due_events,
    leased_event,
    note_reply,
    release_leases,
    renew_leases,
    retry_later,
)

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 4  # then the owner gets an apology instead of an answer
RETRY_BASE_S = 5.0
DEFERRED = "deferred"  # a recorded slash command or button press, next to Events API deliveries
Listener = Callable[..., Awaitable[None]]
ACK_PRIORITY_S = 0.5
BURST_GAP_S = 0.05


class SlackInbox:
    """Records wanted events at acknowledgement and answers them from the database, ``concurrency`` at a time."""

    def __init__(
        self,
        deps: SlackDeps,
        *,
        authorize: AsyncAuthorize,
        client: AsyncWebClient,
        lease_s: float = 30.0,
        concurrency: int = 8,
        poll_s: float = 1.0,
        retry_base_s: float = RETRY_BASE_S,
    ) -> None:
        self.deps = deps
        self.authorize = authorize
        self.client = client
        self.lease_s = lease_s
        self.concurrency = concurrency
        self.poll_s = poll_s
        self.retry_base_s = retry_base_s
        self.owner = f"slack-{uuid.uuid4()}"
        self._tasks: set[asyncio.Task[None]] = set()
        self._deferred: set[str] = set()  # events this process failed on and will see again after a delay
        self._woken = asyncio.Event()
        self._caught_up = asyncio.Event()
        self._loop: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self._writes = GroupCommit(deps.db, source=SOURCE)
        self._listeners: dict[str, Listener] = {}
        self._acknowledging = 0  # deliveries being recorded right now: answers wait for them (Slack's 3 s)
        self._last_delivery = 0.0

    # -- acknowledgement side -------------------------------------------------------------------------------------

    async def authorized(self, body: dict[str, Any]) -> AuthorizeResult | None:
        """Bolt's authorization for the workspace a delivery came from, or None if the coach is not installed there."""
        team_id, enterprise_id = _team(body)
        if not team_id:
            return None
        return await self.authorize(
            context=AsyncBoltContext(), enterprise_id=enterprise_id, team_id=team_id, user_id=None
        )

    async def bot_for(self, body: dict[str, Any]) -> Bot | None:
        """The coach's bot in the workspace a delivery came from, or None if the coach is not installed there."""
        result = await self.authorized(body)
        return None if result is None else Bot.from_authorization(result)

    def on(self, kind: str, listener: Listener) -> None:
        """Run ``listener`` for work of ``kind`` handed over with ``defer`` (arguments injected by name, as Bolt
        does: ``body``, ``command``, ``action``, ``context``, ``client``, ``respond``)."""
        self._listeners[kind] = listener

    async def defer(self, kind: str, body: dict[str, Any], context: AsyncBoltContext) -> None:
        """Record a slash command's or button's work before it is acknowledged, to be done from the record (so a
        stopped or crashed process's is done by the next one). Raises if it could not be recorded."""
        assert context.authorize_result is not None, "request was not authorized"
        bot = Bot.from_authorization(context.authorize_result)
        key = f"{kind}:{body.get('trigger_id') or body.get('action_ts') or uuid.uuid4()}"
        deferred = {"type": DEFERRED, "kind": kind, "team_id": bot.team_id, "body": body}
        self._acknowledging += 1
        try:
            await self._writes.record(bot.tenant_id, key, deferred)
        finally:
            self._acknowledging -= 1
        self.wake()

    async def take(self, body: dict[str, Any]) -> bool:
        """Record a verified Events API delivery if it may need an answer; True when it is safe to acknowledge.

        False when it could not be recorded (the database is away): Slack must then be told to send it again.
        """
        try:
            bot = await self.bot_for(body)
            if bot is None:
                log.info("event for a workspace the coach is not installed in: ignored")
                return True
            return await self.record(body, bot)
        except Exception:  # noqa: BLE001 - Slack retries what we do not acknowledge
            log.exception("could not record a Slack event; Slack will send it again")
            self.deps.metrics.inc("slack_events_unrecorded_total")
            return False

    async def record(self, body: dict[str, Any], bot: Bot) -> bool:
        """Record a delivery for ``bot``'s workspace (nothing for chatter, a retry counted once); raises on failure."""
        if not wanted(body.get("event") or {}, bot):
            self.deps.metrics.inc("slack_events_ignored_total")
            return True
        self._acknowledging += 1
        self._last_delivery = asyncio.get_running_loop().time()
        try:
            fresh = await self._writes.record(bot.tenant_id, event_key(body), body)
        finally:
            self._acknowledging -= 1
        if fresh:
            self.wake()
        else:
            self.deps.metrics.inc("slack_events_duplicate_total")
        return True

    async def take_question(self, command: dict[str, Any], bot: Bot, client: AsyncWebClient) -> bool:
        """``/coach``: post the question in its channel and record it as a mention of the coach there, before the
        command is acknowledged, so it is answered in that message's thread even if this process stops. False when
        the coach cannot post in that channel (the command is then answered privately); raises if not recorded."""
        question, channel, person = (
            str(command["text"]).strip(),
            str(command["channel_id"]),
            str(command["user_id"]),
        )
        try:
            posted = await client.chat_postMessage(
                channel=channel, text=f"<@{person}> asked: {escape(question)}"
            )
        except SlackApiError as error:
            log.info(
                "/coach cannot post in %s (%s); answering privately", channel, error.response.get("error")
            )
            return False
        mention = {
            "type": "app_mention",
            "channel": channel,
            "user": person,
            "text": question,
            "ts": posted["ts"],
        }
        body = {
            "type": "event_callback",
            "team_id": bot.team_id,
            "event_id": question_key(command),
            "event": mention,
        }
        await self.record(body, bot)
        return True

    async def record_then_ack(self, body: dict[str, Any], context: AsyncBoltContext, ack: Any) -> None:
        """A Bolt ack listener (Socket Mode): record first, acknowledge after; unrecorded means unacknowledged."""
        assert context.authorize_result is not None
        await self.record(body, Bot.from_authorization(context.authorize_result))
        await ack()

    def wake(self) -> None:
        """Look for waiting events now rather than at the next poll."""
        self._caught_up.clear()
        self._woken.set()

    # -- answering side -------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Start answering recorded events on the running loop (idempotent)."""
        if self._loop is None or self._loop.done():
            self._stop.clear()
            self._loop = asyncio.create_task(self.run(self._stop))

    async def stop(self, drain_s: float = 20.0) -> None:
        """Stop taking events, let answers being written finish for up to ``drain_s`` seconds, then hand back the
        leases of any still unfinished, so the next process answers them at once."""
        self._stop.set()
        self._woken.set()
        if self._loop is not None:
            await self._loop
            self._loop = None
        if self._tasks:
            _, unfinished = await asyncio.wait(set(self._tasks), timeout=drain_s)
            for task in unfinished:
                task.cancel()
            if unfinished:
                await asyncio.wait(unfinished, timeout=5)
        with contextlib.suppress(Exception):
            async with self.deps.db.app_engine.connect() as connection:
                released = await release_leases(connection=connection, owner=self.owner)
            if released:
                log.warning("%d unfinished Slack answer(s) handed back for the next process", released)

    async def drain(self, timeout_s: float = 30.0) -> None:
        """Wait until every recorded event this process knows of is answered (tests, benchmarks)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while loop.time() < deadline and (self._tasks or self._deferred or not self._caught_up.is_set()):
            if self._loop is None:
                return
            waits: set[asyncio.Future[Any]] = {asyncio.ensure_future(self._caught_up.wait()), *self._tasks}
            await asyncio.wait(waits, timeout=min(0.05, max(0.0, deadline - loop.time())))
            for waiting in waits:
                if waiting not in self._tasks:
                    waiting.cancel()

    async def run(self, stop: asyncio.Event) -> None:
        """Lease and answer waiting events until ``stop`` is set; renew the leases held meanwhile."""
        loop = asyncio.get_running_loop()
        renew_at = loop.time() + self.lease_s / 3
        while not stop.is_set():
            await self._after_acknowledgements(loop)
            self._woken.clear()
            free = self.concurrency - len(self._tasks)
            if free > 0:
                due = await self._lease(free)
                for tenant_id, event_id in due:
                    self._spawn(self._answer(tenant_id, event_id))
                if len(due) < free and not self._woken.is_set():
                    self._caught_up.set()
            if loop.time() >= renew_at:
                renew_at = loop.time() + self.lease_s / 3
                if self._tasks:
                    await self._renew()
            waits: set[asyncio.Future[Any]] = {asyncio.ensure_future(self._woken.wait()), *self._tasks}
            await asyncio.wait(
                waits, timeout=min(self.poll_s, self.lease_s / 3), return_when="FIRST_COMPLETED"
            )
            for waiting in waits:
                if waiting not in self._tasks:
                    waiting.cancel()

    async def _after_acknowledgements(self, loop: asyncio.AbstractEventLoop) -> None:
        """Let a burst of deliveries be acknowledged before more answers start (they share the event loop): wait
        while deliveries are being recorded or one came in the last ``BURST_GAP_S``, for at most ``ACK_PRIORITY_S``."""
        until = loop.time() + ACK_PRIORITY_S
        while loop.time() < until and (
            self._acknowledging or loop.time() - self._last_delivery < BURST_GAP_S
        ):
            await asyncio.sleep(0.01)

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _lease(self, limit: int) -> list[tuple[uuid.UUID, str]]:
        try:
            async with self.deps.db.app_engine.connect() as connection:
                return await lease_due_events(
                    connection=connection, owner=self.owner, limit=limit, lease_s=self.lease_s
                )
        except Exception:  # noqa: BLE001 - the database may be away for a moment; the next poll tries again
            log.exception("could not look for waiting Slack events")
            return []

    async def _renew(self) -> None:
        try:
            async with self.deps.db.app_engine.connect() as connection:
                await renew_leases(connection=connection, owner=self.owner, lease_s=self.lease_s)
        except Exception:  # noqa: BLE001 - a missed renewal is retried a third of a lease later
            log.exception("could not renew Slack event leases")

    async def _in_tenant(self, tenant_id: uuid.UUID, work: Callable[[Any], Awaitable[Any]]) -> Any:
        async with self.deps.db.tenant_session(tenant_id) as session:
            return await work(session)

    async def _answer(self, tenant_id: uuid.UUID, event_id: str) -> None:
        self._deferred.discard(event_id)
        try:
            await self._answer_leased(tenant_id, event_id)
        except Exception:  # noqa: BLE001 - the database or Slack away: the lease runs out and it is taken again
            log.exception("Slack event %s could not be handled now; it will be taken up again", event_id)

    async def _answer_leased(self, tenant_id: uuid.UUID, event_id: str) -> None:
        mine = {"source": SOURCE, "event_id": event_id, "owner": self.owner}
        item = await self._in_tenant(tenant_id, lambda s: leased_event(session=s, **mine))
        if item is None:
            return  # answered meanwhile, or taken over by another process
        result = await self.authorized(item.payload)
        bot = None if result is None else Bot.from_authorization(result)
        if (
            result is None or bot is None or bot.tenant_id != tenant_id
        ):  # uninstalled (or moved) since recorded
            await self._in_tenant(tenant_id, lambda s: finish_event(session=s, status=FAILED, **mine))
            return
        client = self._client(bot)
        if item.payload.get("type") == DEFERRED:
            await self._run_deferred(item.payload, result, client)
            await self._in_tenant(tenant_id, lambda s: finish_event(session=s, **mine))
            return
        placeholder = item.reply_ts

        async def keep(ts: str) -> None:
            nonlocal placeholder
            placeholder = ts
            await self._in_tenant(tenant_id, lambda s: note_reply(session=s, reply_ts=ts, **mine))

        try:
            await answer_event(self.deps, body=item.payload, bot=bot, client=client, placeholder=item.reply_ts,
                               on_placeholder=keep, retry=item.attempts > 1)  # fmt: skip
        except Exception:  # noqa: BLE001 - tried again later; after MAX_ATTEMPTS the owner gets an apology
            log.exception("answering Slack event %s failed (attempt %d)", event_id, item.attempts)
            self.deps.metrics.inc("slack_answer_failures_total")
            if item.attempts < MAX_ATTEMPTS:
                delay = self.retry_base_s * 2 ** (item.attempts - 1)
                await self._in_tenant(tenant_id, lambda s: retry_later(session=s, delay_s=delay, **mine))
                self._deferred.add(event_id)
                return
            event = item.payload["event"]
            await apologise(client, channel=str(event["channel"]),
                            thread_ts=str(event.get("thread_ts") or event["ts"]), placeholder=placeholder)  # fmt: skip
            await self._in_tenant(tenant_id, lambda s: finish_event(session=s, status=FAILED, **mine))
            return
        if not await self._in_tenant(tenant_id, lambda s: finish_event(session=s, **mine)):
            log.warning("Slack event %s was answered after its lease ran out", event_id)

    async def _run_deferred(
        self, payload: dict[str, Any], result: AuthorizeResult, client: AsyncWebClient
    ) -> None:
        """Run a recorded command's or button's listener once (its own apology covers its failures)."""
        listener = self._listeners.get(str(payload.get("kind")))
        if listener is None:
            log.warning("no listener for recorded Slack work %r; dropped", payload.get("kind"))
            return
        body = payload["body"]
        context = AsyncBoltContext()
        context["authorize_result"] = result
        context["team_id"] = result.team_id
        context["client"] = client
        offered = {
            "body": body,
            "command": body,
            "action": (body.get("actions") or [{}])[0],
            "context": context,
            "client": client,
            "respond": AsyncRespond(response_url=body.get("response_url")),
        }
        wanted = inspect.signature(listener).parameters
        await listener(**{name: value for name, value in offered.items() if name in wanted})

    def _client(self, bot: Bot) -> AsyncWebClient:
        """The app's Web API client with this workspace's token (sharing its HTTP session and retry handlers)."""
        return AsyncWebClient(
            token=bot.token,
            base_url=self.client.base_url,
            timeout=self.client.timeout,
            session=self.client.session,
            retry_handlers=self.client.retry_handlers,
        )


def _team(body: dict[str, Any]) -> tuple[str, str | None]:
    authorizations = body.get("authorizations") or [{}]
    first = authorizations[0] if isinstance(authorizations[0], dict) else {}
    team_id = body.get("team_id") or first.get("team_id") or ""
    enterprise_id = body.get("enterprise_id") or first.get("enterprise_id")
    return str(team_id), (str(enterprise_id) if enterprise_id else None)
