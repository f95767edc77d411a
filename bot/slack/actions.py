"""Buttons: "Mark done", "Snooze nudge 1 week", "Explain this" and "Show chart"."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.errors import SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.auth import tenant_of
from bot.slack.blocks import result_blocks
from bot.slack.commands import apologising
from bot.slack.conversations import upload_chart
from bot.slack.deps import SlackDeps
from bot.slack.inbox import SlackInbox
from storage.goals.service import GoalNotFound, find_goal
from storage.slack.service import snooze_nudge
from storage.tenants.users import set_digest_opt_out

log = logging.getLogger(__name__)
CHART_TOOLS = frozenset({"metric_summary", "forecast_metric"})
SNOOZE = timedelta(weeks=1)


def _where(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """The channel and thread to answer a button in; no thread for ephemeral messages (they have none)."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    message = body.get("message") or {}
    if (body.get("container") or {}).get("is_ephemeral") or not message:
        return channel, None
    return channel, message.get("thread_ts") or message.get("ts")


def _value(action: dict[str, Any]) -> dict[str, Any]:
    try:
        value = json.loads(str(action.get("value") or "{}"))
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def register_actions(app: AsyncApp, deps: SlackDeps, inbox: SlackInbox) -> None:
    """Listen for the coach's buttons; what a press asks for is recorded before it is acknowledged."""

    async def acknowledge_press(
        ack: Any, action: dict[str, Any], body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        action_id = str(action.get("action_id", ""))
        deps.metrics.inc("slack_actions_total", {"action": action_id})
        await inbox.defer(f"action:{action_id}", body, context)
        await ack()

    async def user(context: AsyncBoltContext, client: AsyncWebClient, body: dict[str, Any]) -> Any:
        slack_user = str((body.get("user") or {}).get("id") or "")
        return await deps.user_id(tenant_id=tenant_of(context), client=client, slack_user_id=slack_user)

    async def mark_goal_done(
        action: dict[str, Any],
        body: dict[str, Any],
        context: AsyncBoltContext,
        client: AsyncWebClient,
        respond: Any,
    ) -> None:
        result = await deps.run_tool(
            tenant_id=tenant_of(context),
            user_id=await user(context, client, body),
            name="update_goal",
            args={"goal": str(action.get("value") or ""), "status": "completed"},
        )
        text, blocks = result_blocks(result)
        await respond(response_type="ephemeral", replace_original=False, text=text, blocks=blocks)

    async def snooze_goal_nudges(action: dict[str, Any], context: AsyncBoltContext, respond: Any) -> None:
        until = datetime.now(UTC) + SNOOZE
        try:
            async with deps.db.tenant_session(tenant_of(context)) as session:
                goal = await find_goal(session=session, reference=str(action.get("value") or ""))
                await snooze_nudge(session=session, goal_id=goal.id, until=until)
        except GoalNotFound as error:
            await respond(response_type="ephemeral", replace_original=False, text=str(error))
            return
        await respond(
            response_type="ephemeral",
            replace_original=False,
            text=f"OK, no nudges about '{goal.title}' until {until:%A %-d %B}.",
        )

    async def explain_change(
        action: dict[str, Any],
        body: dict[str, Any],
        context: AsyncBoltContext,
        client: AsyncWebClient,
        respond: Any,
    ) -> None:
        asked = _value(action)
        args = {k: str(asked[k]) for k in ("metric", "period") if asked.get(k)}
        result = await deps.run_tool(
            tenant_id=tenant_of(context),
            user_id=await user(context, client, body),
            name="explain_change",
            args=args,
        )
        text, blocks = result_blocks(result)
        channel, thread_ts = _where(body)
        if channel and thread_ts:
            await client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text, blocks=blocks)
        else:
            await respond(response_type="ephemeral", replace_original=False, text=text, blocks=blocks)

    async def show_chart(
        action: dict[str, Any],
        body: dict[str, Any],
        context: AsyncBoltContext,
        client: AsyncWebClient,
        respond: Any,
    ) -> None:
        asked = _value(action)
        tool = str(asked.get("tool") or "metric_summary")
        args = asked.get("args") if isinstance(asked.get("args"), dict) else {}
        if tool not in CHART_TOOLS:
            await respond(
                response_type="ephemeral", replace_original=False, text="That chart is not available."
            )
            return
        result = await deps.run_tool(
            tenant_id=tenant_of(context), user_id=await user(context, client, body), name=tool, args=args
        )
        channel, thread_ts = _where(body)
        if not result.ok or not result.charts or not channel:
            text, blocks = result_blocks(result)
            await respond(response_type="ephemeral", replace_original=False, text=text, blocks=blocks)
            return
        try:
            await upload_chart(client, channel=channel, thread_ts=thread_ts, chart=result.charts[0])
        except SlackClientError as error:  # e.g. the bot is not in that channel
            log.info("chart upload to %s failed: %s", channel, error)
            await respond(
                response_type="ephemeral",
                replace_original=False,
                text=f"I could not post the chart here. {result.charts[0].alt}",
            )

    async def stop_digest(
        body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient, respond: Any
    ) -> None:
        user_id = await user(context, client, body)
        async with deps.db.tenant_session(tenant_of(context)) as session:
            await set_digest_opt_out(session=session, user_id=user_id)
        await respond(
            response_type="ephemeral",
            replace_original=False,
            text="Done: no more weekly digests for you. I am still here whenever you want to ask me something.",
        )

    for action_id, listener in (
        ("goal_mark_done", mark_goal_done),
        ("digest_stop", stop_digest),
        ("goal_snooze", snooze_goal_nudges),
        ("explain_this", explain_change),
        ("show_chart", show_chart),
    ):
        app.action(action_id)(acknowledge_press)
        inbox.on(f"action:{action_id}", apologising(listener))
