"""Multi-workspace install: OAuth state signed with the secret key, installations kept in PostgreSQL.

A workspace installed through ``/slack/install`` gets a tenant of its own (``slack-<team id>``), or joins the
business named by a signed install link (``install_link``); a re-install keeps the tenant it had.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from slack_bolt.error import BoltError
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from bot.slack.auth import InstalledWorkspaces
from storage.crypto import TokenCipher
from storage.database import Database
from storage.errors import TenantNotFound
from storage.slack.service import SlackBot, delete_installation, save_installation, tenant_for_team

log = logging.getLogger(__name__)
TENANT_VALUE = "tenant_slug"
STATE_TTL_S = 600


def _sign(secret: bytes, message: str) -> str:
    digest = hmac.new(secret, message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def install_link(*, secret: bytes, public_base_url: str, tenant_slug: str) -> str:
    """A link that installs the coach into a Slack workspace for an existing business (give it to its owner)."""
    query = urlencode({"tenant": tenant_slug, "sig": _sign(secret, f"install:{tenant_slug}")})
    return f"{public_base_url.rstrip('/')}/slack/install?{query}"


class SignedStateStore(AsyncOAuthStateStore):
    """OAuth ``state`` as a signed, expiring token: any instance can check it, nothing to store or clean up.

    Bolt also binds the state to the browser with a cookie, so a state taken from one browser fails in another.
    """

    def __init__(self, secret: bytes, ttl_s: int = STATE_TTL_S) -> None:
        self.secret = secret
        self.ttl_s = ttl_s

    @property
    def logger(self) -> logging.Logger:
        return log

    def issue(self, tenant_slug: str = "") -> str:
        """A new state, carrying the business the install is for ('' for a new one)."""
        payload = {"n": secrets.token_urlsafe(12), "e": int(time.time()) + self.ttl_s, "t": tenant_slug}
        body = (
            base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")
        )
        return f"{body}.{_sign(self.secret, body)}"

    def read(self, state: str | None) -> dict[str, Any] | None:
        """The state's payload if it is ours and unexpired, else None."""
        body, _, signature = (state or "").partition(".")
        if not body or not hmac.compare_digest(signature, _sign(self.secret, body)):
            return None
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        return payload if int(payload.get("e", 0)) >= time.time() else None

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:  # noqa: ARG002 - Bolt's interface
        return self.issue(str(kwargs.get("tenant_slug", "")))

    async def async_consume(self, state: str) -> bool:
        return self.read(state) is not None


class CoachOAuthFlow(AsyncOAuthFlow):
    """Bolt's OAuth flow, carrying the business an install link names from ``/slack/install`` to the store."""

    def __init__(self, *, state_store: SignedStateStore, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.state_store = state_store

    async def issue_new_state(self, request: AsyncBoltRequest) -> str:
        tenant = (request.query.get("tenant") or [""])[0]
        signature = (request.query.get("sig") or [""])[0]
        if tenant and not hmac.compare_digest(signature, _sign(self.state_store.secret, f"install:{tenant}")):
            log.warning("install link for %r has a bad signature; installing as a new business", tenant)
            tenant = ""
        return self.state_store.issue(tenant)

    async def store_installation(self, request: AsyncBoltRequest, installation: Installation) -> None:
        payload = self.state_store.read((request.query.get("state") or [""])[0]) or {}
        installation.set_custom_value(TENANT_VALUE, payload.get("t", ""))
        await super().store_installation(request, installation)


def _installation(bot: SlackBot) -> Installation:
    return Installation(
        enterprise_id=bot.enterprise_id or None,
        team_id=bot.team_id,
        team_name=bot.team_name,
        bot_token=bot.bot_token,
        bot_id=bot.bot_id,
        bot_user_id=bot.bot_user_id,
        bot_scopes=bot.bot_scopes,
        user_id=bot.installer_user_id,
        custom_values={"tenant_id": str(bot.tenant_id)},
    )


class PostgresInstallationStore(AsyncInstallationStore):
    """Bolt's installation store over ``slack_installations`` (bot tokens encrypted, one row per workspace)."""

    def __init__(self, *, db: Database, cipher: TokenCipher, workspaces: InstalledWorkspaces) -> None:
        self.db = db
        self.cipher = cipher
        self.workspaces = workspaces

    @property
    def logger(self) -> logging.Logger:
        return log

    async def _tenant_for(self, installation: Installation) -> Any:
        team_id, enterprise_id = installation.team_id or "", installation.enterprise_id
        wanted = str(installation.get_custom_value(TENANT_VALUE) or "")
        async with self.db.app_engine.connect() as connection:
            existing = await tenant_for_team(
                connection=connection, team_id=team_id, enterprise_id=enterprise_id
            )
        named = None
        if wanted:
            try:
                named = (await self.db.system.tenant(wanted)).id
            except TenantNotFound as error:
                raise BoltError(str(error)) from None
        if existing is not None and named is not None and existing != named:
            raise BoltError(f"Slack workspace {team_id} is already connected to another business.")
        if existing is not None or named is not None:
            return existing or named
        name = installation.team_name or team_id
        return await self.db.system.ensure_tenant(
            slug=f"slack-{team_id.lower()}",
            name=name,
            industry="other",
            timezone="UTC",
            currency="USD",
            country="US",
        )

    async def async_save(self, installation: Installation) -> None:
        """Store a new or renewed installation under its tenant."""
        if installation.is_enterprise_install or not installation.team_id:
            raise BoltError(
                "Org-wide (Enterprise Grid) installs are not supported yet; install per workspace."
            )
        if not installation.bot_token:
            raise BoltError("The install gave no bot token; the app needs the bot scopes of its manifest.")
        tenant = await self._tenant_for(installation)
        async with self.db.tenant_session(tenant) as session:
            await save_installation(
                session=session,
                cipher=self.cipher,
                team_id=installation.team_id,
                enterprise_id=installation.enterprise_id,
                team_name=installation.team_name or "",
                bot_user_id=installation.bot_user_id or "",
                bot_id=installation.bot_id or "",
                bot_token=installation.bot_token,
                bot_scopes=",".join(installation.bot_scopes or []),
                installer_user_id=installation.user_id or "",
            )
        self.workspaces.forget(installation.team_id, installation.enterprise_id)
        log.info("Slack workspace %s installed for tenant %s", installation.team_id, tenant)

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,  # noqa: ARG002 - Bolt's interface
        is_enterprise_install: bool | None = False,  # noqa: ARG002 - Bolt's interface
    ) -> Installation | None:
        bot = await self.workspaces.find(team_id or "", enterprise_id) if team_id else None
        return None if bot is None else _installation(bot)

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,  # noqa: ARG002 - Bolt's interface
    ) -> Bot | None:
        found = await self.async_find_installation(enterprise_id=enterprise_id, team_id=team_id)
        return None if found is None else found.to_bot()

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        if user_id is None:  # only the bot's installation is kept; user tokens are never stored
            await self.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.async_delete_all(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Forget a workspace (the app was uninstalled or its tokens revoked); its tenant and data stay."""
        if not team_id:
            return
        async with self.db.app_engine.connect() as connection:
            tenant = await tenant_for_team(
                connection=connection, team_id=team_id, enterprise_id=enterprise_id
            )
        if tenant is not None:
            async with self.db.tenant_session(tenant) as session:
                await delete_installation(session=session, team_id=team_id, enterprise_id=enterprise_id)
        self.workspaces.forget(team_id, enterprise_id)
