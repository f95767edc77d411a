"""Direct messages, mentions and thread replies: answered once, in a thread, with the tenant's own numbers."""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid

from sqlalchemy import select

from bot.slack.inbox import MAX_ATTEMPTS
from coach.format import money
from connectors.demo.businesses import DEMO_CAFE
from connectors.demo.generator import generate
from storage.coaching.models import CoachingSession
from storage.database import Database
from storage.messaging.models import ProcessedEvent
from storage.tenants.models import User
from tests.coach.conftest import DEMO_END
from tests.llm.ollama_standin import OllamaStandIn
from tests.llm.standins import CallTool, Say
from tests.slack.conftest import OWNER, Harness
from tests.slack.slack_api import Workspace
from tests.slack.wire import dm, event_body, send_event


def cafe_revenue_last_week() -> str:
    daily = generate(DEMO_CAFE, end=DEMO_END).daily
    return money(float(daily.loc["2026-06-22":"2026-06-28", "revenue"].sum()), "USD")


def script_revenue_answer(ollama: OllamaStandIn, expected: str) -> None:
    ollama.script(
        CallTool("metric_summary", {"metric": "revenue", "period": "last week"}),
        Say(f"Revenue last week was {expected}.\n\nThat is your total for the seven days."),
    )


async def test_a_direct_message_is_answered_in_its_thread_with_the_demo_numbers_and_a_chart(
    single: Harness, cafe_workspace: Workspace, ollama: OllamaStandIn
) -> None:
    expected = cafe_revenue_last_week()
    script_revenue_answer(ollama, expected)
    message = dm(OWNER, "How was revenue last week?", ts="1750000000.000100")

    response = await send_event(single.http, event_body(cafe_workspace.team_id, message))
    await single.settle()

    assert response.status_code == 200
    (placeholder,) = single.api.calls("chat.postMessage")
    assert placeholder.params["thread_ts"] == "1750000000.000100" and placeholder.params["channel"] == "D0DM"
    assert placeholder.token == cafe_workspace.token
    final = single.api.calls("chat.update")[-1]
    assert expected in final.params["text"]
    blocks = final.params["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    assert blocks[0]["text"]["text"] == f"*Revenue last week was {expected}.*"
    assert any(b["type"] == "context" and "metric_summary" in b["elements"][0]["text"] for b in blocks)
    assert any(b["type"] == "actions" for b in blocks)
    (upload,) = single.api.calls("files.getUploadURLExternal")
    assert upload.params["alt_txt"] and upload.params["filename"].endswith(".png")
    (complete,) = single.api.calls("files.completeUploadExternal")
    assert complete.params["channel_id"] == "D0DM" and complete.params["thread_ts"] == "1750000000.000100"
    assert next(iter(single.api.uploaded().values())).startswith(b"\x89PNG")


async def test_a_slack_retry_with_the_same_event_id_answers_once(
    single: Harness, cafe_workspace: Workspace, ollama: OllamaStandIn
) -> None:
    script_revenue_answer(ollama, cafe_revenue_last_week())
    body = event_body(cafe_workspace.team_id, dm(OWNER, "How was revenue last week?"), event_id="EvRETRY1")

    first, retry, again = await asyncio.gather(
        send_event(single.http, body),
        send_event(single.http, body, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}),
        send_event(single.http, body, **{"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_timeout"}),
    )
    await single.settle()

    assert [first.status_code, retry.status_code, again.status_code] == [200, 200, 200]
    assert len(single.api.calls("chat.postMessage")) == 1
    assert single.metrics.value("slack_events_duplicate_total") == 2


async def test_the_first_message_creates_the_user_with_name_and_timezone_from_slack(
    single: Harness,
    cafe_workspace: Workspace,
    ollama: OllamaStandIn,
    db: Database,
    demo_tenants: dict[str, uuid.UUID],
) -> None:
    person = f"U{secrets.token_hex(4).upper()}"
    single.api.add_user(person, "Sam Manager", tz="Europe/Dublin")
    ollama.script(Say("Hello! Ask me about your numbers."), Say("Hello again."))
    for text in ("hello coach", "hello again"):
        await send_event(single.http, event_body(cafe_workspace.team_id, dm(person, text)))
        await single.settle()

    async with db.tenant_session(demo_tenants["demo-cafe"]) as session:
        users = (await session.scalars(select(User).where(User.slack_user_id == person))).all()
        turns = (
            await session.scalars(select(CoachingSession).where(CoachingSession.user_id == users[0].id))
        ).all()
    assert [(u.display_name, u.timezone) for u in users] == [("Sam Manager", "Europe/Dublin")]
    assert [c.params["user"] for c in single.api.calls("users.info")] == [person] and len(turns) == 2


async def test_the_bots_own_messages_and_other_bots_are_ignored(
    single: Harness, cafe_workspace: Workspace, ollama: OllamaStandIn
) -> None:
    own = dm(cafe_workspace.bot_user_id, "Revenue last week was $1.", bot_id=cafe_workspace.bot_id)
    other_bot = dm("U_OTHERBOT", "beep", bot_id="B_OTHER", subtype="bot_message")
    edited = dm(OWNER, "edited", subtype="message_changed")
    for event in (own, other_bot, edited):
        response = await send_event(single.http, event_body(cafe_workspace.team_id, event))
        assert response.status_code == 200
    await single.settle()

    assert single.api.calls("chat.postMessage") == [] and ollama.received() == []


async def test_a_mention_is_answered_in_a_thread_and_its_message_event_is_not_answered_again(
    single: Harness, cafe_workspace: Workspace, ollama: OllamaStandIn
) -> None:
    ollama.script(Say("Happy to help with the café's numbers."))
    text = f"<@{cafe_workspace.bot_user_id}> can you help?"
    base = {"channel": "C0GENERAL", "user": OWNER, "text": text, "ts": "1750000100.000100"}
    await asyncio.gather(
        send_event(single.http, event_body(cafe_workspace.team_id, {"type": "app_mention", **base})),
        send_event(
            single.http,
            event_body(cafe_workspace.team_id, {"type": "message", "channel_type": "channel", **base}),
        ),
    )
    await single.settle()

    (posted,) = single.api.calls("chat.postMessage")
    assert posted.params["thread_ts"] == "1750000100.000100"
    question = [m for m in ollama.received("/api/chat")[0].body["messages"] if m["role"] == "user"][-1]
    assert question["content"] == "can you help?"


async def test_a_reply_in_the_coachs_thread_is_answered_but_other_threads_are_left_alone(
    single: Harness, cafe_workspace: Workspace, ollama: OllamaStandIn
) -> None:
    ollama.script(Say("First answer."), Say("Second answer."))
    root = {"type": "app_mention", "channel": "C0GENERAL", "user": OWNER, "ts": "1750000200.000100",
            "text": f"<@{cafe_workspace.bot_user_id}> hi"}  # fmt: skip
    await send_event(single.http, event_body(cafe_workspace.team_id, root))
    await single.settle()
    reply = {"type": "message", "channel_type": "channel", "channel": "C0GENERAL", "user": OWNER,
             "ts": "1750000201.000100", "thread_ts": "1750000200.000100", "text": "and this week?"}  # fmt: skip
    elsewhere = {**reply, "ts": "1750000301.000100", "thread_ts": "1750000300.000100", "text": "team lunch?"}
    await send_event(single.http, event_body(cafe_workspace.team_id, reply))
    await send_event(single.http, event_body(cafe_workspace.team_id, elsewhere))
    await single.settle()

    assert [c.params["thread_ts"] for c in single.api.calls("chat.postMessage")] == ["1750000200.000100"] * 2


async def test_a_429_on_post_message_is_retried_after_retry_after(
    single: Harness, cafe_workspace: Workspace, ollama: OllamaStandIn
) -> None:
    ollama.script(Say("All good."))
    single.api.fail_next("chat.postMessage", 429, {"Retry-After": "1"})

    await send_event(single.http, event_body(cafe_workspace.team_id, dm(OWNER, "quick check?")))
    await single.settle()

    first, second = single.api.calls("chat.postMessage")
    assert second.at - first.at >= 0.95
    assert "All good." in single.api.calls("chat.update")[-1].params["text"]


async def test_a_failed_answer_is_tried_again_in_the_same_placeholder(
    single: Harness, cafe_workspace: Workspace, ollama: OllamaStandIn
) -> None:
    ollama.script(Say("This will not be shown."), Say("Revenue is up."))
    # the first answer cannot be written into the placeholder (the client retries a 500 once by itself)
    single.api.fail_next("chat.update", 500, times=2)

    await send_event(single.http, event_body(cafe_workspace.team_id, dm(OWNER, "how are we doing?")))
    await single.settle()

    assert single.metrics.value("slack_answer_failures_total") == 1
    assert len(single.api.calls("chat.postMessage")) == 1  # one placeholder, finished in place
    assert len({c.params["ts"] for c in single.api.calls("chat.update")}) == 1
    assert "Revenue is up." in single.api.calls("chat.update")[-1].params["text"]


async def test_an_answer_that_keeps_failing_ends_in_an_apology_not_silence(
    single: Harness, cafe_workspace: Workspace, ollama: OllamaStandIn
) -> None:
    ollama.script(*[Say("This will not be shown.")] * MAX_ATTEMPTS)
    single.api.fail_next(
        "chat.update", 500, times=2 * MAX_ATTEMPTS
    )  # every attempt fails to write its answer

    await send_event(single.http, event_body(cafe_workspace.team_id, dm(OWNER, "how are we doing?")))
    await single.settle()

    assert single.metrics.value("slack_answer_failures_total") == MAX_ATTEMPTS
    assert len(single.api.calls("chat.postMessage")) == 1
    assert "Sorry" in single.api.calls("chat.update")[-1].params["text"]


async def test_processed_events_records_each_event_id_once(
    single: Harness,
    cafe_workspace: Workspace,
    ollama: OllamaStandIn,
    db: Database,
    demo_tenants: dict[str, uuid.UUID],
) -> None:
    ollama.script(Say("Noted."))
    body = event_body(cafe_workspace.team_id, dm(OWNER, "note this"), event_id="EvONCE42")
    await send_event(single.http, body)
    await send_event(single.http, body, **{"X-Slack-Retry-Num": "1"})
    await single.settle()

    async with db.tenant_session(demo_tenants["demo-cafe"]) as session:
        rows = (
            await session.scalars(select(ProcessedEvent).where(ProcessedEvent.event_id == "EvONCE42"))
        ).all()
    assert [(r.source, r.event_id) for r in rows] == [("slack", "EvONCE42")]
