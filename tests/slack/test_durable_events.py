"""A Slack message is written down before Slack hears it arrived, answered from that record, and /slack/events
refuses what is not Slack's before reading it: unsigned, oversize, malformed."""

from __future__ import annotations

import json
import time
import uuid
from urllib.parse import parse_qsl

from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select, update
from sqlalchemy.engine import make_url

from bot.slack.blocks import PLACEHOLDER, chart_request
from bot.slack.conversations import question_key
from bot.web.app import SLACK_MAX_BODY_BYTES
from coach.core import Coach
from storage.database import Database
from storage.messaging.events import record_event
from storage.messaging.models import ProcessedEvent
from tests.llm.ollama_standin import OllamaStandIn
from tests.llm.standins import Say
from tests.slack.conftest import OWNER, Harness, harness
from tests.slack.slack_api import SlackAPI, Workspace
from tests.slack.wire import action_body, command_body, dm, event_body, send_event, send_form, signed_headers

DEAD = make_url("postgresql+asyncpg://coach_app:x@127.0.0.1:1/coach")


async def row(db: Database, tenant: uuid.UUID, event_id: str) -> ProcessedEvent | None:
    async with db.tenant_session(tenant) as session:
        return (
            await session.scalars(select(ProcessedEvent).where(ProcessedEvent.event_id == event_id))
        ).one_or_none()


async def test_a_message_is_recorded_before_it_is_acknowledged_and_done_once_answered(
    single: Harness, cafe_workspace: Workspace, ollama: OllamaStandIn, db: Database,
    demo_tenants: dict[str, uuid.UUID],
) -> None:  # fmt: skip
    ollama.script(Say("All good."))
    response = await send_event(
        single.http, event_body(cafe_workspace.team_id, dm(OWNER, "how are we doing?"), event_id="EvKEPT1")
    )
    recorded = await row(db, demo_tenants["demo-cafe"], "EvKEPT1")
    await single.settle()
    answered = await row(db, demo_tenants["demo-cafe"], "EvKEPT1")

    assert response.status_code == 200 and recorded is not None
    assert answered is not None and answered.status == "done" and answered.payload is None
    assert answered.reply_ts == single.api.calls("chat.update")[-1].params["ts"]


async def test_a_retry_after_a_crash_finishes_the_placeholder_slack_already_has(
    single: Harness, cafe_workspace: Workspace, ollama: OllamaStandIn, db: Database,
    demo_tenants: dict[str, uuid.UUID],
) -> None:  # fmt: skip
    # A process posted the placeholder and died before writing down that it had: Slack has it, we do not.
    tenant, asked = demo_tenants["demo-cafe"], f"{time.time() - 5:.6f}"
    body = json.loads(
        event_body(cafe_workspace.team_id, dm(OWNER, "how are we doing?", ts=asked), event_id="EvCRASH")
    )
    client = AsyncWebClient(token=cafe_workspace.token, base_url=single.api.api_url)
    posted = await client.chat_postMessage(channel="D0DM", thread_ts=asked, text=PLACEHOLDER)
    async with db.tenant_session(tenant) as session:
        await record_event(session=session, source="slack", event_id="EvCRASH", payload=body)
        await session.execute(
            update(ProcessedEvent).where(ProcessedEvent.event_id == "EvCRASH").values(attempts=1)
        )
    ollama.script(Say("Sales are steady."))

    single.gateway.inbox.wake()
    await single.settle()

    assert len(single.api.calls("chat.postMessage")) == 1  # the one the dead process posted
    final = single.api.calls("chat.update")[-1].params
    assert final["ts"] == posted["ts"] and "Sales are steady." in final["text"]


async def test_unsigned_or_badly_signed_events_get_401_before_their_body_is_read(
    single: Harness, cafe_workspace: Workspace
) -> None:
    body = event_body(cafe_workspace.team_id, dm(OWNER, "hi"))
    bad_time = {**signed_headers(body), "X-Slack-Request-Timestamp": "abc"}
    forged = {**signed_headers(body, secret="not-the-secret")}

    unsigned = await single.http.post(
        "/slack/events", content=body, headers={"Content-Type": "application/json"}
    )
    garbled = await single.http.post("/slack/events", content=body, headers=bad_time)
    wrong = await single.http.post("/slack/events", content=body, headers=forged)

    assert [unsigned.status_code, garbled.status_code, wrong.status_code] == [401, 401, 401]
    assert single.api.calls("chat.postMessage") == []


async def test_signed_but_malformed_events_get_400_not_a_traceback(single: Harness) -> None:
    responses = [
        await single.http.post("/slack/events", content=raw, headers=signed_headers(raw))
        for raw in ("{not json", "[1, 2]", json.dumps({"type": "event_callback", "event": "text"}))
    ]
    assert [r.status_code for r in responses] == [400, 400, 400]
    assert all("Traceback" not in r.text for r in responses)


async def test_oversize_bodies_are_refused_with_413_on_every_slack_route(single: Harness) -> None:
    big = b"x" * (SLACK_MAX_BODY_BYTES + 1)

    async def chunks():  # no Content-Length: the cap must hold while reading
        for start in range(0, len(big), 65536):
            yield big[start : start + 65536]

    declared = await single.http.post("/slack/events", content=big, headers=signed_headers(big.decode()))
    streamed = await single.http.post("/slack/events", content=chunks())
    command = await single.http.post("/slack/commands", content=big)

    assert [declared.status_code, streamed.status_code, command.status_code] == [413, 413, 413]


async def test_over_socket_mode_a_message_is_recorded_before_bolt_acknowledges_it(
    single: Harness, cafe_workspace: Workspace, ollama: OllamaStandIn, db: Database,
    demo_tenants: dict[str, uuid.UUID],
) -> None:  # fmt: skip
    ollama.script(Say("All good."))
    body = event_body(cafe_workspace.team_id, dm(OWNER, "how are we doing?"), event_id="EvSOCKET1")

    response = await single.gateway.app.async_dispatch(AsyncBoltRequest(body=body, mode="socket_mode"))
    recorded = await row(db, demo_tenants["demo-cafe"], "EvSOCKET1")
    await single.settle()

    assert response.status == 200 and recorded is not None
    assert "All good." in single.api.calls("chat.update")[-1].params["text"]


async def test_when_the_database_is_away_slack_gets_503_and_sends_the_message_again(
    coach: Coach, slack_api: SlackAPI, cafe_workspace: Workspace
) -> None:
    away = Database(owner_url=DEAD, app_url=DEAD, pool_size=1, server=None)  # nothing listens on port 1
    try:
        async for running in harness(away, coach, slack_api, slack_bot_token=cafe_workspace.token,
                                     slack_tenant="demo-cafe"):  # fmt: skip
            response = await send_event(running.http, event_body(cafe_workspace.team_id, dm(OWNER, "hello?")))

            assert response.status_code == 503 and "Traceback" not in response.text
            assert running.metrics.value("slack_events_unrecorded_total") == 1
    finally:
        await away.close()


async def test_a_coach_question_is_posted_and_recorded_before_the_command_is_acknowledged(
    single: Harness, cafe_workspace: Workspace, ollama: OllamaStandIn, db: Database,
    demo_tenants: dict[str, uuid.UUID],
) -> None:  # fmt: skip
    ollama.script(Say("Sales were steady."))
    body = command_body(
        cafe_workspace.team_id, "/coach", "how were sales?", response_url=single.api.response_url("q")
    )
    command = dict(parse_qsl(body))

    ack = await send_form(single.http, "/slack/commands", body)
    recorded = await row(db, demo_tenants["demo-cafe"], question_key(command))
    await single.settle()

    assert ack.status_code == 200 and recorded is not None and recorded.payload is not None
    assert (
        recorded.payload["event"]["ts"] == single.api.posted()[0][1]
    )  # the question message, answered in its thread
    assert "Sales were steady." in single.api.calls("chat.update")[-1].params["text"]


async def test_a_coach_question_where_the_coach_cannot_post_is_answered_privately(
    single: Harness, cafe_workspace: Workspace, ollama: OllamaStandIn
) -> None:
    ollama.script(Say("Privately: sales were steady."))
    single.api.fail_next("chat.postMessage", 200)  # not_in_channel, as Slack answers
    body = command_body(
        cafe_workspace.team_id, "/coach", "how were sales?", response_url=single.api.response_url("p")
    )

    ack = await send_form(single.http, "/slack/commands", body)
    await single.settle()

    (reply,) = single.api.responses()
    assert ack.status_code == 200 and reply["response_type"] == "ephemeral"
    assert "Privately: sales were steady." in reply["text"]


async def recorded_kinds(db: Database, tenant: uuid.UUID) -> dict[str, str]:
    """Recorded slash commands and button presses: event id -> status."""
    async with db.tenant_session(tenant) as session:
        rows = (
            await session.scalars(
                select(ProcessedEvent).where(
                    ProcessedEvent.event_id.like("command/%") | ProcessedEvent.event_id.like("action:%")
                )
            )
        ).all()
    return {r.event_id: r.status for r in rows}


async def test_slash_command_and_button_work_is_recorded_before_the_acknowledgement_and_done_from_the_record(
    single: Harness, cafe_workspace: Workspace, db: Database, demo_tenants: dict[str, uuid.UUID]
) -> None:
    tenant = demo_tenants["demo-cafe"]
    before = await recorded_kinds(db, tenant)
    await single.gateway.inbox.stop(
        drain_s=0
    )  # this process stops answering: the work must wait in the database
    command = command_body(cafe_workspace.team_id, "/metrics", "", response_url=single.api.response_url("m"))
    chart = json.dumps(chart_request("metric_summary", metric="orders", period="last week"))
    press = action_body(
        cafe_workspace.team_id, "show_chart", chart, response_url=single.api.response_url("b")
    )

    acks = [await send_form(single.http, "/slack/commands", command),
            await send_form(single.http, "/slack/interactivity", press)]  # fmt: skip
    waiting = {k: v for k, v in (await recorded_kinds(db, tenant)).items() if k not in before}
    answered_meanwhile = list(single.api.responses())
    single.gateway.start()  # the next process
    await single.settle()
    finished = {k: v for k, v in (await recorded_kinds(db, tenant)).items() if k not in before}

    assert [a.status_code for a in acks] == [200, 200] and answered_meanwhile == []
    assert sorted(k.split(":")[0] for k in waiting) == ["action", "command/metrics"]
    assert set(waiting.values()) == {"pending"} and set(finished.values()) == {"done"}
    assert (
        len(single.api.responses()) == 1 and len(single.api.uploaded()) == 1
    )  # the overview, then the chart
