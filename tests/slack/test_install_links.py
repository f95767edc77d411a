"""Install links and OAuth states are bearer secrets: they expire, work once (across instances) and are never logged.

Two gateways on one database stand for two ``coach serve`` instances behind a load balancer.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import re
import secrets
import sys
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.slack.install_links import fingerprint, install_link
from coach.core import Coach
from storage.database import Database
from storage.slack.service import spend_install_nonce, tenant_for_team
from tests.conftest import repo_root
from tests.slack.conftest import SECRET, Harness, harness, new_workspace
from tests.slack.slack_api import SlackAPI, Workspace

CALLBACK = "/slack/oauth_redirect"
BASE_URL = "https://coach.test"


@pytest.fixture
async def second(db: Database, coach: Coach, slack_api: SlackAPI) -> AsyncIterator[Harness]:
    """Another ``coach serve`` instance on the same database, in multi-workspace mode."""
    async for running in harness(
        db, coach, slack_api, slack_client_id="111.222", slack_client_secret="shh-oauth"
    ):
        yield running


async def business(db: Database) -> tuple[str, uuid.UUID]:
    """A fresh business: its slug and id."""
    slug = f"link-{secrets.token_hex(4)}"
    tenant = await db.system.ensure_tenant(
        slug=slug, name="Link Cafe", industry="cafe", timezone="UTC", currency="USD", country="US"
    )
    return slug, tenant


def installing(api: SlackAPI, name: str) -> tuple[Workspace, str]:
    """A workspace about to install the app, and the OAuth code Slack will hand back for it."""
    workspace = new_workspace(api, name)
    code = f"code-{workspace.team_id}"
    api.oauth_codes[code] = workspace
    return workspace, code


def state_of(response: httpx.Response) -> str:
    """The OAuth state in the redirect to Slack's consent screen."""
    assert response.status_code == 302, response.text
    return parse_qs(urlparse(response.headers["location"]).query)["state"][0]


def payload_of(state: str) -> dict[str, Any]:
    body = state.split(".")[0]
    return dict(json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))))


async def installed_tenant(db: Database, workspace: Workspace) -> uuid.UUID | None:
    async with db.app_engine.connect() as connection:
        return await tenant_for_team(connection=connection, team_id=workspace.team_id, enterprise_id=None)


async def install_through(http: httpx.AsyncClient, link: str, code: str) -> httpx.Response:
    """Open the link, accept on Slack's consent screen, follow Slack back to the callback."""
    state = state_of(await http.get(link))
    return await http.get(CALLBACK, params={"code": code, "state": state})


def link_for(slug: str, **expiry: datetime) -> str:
    return install_link(secret=SECRET, public_base_url=BASE_URL, tenant_slug=slug, **expiry)


async def test_a_second_workspace_using_an_install_link_is_refused_with_a_page_saying_it_was_used(
    multi: Harness, second: Harness, db: Database
) -> None:
    slug, tenant = await business(db)
    link = link_for(slug)
    first, first_code = installing(multi.api, "First")
    other, _ = installing(multi.api, "Other")

    done = await install_through(multi.http, link, first_code)
    refused = await second.http.get(link)

    assert done.status_code == 200
    assert refused.status_code == 410 and "already been used" in refused.text
    assert "location" not in refused.headers
    assert await installed_tenant(db, first) == tenant
    assert await installed_tenant(db, other) is None


async def test_two_workspaces_racing_through_one_install_link_install_only_the_first(
    multi: Harness, second: Harness, db: Database
) -> None:
    slug, tenant = await business(db)
    link = link_for(slug)
    first, first_code = installing(multi.api, "First")
    other, other_code = installing(multi.api, "Other")
    first_state, other_state = state_of(await multi.http.get(link)), state_of(await second.http.get(link))

    done = await multi.http.get(CALLBACK, params={"code": first_code, "state": first_state})
    refused = await second.http.get(CALLBACK, params={"code": other_code, "state": other_state})

    assert done.status_code == 200
    assert refused.status_code == 410 and "already been used" in refused.text
    assert await installed_tenant(db, first) == tenant
    assert await installed_tenant(db, other) is None
    assert f"slack-{other.team_id.lower()}" not in {t.slug for t in await db.system.list_tenants()}


async def test_an_expired_install_link_is_refused_with_a_page_saying_so(multi: Harness, db: Database) -> None:
    slug, _ = await business(db)
    link = link_for(slug, expires_at=datetime.now(UTC) - timedelta(minutes=1))

    response = await multi.http.get(link)

    assert response.status_code == 410 and "expired" in response.text
    assert "location" not in response.headers and multi.api.calls("oauth.v2.access") == []


async def test_an_install_link_that_expires_before_slack_sends_the_owner_back_is_refused(
    multi: Harness, db: Database
) -> None:
    slug, _ = await business(db)
    link = link_for(slug, expires_at=datetime.now(UTC) + timedelta(seconds=2))
    workspace, code = installing(multi.api, "Slow")
    state = state_of(await multi.http.get(link))
    await asyncio.sleep(2.5)  # the owner lingers on Slack's consent screen

    response = await multi.http.get(CALLBACK, params={"code": code, "state": state})

    assert response.status_code == 410 and "expired" in response.text
    assert await installed_tenant(db, workspace) is None


async def test_an_install_link_with_its_expiry_pushed_back_no_longer_names_the_business(
    multi: Harness, db: Database
) -> None:
    slug, _ = await business(db)
    expired = link_for(slug, expires_at=datetime.now(UTC) - timedelta(minutes=1))
    pushed_back = re.sub(r"expires=\d+", f"expires={int(time.time()) + 86_400}", expired)

    state = state_of(await multi.http.get(pushed_back))

    assert payload_of(state)["t"] == ""


async def test_each_install_link_is_new_and_expires_after_seven_days_by_default(db: Database) -> None:
    slug, _ = await business(db)

    one, two = link_for(slug), link_for(slug)

    assert one != two
    expires = int(parse_qs(urlparse(one).query)["expires"][0])
    assert abs(expires - (time.time() + 7 * 86_400)) < 60


async def test_an_oauth_state_completes_one_install_and_its_replay_on_another_instance_is_refused(
    multi: Harness, second: Harness, db: Database
) -> None:
    first, first_code = installing(multi.api, "First")
    other, other_code = installing(multi.api, "Other")
    state = state_of(await multi.http.get("/slack/install"))

    done = await multi.http.get(CALLBACK, params={"code": first_code, "state": state})
    replay = await second.http.get(
        CALLBACK,
        params={"code": other_code, "state": state},
        headers={"cookie": f"slack-app-oauth-state={state}"},  # the attacker carries the cookie too
    )

    assert done.status_code == 200 and replay.status_code == 401
    assert [call.params.get("code") for call in multi.api.calls("oauth.v2.access")] == [first_code]
    assert await installed_tenant(db, first) is not None
    assert await installed_tenant(db, other) is None


async def test_install_links_and_oauth_states_never_appear_in_logs_only_a_short_hash(
    multi: Harness, second: Harness, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    slug, _ = await business(db)
    link = link_for(slug)
    expired = link_for(slug, expires_at=datetime.now(UTC) - timedelta(minutes=1))
    _, first_code = installing(multi.api, "First")
    _, other_code = installing(multi.api, "Other")

    state = state_of(await multi.http.get(link))
    await multi.http.get(CALLBACK, params={"code": first_code, "state": state})
    await second.http.get(link)
    await second.http.get(expired)
    await second.http.get(link.replace(slug, "someone-else"))
    await second.http.get(
        CALLBACK,
        params={"code": other_code, "state": state},
        headers={"cookie": f"slack-app-oauth-state={state}"},
    )

    browser = ("httpx", "httpcore")  # the test's own HTTP client logs the URLs it opens, as a browser would
    logged = "\n".join(
        caplog.handler.format(record) for record in caplog.records if not record.name.startswith(browser)
    )
    query = parse_qs(urlparse(link).query)
    nonce, signature = query["nonce"][0], query["sig"][0]
    for secret in (nonce, signature, state, state.split(".")[1], parse_qs(urlparse(expired).query)["sig"][0]):
        assert secret not in logged
    assert fingerprint(nonce) in logged


async def test_one_link_spent_by_eight_instances_at_once_is_spent_exactly_once(db: Database) -> None:
    nonce, expires_at = secrets.token_urlsafe(16), datetime.now(UTC) + timedelta(hours=1)

    async def spend() -> bool:
        async with db.app_engine.begin() as connection:
            return await spend_install_nonce(
                connection=connection, kind="link", nonce=nonce, expires_at=expires_at
            )

    results = await asyncio.gather(*(spend() for _ in range(8)))

    assert sorted(results) == [False] * 7 + [True]


async def test_an_expired_nonce_cannot_be_spent_whatever_the_callers_clock_says(db: Database) -> None:
    async with db.app_engine.begin() as connection:
        spent = await spend_install_nonce(
            connection=connection,
            kind="state",
            nonce=secrets.token_urlsafe(12),
            expires_at=datetime.now(UTC) - timedelta(seconds=1),
        )

    assert spent is False


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT count(*) FROM slack_spent_install_nonces",
        "DELETE FROM slack_spent_install_nonces",
        "INSERT INTO slack_spent_install_nonces (digest, expires_at) VALUES ('x', now() + interval '1 day')",
    ],
)
async def test_the_app_role_reaches_spent_nonces_only_through_the_two_functions(
    db: Database, statement: str
) -> None:
    with pytest.raises(DBAPIError, match="permission denied"):
        async with db.app_engine.begin() as connection:
            await connection.execute(text(statement))


async def coach_cli(*args: str, db: Database) -> tuple[int, str, str]:
    """Run ``coach ARGS`` as an operator would, on the test database."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")} | {
        "COACH_DATABASE_URL": db.owner_url.set(drivername="postgresql").render_as_string(hide_password=False),
        "COACH_SECRET_KEY": "test-secret-key-not-for-production",  # as tests.conftest.settings_for
        "COACH_PUBLIC_BASE_URL": "https://coach.example",
        "COLUMNS": "400",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *args, cwd=repo_root(), env=environment,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 300)
    return int(process.returncode or 0), out.decode(), err.decode()


def expiry_in(output: str) -> int:
    link = re.search(r"https://coach\.example/slack/install\?\S+", output)
    assert link is not None, output
    return int(parse_qs(urlparse(link.group(0)).query)["expires"][0])


async def test_slack_link_prints_a_fresh_single_use_link_and_when_it_expires(db: Database) -> None:
    slug, _ = await business(db)

    code_short, short, _ = await coach_cli("slack-link", "--tenant", slug, "--ttl", "2h", db=db)
    code_default, default, _ = await coach_cli("slack-link", "--tenant", slug, db=db)

    assert code_short == 0 and code_default == 0
    assert abs(expiry_in(short) - (time.time() + 2 * 3600)) < 120
    assert abs(expiry_in(default) - (time.time() + 7 * 86_400)) < 120
    assert expiry_in(short) != expiry_in(default)
    when = datetime.fromtimestamp(expiry_in(short), UTC).strftime("%Y-%m-%d %H:%M UTC")
    assert when in short and "one Slack workspace" in short


async def test_slack_link_refuses_a_lifetime_it_cannot_read_in_one_line(db: Database) -> None:
    slug, _ = await business(db)

    code, out, err = await coach_cli("slack-link", "--tenant", slug, "--ttl", "forever", db=db)

    assert code == 2 and "--ttl" in err and "forever" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in out + err
