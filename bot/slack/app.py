"""The one Slack app: an ``AsyncApp`` for every workspace, its listeners, and the HTTP handler the web app mounts."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.actions import register_actions
from bot.slack.auth import InstalledWorkspaces, SingleWorkspace
from bot.slack.commands import register_commands
from bot.slack.config import SlackConfig
from bot.slack.conversations import CONVERSATION_EVENTS
from bot.slack.deps import SlackDeps
from bot.slack.inbox import SlackInbox
from bot.slack.installation import CoachOAuthFlow, PostgresInstallationStore, SignedStateStore
from bot.slack.runner import TrackedLazyRunner
from storage.crypto import TokenCipher

log = logging.getLogger("bot.slack")
BOT_SCOPES = (
    "app_mentions:read",
    "channels:history",
    "chat:write",
    "commands",
    "files:write",
    "groups:history",
    "im:history",
    "im:write",
    "users:read",
)
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"


def web_client(api_url: str) -> AsyncWebClient:
    """The Web API client: Slack's base URL (or ``COACH_SLACK_API_URL``), retrying 429s after ``Retry-After``."""
    return AsyncWebClient(
        base_url=api_url,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=1),
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
            AsyncServerErrorRetryHandler(max_retry_count=1),
        ],
    )


@dataclass
class SlackGateway:
    """The Slack app with its HTTP handler and the runner of its background work."""

    app: AsyncApp
    handler: AsyncSlackRequestHandler
    runner: TrackedLazyRunner
    inbox: SlackInbox
    config: SlackConfig
    verifier: SignatureVerifier | None = field(init=False)

    def __post_init__(self) -> None:
        self.verifier = SignatureVerifier(self.config.signing_secret) if self.config.signing_secret else None

    async def take_event(self, body: bytes, headers: Mapping[str, str]) -> int | None:
        """Acknowledge an Events API delivery: its signature is checked on the raw bytes before anything is read
        (401), then it must be a JSON object (400). A message or mention is recorded before the 200 (503 when it
        cannot be, so Slack sends it again); other events go to Bolt in the background. None for what Bolt must
        answer itself (a URL verification challenge). Slack's 3 seconds never wait on an answer being written."""
        if self.verifier is None:
            return None
        try:
            if not self.verifier.is_valid_request(body, headers):
                return 401
        except ValueError:  # a timestamp that is not a number
            return 401
        try:
            payload = json.loads(body)
        except ValueError:
            return 400
        if not isinstance(payload, dict):
            return 400
        if payload.get("type") != "event_callback":
            return None
        event = payload.get("event")
        if not isinstance(event, dict):
            return 400
        if event.get("type") in CONVERSATION_EVENTS:
            return 200 if await self.inbox.take(payload) else 503
        self.runner.dispatch(
            self.app.async_dispatch, AsyncBoltRequest(body=body.decode(), headers=dict(headers))
        )
        return 200

    def start(self) -> None:
        """Start answering recorded messages on the running loop."""
        self.inbox.start()

    async def stop(self, drain_s: float = 20.0) -> None:
        """Let answers being written finish (at most ``drain_s``), hand back the rest, finish Bolt's work."""
        await self.inbox.stop(drain_s)
        await self.runner.drain(5.0)

    async def drain(self, timeout_s: float = 30.0) -> None:
        """Wait for answers still being written (tests and benchmarks)."""
        await self.inbox.drain(timeout_s)
        await self.runner.drain(timeout_s)


def build_slack_gateway(
    deps: SlackDeps, config: SlackConfig, *, cipher: TokenCipher, state_secret: bytes
) -> SlackGateway:
    """One AsyncApp for every workspace: tokens and the tenant come per request from ``authorize``."""
    authorize: AsyncAuthorize
    oauth_flow = None
    store = None
    if config.mode == "multi":
        workspaces = InstalledWorkspaces(db=deps.db, cipher=cipher)
        authorize = workspaces
        store = PostgresInstallationStore(db=deps.db, cipher=cipher, workspaces=workspaces)
        state_store = SignedStateStore(state_secret)
        oauth_flow = CoachOAuthFlow(
            state_store=state_store,
            client=web_client(config.api_url),
            settings=AsyncOAuthSettings(
                client_id=config.client_id,
                client_secret=config.client_secret,
                scopes=list(BOT_SCOPES),
                install_path=INSTALL_PATH,
                redirect_uri_path=REDIRECT_PATH,
                install_page_rendering_enabled=False,
                installation_store=store,
                state_store=state_store,
            ),
        )
    else:
        assert config.bot_token and config.tenant_slug
        authorize = SingleWorkspace(
            db=deps.db, token=config.bot_token, tenant_slug=config.tenant_slug, api_url=config.api_url
        )
    app = AsyncApp(
        name="smb-coach",
        signing_secret=config.signing_secret,
        client=web_client(config.api_url),
        authorize=authorize,
        installation_store=store,
        oauth_flow=oauth_flow,
        logger=log,
        request_verification_enabled=True,
        raise_error_for_unhandled_request=False,
        process_before_response=True,  # ack functions run before the acknowledgement (messages are recorded first)
    )
    runner = TrackedLazyRunner(log)
    app.listener_runner.lazy_listener_runner = runner  # set once here, before any request
    inbox = SlackInbox(deps, authorize=authorize, client=app.client, lease_s=config.event_lease_s)
    for kind in CONVERSATION_EVENTS:  # Socket Mode delivers through Bolt: recorded before the ack there too
        app.event(kind)(inbox.record_then_ack)
    register_commands(app, deps, inbox)
    register_actions(app, deps, inbox)
    if store is not None:
        app.enable_token_revocation_listeners()
    return SlackGateway(
        app=app, handler=AsyncSlackRequestHandler(app), runner=runner, inbox=inbox, config=config
    )
