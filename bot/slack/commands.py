"""Slash commands: /goal, /metrics, /forecast and /coach.

Arguments are read in the acknowledgement (so a wrong or empty one gets an ephemeral usage message at once); the
work is recorded before the acknowledgement and done from that record by the inbox (``bot.slack.inbox``), which
answers through the command's ``response_url``. A ``/coach`` question is posted in its channel and answered in
that message's thread like a mention.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.auth import tenant_of
from bot.slack.blocks import (
    APOLOGY,
    Block,
    answer_blocks,
    button,
    chart_request,
    escape,
    goal_list_blocks,
    mrkdwn,
    result_blocks,
    section,
    sources_context,
    usage_blocks,
)
from bot.slack.conversations import Bot
from bot.slack.deps import SlackDeps
from bot.slack.inbox import SlackInbox
from bot.slack.parsing import (
    USAGE,
    ToolRequest,
    UsageError,
    parse_forecast,
    parse_goal,
    parse_metrics,
)
from coach.core import Turn
from coach.tools.result import ToolResult

log = logging.getLogger(__name__)
OVERVIEW_METRICS = ("revenue", "orders", "customers", "average ticket")
Listener = Callable[..., Awaitable[None]]


def check_arguments(command: str, text: str) -> None:
    """Raise UsageError when a command's arguments cannot be read (nothing is run)."""
    text = text.strip()
    if command == "/goal":
        parse_goal(text)
    elif command == "/metrics":
        parse_metrics(text)
    elif command == "/forecast":
        parse_forecast(text)
    elif command == "/coach" and not text:
        raise UsageError("")


def _usage(command: str, problem: str | None) -> dict[str, Any]:
    text, blocks = usage_blocks(USAGE.get(command, "Try `/coach help`."), problem or None)
    return {"response_type": "ephemeral", "text": text, "blocks": blocks}


def _failure(command: str, result: ToolResult) -> dict[str, Any]:
    """A tool's friendly error, followed by the command's examples."""
    problem, _ = result_blocks(result)
    return _usage(command, escape(problem))


async def _user(deps: SlackDeps, context: AsyncBoltContext, client: AsyncWebClient, slack_user: str) -> Any:
    return await deps.user_id(tenant_id=tenant_of(context), client=client, slack_user_id=slack_user)


async def _run(deps: SlackDeps, context: AsyncBoltContext, client: AsyncWebClient, command: dict[str, Any],
               request: ToolRequest) -> ToolResult:  # fmt: skip
    user_id = await _user(deps, context, client, str(command["user_id"]))
    return await deps.run_tool(
        tenant_id=tenant_of(context), user_id=user_id, name=request.tool, args=request.args
    )


def _goal_reply(result: ToolResult) -> dict[str, Any]:
    if result.tool == "list_goals":
        text, blocks = goal_list_blocks(result)
        return {"response_type": "ephemeral", "text": text, "blocks": blocks}
    text, blocks = result_blocks(result)
    return {"response_type": "in_channel", "text": text, "blocks": blocks}  # the team sees goals change


def _overview(results: list[ToolResult]) -> dict[str, Any]:
    blocks: list[Block] = [section("*Last week at a glance*")]
    for result in results:
        metric = str(result.facts.get("metric", "revenue")).replace("_", " ")
        block = section(mrkdwn(result.headline))
        block["accessory"] = button(
            "Show chart", "show_chart", chart_request("metric_summary", metric=metric, period="last week")
        )
        blocks.append(block)
    context = sources_context([s for r in results for s in r.sources][:3])
    if context is not None:
        blocks.append(context)
    text = " ".join(r.headline for r in results)
    return {"response_type": "ephemeral", "text": text[:3900], "blocks": blocks}


def apologising(listener: Listener) -> Listener:
    """A listener that answers a friendly apology through ``respond`` if it fails, instead of silence."""

    @functools.wraps(listener)
    async def guarded(**kwargs: Any) -> None:
        try:
            await listener(**kwargs)
        except Exception:  # noqa: BLE001 - the person gets an apology; we get the traceback
            log.exception("%s failed", listener.__name__)
            with contextlib.suppress(Exception):
                await kwargs["respond"](response_type="ephemeral", text=APOLOGY, replace_original=False)

    return guarded


def register_commands(app: AsyncApp, deps: SlackDeps, inbox: SlackInbox) -> None:
    """Listen for the four slash commands; ``/coach`` questions are kept in ``inbox`` until answered."""

    async def acknowledge_or_explain_usage(
        ack: Any, command: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> None:
        name = str(command.get("command", ""))
        deps.metrics.inc("slack_commands_total", {"command": name})
        try:
            check_arguments(name, str(command.get("text") or ""))
        except UsageError as error:
            await ack(**_usage(name, str(error) or None))
            return
        assert context.authorize_result is not None, "request was not authorized"
        bot = Bot.from_authorization(context.authorize_result)
        if name != "/coach" or not await inbox.take_question(command, bot, client):
            await inbox.defer(
                f"command{name}", command, context
            )  # done from the record, even after a restart
        await ack()

    async def run_goal_command(
        command: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient, respond: Any
    ) -> None:
        try:
            request = parse_goal(str(command.get("text") or ""))
        except UsageError:
            return  # already explained in the acknowledgement
        result = await _run(deps, context, client, command, request)
        await respond(**(_goal_reply(result) if result.ok else _failure("/goal", result)))

    async def show_metrics(
        command: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient, respond: Any
    ) -> None:
        try:
            request = parse_metrics(str(command.get("text") or ""))
        except UsageError:
            return
        if request is None:
            results = [
                await _run(deps, context, client, command, ToolRequest("metric_summary", {"metric": m}))
                for m in OVERVIEW_METRICS
            ]
            found = [r for r in results if r.ok]
            await respond(**(_overview(found) if found else _failure("/metrics", results[0])))
            return
        result = await _run(deps, context, client, command, request)
        if not result.ok:
            await respond(**_failure("/metrics", result))
            return
        metric, period = str(request.args["metric"]), str(request.args["period"])
        text, blocks = result_blocks(
            result,
            buttons=[
                button(
                    "Show chart", "show_chart", chart_request("metric_summary", metric=metric, period=period)
                ),
                button("Explain this", "explain_this", {"metric": metric, "period": period}),
            ],
        )
        await respond(response_type="ephemeral", text=text, blocks=blocks)

    async def show_forecast(
        command: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient, respond: Any
    ) -> None:
        try:
            request = parse_forecast(str(command.get("text") or ""))
        except UsageError:
            return
        result = await _run(deps, context, client, command, request)
        if not result.ok:
            await respond(**_failure("/forecast", result))
            return
        chart = chart_request("forecast_metric", **{k: str(v) for k, v in request.args.items()})
        text, blocks = result_blocks(result, buttons=[button("Show chart", "show_chart", chart)])
        await respond(response_type="ephemeral", text=text, blocks=blocks)

    async def ask_the_coach(
        command: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient, respond: Any
    ) -> None:
        question = str(command.get("text") or "").strip()
        if not question:
            return
        # only when the coach could not post the question in that channel: answered privately instead
        tenant_id = tenant_of(context)
        user_id = await _user(deps, context, client, str(command["user_id"]))
        reply = await deps.coach.answer(
            Turn(tenant_id=tenant_id, text=question, channel="slack", user_id=user_id)
        )
        text, blocks = answer_blocks(reply)
        await respond(response_type="ephemeral", text=text, blocks=blocks)

    for name, listener in (
        ("/goal", run_goal_command),
        ("/metrics", show_metrics),
        ("/forecast", show_forecast),
        ("/coach", ask_the_coach),
    ):
        app.command(name)(acknowledge_or_explain_usage)
        inbox.on(f"command{name}", apologising(listener))
