"""Request signatures, OAuth install and tenant isolation between workspaces."""

from __future__ import annotations

import time
import uuid
from urllib.parse import parse_qs, urlparse

from sqlalchemy import select

from bot.slack.install_links import install_link
from coach.format import money
from connectors.demo.businesses import DEMO_CAFE, NORTHSIDE_BOOKS
from connectors.demo.generator import generate
from storage.database import Database
from storage.slack.models import SlackInstallation
from tests.coach.conftest import DEMO_END
from tests.llm.ollama_standin import OllamaStandIn
from tests.llm.standins import CallTool, Say
from tests.slack.conftest import OWNER, SECRET, Harness, install, new_workspace
from tests.slack.slack_api import Workspace
from tests.slack.test_commands import all_text, run_command
from tests.slack.wire import dm, event_body, send_event, signed_headers


def revenue_last_week(profile) -> str:  # type: ignore[no-untyped-def]
    daily = generate(profile, end=DEMO_END).daily
    return money(float(daily.loc["2026-06-22":"2026-06-28", "revenue"].sum()), "USD")


async def test_a_bad_signature_is_refused_with_401(single: Harness, cafe_workspace: Workspace) -> None:
    body = event_body(cafe_workspace.team_id, dm(OWNER, "hello"))
    headers = signed_headers(body, secret="not-the-signing-secret")

    response = await single.http.post("/slack/events", content=body, headers=headers)
    await single.settle()

    assert response.status_code == 401 and single.api.calls() == []


async def test_a_six_minute_old_timestamp_is_refused_with_401(
    single: Harness, cafe_workspace: Workspace
) -> None:
    body = event_body(cafe_workspace.team_id, dm(OWNER, "hello"))
    headers = signed_headers(body, timestamp=int(time.time()) - 6 * 60)

    response = await single.http.post("/slack/events", content=body, headers=headers)
    await single.settle()

    assert response.status_code == 401 and single.api.calls() == []


async def test_oauth_install_maps_a_new_workspace_to_its_own_tenant(
    multi: Harness, ollama: OllamaStandIn, db: Database
) -> None:
    workspace = Workspace(team_id=f"TNEW{uuid.uuid4().hex[:6].upper()}", token=f"xoxb-new-{uuid.uuid4().hex[:8]}",
                          bot_user_id="UBNEW", bot_id="BNEW", team_name="Corner Bakery")  # fmt: skip
    multi.api.oauth_codes["code-123"] = workspace

    start = await multi.http.get("/slack/install")
    state = parse_qs(urlparse(start.headers["location"]).query)["state"][0]
    done = await multi.http.get("/slack/oauth_redirect", params={"code": "code-123", "state": state})

    assert start.status_code == 302 and "client_id=111.222" in start.headers["location"]
    assert done.status_code == 200
    tenant = await db.system.tenant(f"slack-{workspace.team_id.lower()}")
    assert tenant.name == "Corner Bakery"
    async with db.tenant_session(tenant.id) as session:
        row = await session.scalar(select(SlackInstallation))
    assert row is not None and row.team_id == workspace.team_id
    assert workspace.token.encode() not in row.bot_token  # encrypted at rest

    ollama.script(Say("Welcome, Corner Bakery!"))
    await send_event(multi.http, event_body(workspace.team_id, dm(OWNER, "hello")))
    await multi.settle()
    (posted,) = multi.api.calls("chat.postMessage")
    assert posted.token == workspace.token


async def test_a_signed_install_link_connects_the_workspace_to_an_existing_business(
    multi: Harness, db: Database, demo_tenants: dict[str, uuid.UUID]
) -> None:
    workspace = Workspace(team_id=f"TBK{uuid.uuid4().hex[:6].upper()}", token=f"xoxb-bk-{uuid.uuid4().hex[:8]}",
                          bot_user_id="UBBK", bot_id="BBK", team_name="Books team")  # fmt: skip
    multi.api.oauth_codes["code-books"] = workspace
    link = install_link(secret=SECRET, public_base_url="https://coach.test", tenant_slug="northside-books")
    forged = link.replace("northside-books", "demo-cafe")

    start = await multi.http.get(link)
    state = parse_qs(urlparse(start.headers["location"]).query)["state"][0]
    await multi.http.get("/slack/oauth_redirect", params={"code": "code-books", "state": state})
    forged_start = await multi.http.get(forged)

    async with db.tenant_session(demo_tenants["northside-books"]) as session:
        teams = set((await session.scalars(select(SlackInstallation.team_id))).all())
    assert workspace.team_id in teams
    forged_state = parse_qs(urlparse(forged_start.headers["location"]).query)["state"][0]
    assert '"t":""' in __import__("base64").urlsafe_b64decode(forged_state.split(".")[0] + "==").decode()


async def test_an_oauth_callback_with_a_forged_state_is_refused(multi: Harness) -> None:
    await multi.http.get("/slack/install")

    response = await multi.http.get("/slack/oauth_redirect", params={"code": "x", "state": "forged.state"})

    assert response.status_code in (400, 401) and multi.api.calls("oauth.v2.access") == []


async def test_two_workspaces_never_see_each_others_data(
    multi: Harness, ollama: OllamaStandIn, db: Database, demo_tenants: dict[str, uuid.UUID]
) -> None:
    cafe, books = new_workspace(multi.api, "Cafe"), new_workspace(multi.api, "Books")
    await install(db, demo_tenants["demo-cafe"], cafe)
    await install(db, demo_tenants["northside-books"], books)
    cafe_revenue, books_revenue = revenue_last_week(DEMO_CAFE), revenue_last_week(NORTHSIDE_BOOKS)
    assert cafe_revenue != books_revenue

    for workspace in (cafe, books):
        ollama.script(
            CallTool("metric_summary", {"metric": "revenue", "period": "last week"}), Say("Here you go.")
        )
        await send_event(multi.http, event_body(workspace.team_id, dm(OWNER, "revenue last week?")))
        await multi.settle()
    _, (cafe_metrics,) = await run_command(multi, cafe.team_id, "/metrics", "revenue last week")
    _, (books_metrics,) = await run_command(multi, books.team_id, "/metrics", "revenue last week")

    answers = {c.token: all_text(c.params) for c in multi.api.calls("chat.update")}
    assert cafe_revenue in answers[cafe.token] and books_revenue not in answers[cafe.token]
    assert books_revenue in answers[books.token] and cafe_revenue not in answers[books.token]
    assert cafe_revenue in all_text(cafe_metrics) and books_revenue not in all_text(cafe_metrics)
    assert books_revenue in all_text(books_metrics) and cafe_revenue not in all_text(books_metrics)


async def test_an_event_from_a_workspace_that_never_installed_is_not_answered(multi: Harness) -> None:
    stranger = new_workspace(multi.api, "Stranger")

    await send_event(multi.http, event_body(stranger.team_id, dm(OWNER, "show me demo-cafe revenue")))
    await multi.settle()

    assert multi.api.calls("chat.postMessage") == []
