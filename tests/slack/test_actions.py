"""Buttons: Mark done, Snooze nudge 1 week, Explain this and Show chart."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta

from storage.database import Database
from storage.goals.service import find_goal
from storage.slack.service import nudge_snoozed_until
from tests.slack.conftest import Harness, stored_goal
from tests.slack.slack_api import Workspace
from tests.slack.test_commands import all_text
from tests.slack.wire import action_body, send_form


async def press(h: Harness, team: str, action_id: str, value: str, **where: object) -> list[dict]:
    """Press a button; returns what was posted to its response_url."""
    before = len(h.api.responses())
    body = action_body(team, action_id, value, response_url=h.api.response_url(f"act-{action_id}"), **where)  # type: ignore[arg-type]
    response = await send_form(h.http, "/slack/interactivity", body)
    assert response.status_code == 200
    await h.settle()
    return h.api.responses()[before:]


async def test_mark_done_completes_the_goal(
    single: Harness, cafe_workspace: Workspace, db: Database, demo_tenants: dict[str, uuid.UUID]
) -> None:
    goal_id = await stored_goal(db, demo_tenants["demo-cafe"], "Welcome 3,000 customers")

    (reply,) = await press(single, cafe_workspace.team_id, "goal_mark_done", goal_id[:8], ephemeral=True)

    async with db.tenant_session(demo_tenants["demo-cafe"]) as session:
        goal = await find_goal(session=session, reference=goal_id)
    assert reply["response_type"] == "ephemeral" and "status completed" in all_text(reply)
    assert goal.status == "completed"


async def test_snooze_holds_the_goals_nudges_for_a_week(
    single: Harness, cafe_workspace: Workspace, db: Database, demo_tenants: dict[str, uuid.UUID]
) -> None:
    goal_id = await stored_goal(db, demo_tenants["demo-cafe"], "Serve 4,000 customers")

    (reply,) = await press(single, cafe_workspace.team_id, "goal_snooze", goal_id[:8], ephemeral=True)

    async with db.tenant_session(demo_tenants["demo-cafe"]) as session:
        goal = await find_goal(session=session, reference=goal_id)
        until = await nudge_snoozed_until(session=session, goal_id=goal.id)
    assert "no nudges about 'Serve 4,000 customers'" in reply["text"]
    assert until is not None and abs(until - (datetime.now(UTC) + timedelta(weeks=1))) < timedelta(minutes=1)


async def test_explain_this_answers_in_the_messages_thread(
    single: Harness, cafe_workspace: Workspace
) -> None:
    value = json.dumps({"metric": "revenue", "period": "last week"})

    await press(single, cafe_workspace.team_id, "explain_this", value, message_ts="1750000500.000100")

    (posted,) = single.api.calls("chat.postMessage")
    assert posted.params["thread_ts"] == "1750000500.000100" and posted.params["channel"] == "C0GENERAL"
    assert re.search(r"[Rr]evenue", posted.params["text"])


async def test_show_chart_uploads_the_chart_with_alt_text_into_the_thread(
    single: Harness, cafe_workspace: Workspace
) -> None:
    value = json.dumps({"tool": "metric_summary", "args": {"metric": "orders", "period": "last week"}})

    await press(single, cafe_workspace.team_id, "show_chart", value, message_ts="1750000600.000100")

    (upload,) = single.api.calls("files.getUploadURLExternal")
    (complete,) = single.api.calls("files.completeUploadExternal")
    assert "orders" in upload.params["alt_txt"].lower()
    assert complete.params["thread_ts"] == "1750000600.000100"


async def test_a_button_asking_for_another_tool_is_refused(
    single: Harness, cafe_workspace: Workspace
) -> None:
    value = json.dumps({"tool": "update_goal", "args": {"goal": "1", "status": "archived"}})

    (reply,) = await press(single, cafe_workspace.team_id, "show_chart", value)

    assert (
        reply["text"] == "That chart is not available."
        and single.api.calls("files.getUploadURLExternal") == []
    )


async def test_stop_the_weekly_digest_opts_the_person_out(
    single: Harness, cafe_workspace: Workspace, db: Database, demo_tenants: dict[str, uuid.UUID]
) -> None:
    from sqlalchemy import select

    from storage.tenants.models import User

    (reply,) = await press(
        single, cafe_workspace.team_id, "digest_stop", "stop", user="U_DIGEST", channel="D0DM"
    )

    async with db.tenant_session(demo_tenants["demo-cafe"]) as session:
        person = (await session.scalars(select(User).where(User.slack_user_id == "U_DIGEST"))).one()
    assert person.digest_opt_out
    assert reply["response_type"] == "ephemeral" and "no more weekly digests" in reply["text"]
