"""Slash commands: /goal, /metrics, /forecast and /coach, and the usage message for every wrong argument."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import httpx
import pytest

from coach.format import money
from connectors.demo.businesses import DEMO_CAFE
from connectors.demo.generator import generate
from storage.database import Database
from tests.coach.conftest import DEMO_END
from tests.llm.ollama_standin import OllamaStandIn
from tests.llm.standins import Say
from tests.slack.conftest import Harness, stored_goal
from tests.slack.slack_api import Workspace
from tests.slack.wire import command_body, send_form


async def run_command(
    h: Harness, team: str, command: str, text: str
) -> tuple[httpx.Response, list[dict[str, Any]]]:
    """Send a command; returns the acknowledgement and what was posted to its response_url afterwards."""
    before = len(h.api.responses())
    body = command_body(team, command, text, response_url=h.api.response_url(f"cmd-{command[1:]}"))
    ack = await send_form(h.http, "/slack/commands", body)
    await h.settle()
    return ack, h.api.responses()[before:]


def all_text(message: dict[str, Any]) -> str:
    """A message's text and the text of its blocks."""
    parts = [message.get("text") or ""]
    blocks = message.get("blocks") or []
    for block in json.loads(blocks) if isinstance(blocks, str) else blocks:
        parts.append(str((block.get("text") or {}).get("text") or ""))
        parts += [str(e.get("text")) for e in block.get("elements") or [] if isinstance(e.get("text"), str)]
    return "\n".join(parts)


@pytest.mark.parametrize(
    ("command", "text", "example"),
    [
        ("/goal", "", "/goal add revenue 90000 by end of March"),
        ("/goal", "add", "/goal add revenue 90000 by end of March"),
        ("/goal", "add revenue 90000", "deadline"),
        ("/goal", "add revenue by June", "number to reach"),
        ("/goal", "done first", "/goal done 2"),
        ("/goal", "archive", "/goal archive 2"),
        ("/goal", "update 1", "new target"),
        ("/goal", "frobnicate 3", "I don't know `/goal frobnicate`"),
        ("/goal", "list someday", "/goal list"),
        ("/metrics", "last week", "Name a metric first"),
        ("/forecast", "", "/forecast revenue"),
        ("/forecast", "next month", "Name the metric"),
        ("/coach", "", "/coach how were sales last week?"),
    ],
)
async def test_wrong_or_empty_arguments_get_an_ephemeral_usage_message_at_once(
    single: Harness, cafe_workspace: Workspace, command: str, text: str, example: str
) -> None:
    ack, later = await run_command(single, cafe_workspace.team_id, command, text)

    assert ack.status_code == 200
    reply = ack.json()
    assert reply["response_type"] == "ephemeral"
    assert example in reply["text"] and "Traceback" not in reply["text"]
    assert later == []


async def test_goal_add_list_update_done_and_archive(single: Harness, cafe_workspace: Workspace) -> None:
    team = cafe_workspace.team_id
    ack, (added,) = await run_command(single, team, "/goal", "add revenue 300000 by end of September")
    assert ack.status_code == 200 and ack.text == ""
    assert added["response_type"] == "in_channel" and "Goal set: Revenue $300,000 by 30 Sep 2026" in all_text(
        added
    )

    _, (listing,) = await run_command(single, team, "/goal", "list")
    number = re.search(r"\*(\d+)\.\* Revenue \$300,000 by 30 Sep 2026", all_text(listing))
    assert listing["response_type"] == "ephemeral" and number is not None
    assert any(
        b["type"] == "actions" and b["elements"][0]["action_id"] == "goal_mark_done"
        for b in listing["blocks"]
    )

    _, (updated,) = await run_command(single, team, "/goal", f"update {number.group(1)} target 320k")
    assert "target $320,000" in all_text(updated)
    _, (done,) = await run_command(single, team, "/goal", f"done {number.group(1)}")
    assert "status completed" in all_text(done)
    _, (completed,) = await run_command(single, team, "/goal", "list completed")
    assert "Revenue $300,000 by 30 Sep 2026" in all_text(completed)


async def test_goal_archive_takes_the_goal_out_of_the_active_list(
    single: Harness, cafe_workspace: Workspace, db: Database, demo_tenants: dict[str, uuid.UUID]
) -> None:
    await stored_goal(db, demo_tenants["demo-cafe"], "Open a second till")
    _, (listing,) = await run_command(single, cafe_workspace.team_id, "/goal", "list")
    number = re.search(r"\*(\d+)\.\* Open a second till", all_text(listing))
    assert number is not None

    _, (archived,) = await run_command(single, cafe_workspace.team_id, "/goal", f"archive {number.group(1)}")
    _, (after,) = await run_command(single, cafe_workspace.team_id, "/goal", "list")
    assert "status archived" in all_text(archived) and "Open a second till" not in all_text(after)


async def test_goal_add_for_an_unknown_metric_says_so_with_the_examples(
    single: Harness, cafe_workspace: Workspace
) -> None:
    _, (reply,) = await run_command(single, cafe_workspace.team_id, "/goal", "add 500 unicorns by June")

    assert reply["response_type"] == "ephemeral"
    assert "unicorns" in all_text(reply) and "/goal add revenue 90000 by end of March" in all_text(reply)


async def test_metrics_overview_and_one_metric_show_the_demo_numbers(
    single: Harness, cafe_workspace: Workspace
) -> None:
    daily = generate(DEMO_CAFE, end=DEMO_END).daily
    revenue = money(float(daily.loc["2026-06-22":"2026-06-28", "revenue"].sum()), "USD")
    orders = f"{float(daily.loc['2026-06-22':'2026-06-28', 'orders'].sum()):,.0f}"

    _, (overview,) = await run_command(single, cafe_workspace.team_id, "/metrics", "")
    _, (one,) = await run_command(single, cafe_workspace.team_id, "/metrics", "revenue last week")

    assert revenue in all_text(overview) and orders in all_text(overview)
    assert overview["blocks"][1]["accessory"]["action_id"] == "show_chart"
    assert one["response_type"] == "ephemeral" and revenue in all_text(one)
    assert {e["action_id"] for e in one["blocks"][-1]["elements"]} == {"show_chart", "explain_this"}


async def test_metrics_for_an_unknown_metric_suggests_and_shows_usage(
    single: Harness, cafe_workspace: Workspace
) -> None:
    _, (reply,) = await run_command(single, cafe_workspace.team_id, "/metrics", "unicorns last week")

    assert "unicorns" in all_text(reply) and "/metrics revenue" in all_text(reply)


async def test_forecast_answers_with_a_range_and_a_chart_button(
    single: Harness, cafe_workspace: Workspace
) -> None:
    _, (reply,) = await run_command(single, cafe_workspace.team_id, "/forecast", "revenue next month")

    assert reply["response_type"] == "ephemeral" and "$" in all_text(reply)
    assert reply["blocks"][-1]["elements"][0]["action_id"] == "show_chart"


async def test_coach_command_posts_the_question_and_answers_in_its_thread(
    single: Harness, cafe_workspace: Workspace, ollama: OllamaStandIn
) -> None:
    ollama.script(Say("Sales were steady last week."))

    ack, _ = await run_command(single, cafe_workspace.team_id, "/coach", "how were sales last week?")

    question, placeholder = single.api.calls("chat.postMessage")
    (_, question_ts, _), _ = single.api.posted()
    assert ack.status_code == 200 and "asked: how were sales last week?" in question.params["text"]
    assert "thread_ts" not in question.params and placeholder.params["thread_ts"] == question_ts
    assert "Sales were steady last week." in single.api.calls("chat.update")[-1].params["text"]
