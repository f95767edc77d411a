"""Fixtures for the Slack gateway: the Web API stand-in, the demo tenants, and gateways on the FastAPI app.

Every test gets workspaces with fresh team ids, so tests never share installations, users or threads.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date

import httpx
import pytest

from bot.slack.app import SlackGateway, build_slack_gateway
from bot.slack.config import slack_config
from bot.slack.deps import SlackDeps
from bot.web.app import create_app
from bot.web.metrics import Metrics
from coach.core import Coach
from storage.crypto import TokenCipher
from storage.database import Database
from storage.goals.service import GoalCreate, create_goal, update_goal
from storage.settings import Settings
from storage.slack.service import save_installation
from tests.coach.conftest import TODAY, _forbid_global_llm, demo_tenants  # noqa: F401 - fixtures
from tests.llm.canned import CannedLLM
from tests.llm.conftest import _ollama_session, _openai_session, make_settings, ollama, openai_api  # noqa: F401
from tests.llm.ollama_standin import OllamaStandIn
from tests.llm.openai_standin import OpenAIStandIn
from tests.slack.slack_api import SlackAPI, Workspace
from tests.slack.wire import SIGNING_SECRET

SECRET = b"slack-test-secret-key"
OWNER = "U_OWNER"


@pytest.fixture(scope="session")
def _slack_api_session() -> Iterator[SlackAPI]:
    server = SlackAPI()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def slack_api(_slack_api_session: SlackAPI) -> SlackAPI:
    """The Web API stand-in with nothing received, and the owner known to ``users.info``."""
    _slack_api_session.reset()
    _slack_api_session.add_user(OWNER, "Olivia Owner", tz="America/Chicago")
    return _slack_api_session


def new_workspace(api: SlackAPI, name: str = "Workspace") -> Workspace:
    """A workspace with a fresh team id and bot token, known to the stand-in."""
    tag = secrets.token_hex(4).upper()
    return api.add_workspace(
        Workspace(
            team_id=f"T{tag}",
            token=f"xoxb-{tag.lower()}",
            bot_user_id=f"UB{tag}",
            bot_id=f"B{tag}",
            team_name=name,
        )  # fmt: skip
    )


@pytest.fixture
def coach(db: Database, ollama: OllamaStandIn, openai_api: OpenAIStandIn) -> Coach:  # noqa: F811
    """The Coach on the Ollama stand-in (scripted per test) with a canned offline model last."""
    settings = make_settings(ollama, openai_api, llm_provider="ollama")
    return Coach(db, settings, offline=CannedLLM(answer="Offline answer."), today=TODAY)


@dataclass
class Harness:
    """A gateway mounted in the FastAPI app, an HTTP client on it, and what it counts."""

    gateway: SlackGateway
    http: httpx.AsyncClient
    metrics: Metrics
    api: SlackAPI

    async def settle(self) -> None:
        """Wait until every answer in flight is finished."""
        await self.gateway.drain(timeout_s=30)


async def harness(db: Database, coach: Coach, api: SlackAPI, **slack: object) -> AsyncIterator[Harness]:
    """A running app for these Slack settings."""
    settings = Settings(secret_key="slack-test-secret", slack_signing_secret=SIGNING_SECRET,  # type: ignore[arg-type]
                        slack_api_url=api.api_url, **slack)  # fmt: skip
    config = slack_config(settings)
    assert config is not None
    metrics = Metrics()
    deps = SlackDeps(db=db, coach=coach, metrics=metrics, update_interval_s=1.0)
    gateway = build_slack_gateway(deps, config, cipher=TokenCipher(SECRET), state_secret=SECRET)
    app = create_app(db=db, settings=settings, metrics=metrics, slack=gateway)
    transport = httpx.ASGITransport(app=app)
    gateway.inbox.poll_s = gateway.inbox.retry_base_s = 0.05  # a failed answer is tried again at once here
    gateway.start()
    try:
        async with httpx.AsyncClient(transport=transport, base_url="https://coach.test") as http:
            yield Harness(gateway=gateway, http=http, metrics=metrics, api=api)
            await gateway.drain(timeout_s=30)
    finally:
        await gateway.stop(drain_s=5)


@pytest.fixture
def cafe_workspace(slack_api: SlackAPI) -> Workspace:
    """Demo Café's Slack workspace."""
    return new_workspace(slack_api, "Demo Cafe")


@pytest.fixture
async def single(
    db: Database,
    coach: Coach,
    slack_api: SlackAPI,
    cafe_workspace: Workspace,
    demo_tenants: dict[str, uuid.UUID],  # noqa: F811, ARG001 - seeded first
) -> AsyncIterator[Harness]:
    """Single-workspace mode: Demo Café's workspace by bot token (COACH_SLACK_BOT_TOKEN, COACH_SLACK_TENANT)."""
    async for running in harness(
        db, coach, slack_api, slack_bot_token=cafe_workspace.token, slack_tenant="demo-cafe"
    ):
        yield running


async def stored_goal(db: Database, tenant_id: uuid.UUID, title: str) -> str:
    """A goal written straight to the database (no SMART check, so fast); returns its id."""
    async with db.tenant_session(tenant_id) as session:
        goal = await create_goal(
            session=session,
            goal=GoalCreate(title=title, metric="customers", target_value=3000, deadline=date(2026, 11, 30)),
        )
        await update_goal(
            session=session, goal_id=goal.id, status="in_progress"
        )  # as the create_goal tool does
    return str(goal.id)


async def install(db: Database, tenant_id: uuid.UUID, workspace: Workspace) -> None:
    """Store an installation of ``workspace`` for a tenant, as the OAuth flow does."""
    async with db.tenant_session(tenant_id) as session:
        await save_installation(
            session=session, cipher=TokenCipher(SECRET), team_id=workspace.team_id, enterprise_id=None,
            team_name=workspace.team_name, bot_user_id=workspace.bot_user_id, bot_id=workspace.bot_id,
            bot_token=workspace.token, bot_scopes="chat:write", installer_user_id=OWNER,
        )  # fmt: skip


@pytest.fixture
async def multi(db: Database, coach: Coach, slack_api: SlackAPI) -> AsyncIterator[Harness]:
    """Multi-workspace mode (OAuth client id and secret); installations come from the test."""
    async for running in harness(
        db, coach, slack_api, slack_client_id="111.222", slack_client_secret="shh-oauth"
    ):
        yield running
