"""Per-request authorization: which tenant a Slack workspace serves and the bot token to answer it with.

One ``AsyncApp`` serves every workspace. Bolt calls ``TenantAuthorize`` for each request; the result (token,
bot user and our ``tenant_id``) lives in that request's context only, so nothing on the app changes per request.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from storage.crypto import TokenCipher
from storage.database import Database
from storage.slack.service import SlackBot, get_installation, tenant_for_team

TENANT_KEY = "tenant_id"
CACHE_TTL_S = 30.0  # a revoked or moved installation is noticed within this time


def tenant_of(context: AsyncBoltContext) -> uuid.UUID:
    """The tenant the current request's workspace belongs to (set by ``TenantAuthorize``)."""
    result = context.authorize_result
    assert result is not None and TENANT_KEY in result, "request was not authorized"
    return uuid.UUID(str(result[TENANT_KEY]))


def _result(bot: SlackBot, user_id: str | None) -> AuthorizeResult:
    result = AuthorizeResult(
        enterprise_id=bot.enterprise_id or None,
        team_id=bot.team_id,
        team=bot.team_name,
        bot_user_id=bot.bot_user_id,
        bot_id=bot.bot_id,
        bot_token=bot.bot_token,
        bot_scopes=bot.bot_scopes,
        user_id=user_id,
    )
    result[TENANT_KEY] = str(bot.tenant_id)
    return result


class InstalledWorkspaces(AsyncAuthorize):
    """Multi-workspace mode: the installation (tenant, token) is looked up in PostgreSQL, cached briefly."""

    def __init__(self, *, db: Database, cipher: TokenCipher) -> None:
        super().__init__()
        self.db = db
        self.cipher = cipher
        self._cache: dict[tuple[str, str], tuple[float, SlackBot]] = {}
        self._lookups: dict[tuple[str, str], asyncio.Future[SlackBot | None]] = {}

    def forget(self, team_id: str, enterprise_id: str | None) -> None:
        """Drop a cached installation (after a re-install or an uninstall)."""
        self._cache.pop((team_id, enterprise_id or ""), None)

    async def find(self, team_id: str, enterprise_id: str | None) -> SlackBot | None:
        """The installation for a workspace, or None if the coach is not installed there."""
        key = (team_id, enterprise_id or "")
        cached = self._cache.get(key)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        if key in self._lookups:  # a burst from one workspace shares one lookup
            return await asyncio.shield(self._lookups[key])
        lookup = asyncio.ensure_future(self._look_up(key, team_id, enterprise_id))
        self._lookups[key] = lookup
        lookup.add_done_callback(lambda _: self._lookups.pop(key, None))
        return await asyncio.shield(lookup)

    async def _look_up(
        self, key: tuple[str, str], team_id: str, enterprise_id: str | None
    ) -> SlackBot | None:
        async with self.db.app_engine.connect() as connection:
            tenant = await tenant_for_team(
                connection=connection, team_id=team_id, enterprise_id=enterprise_id
            )
        if tenant is None:
            return None
        async with self.db.tenant_session(tenant) as session:
            bot = await get_installation(
                session=session, cipher=self.cipher, team_id=team_id, enterprise_id=enterprise_id
            )
        if bot is not None:
            self._cache[key] = (time.monotonic() + CACHE_TTL_S, bot)
        return bot

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,  # noqa: ARG002 - Bolt's interface
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **_actor: Any,
    ) -> AuthorizeResult | None:
        if not team_id:
            return None  # org-wide (Enterprise Grid) installs are not supported yet
        bot = await self.find(team_id, enterprise_id)
        return None if bot is None else _result(bot, user_id)


class SingleWorkspace(AsyncAuthorize):
    """Single-workspace mode: one bot token (``COACH_SLACK_BOT_TOKEN``) serving one tenant (``COACH_SLACK_TENANT``)."""

    def __init__(self, *, db: Database, token: str, tenant_slug: str, api_url: str) -> None:
        super().__init__()
        self.db = db
        self.token = token
        self.tenant_slug = tenant_slug
        self.api_url = api_url
        self._bot: SlackBot | None = None
        self._lock = asyncio.Lock()

    async def bot(self) -> SlackBot:
        """Who the token belongs to (``auth.test``, asked once) and the tenant it serves."""
        async with self._lock:
            if self._bot is None:
                who = await AsyncWebClient(token=self.token, base_url=self.api_url).auth_test()
                tenant = await self.db.system.tenant(self.tenant_slug)
                self._bot = SlackBot(
                    tenant_id=tenant.id,
                    team_id=str(who.get("team_id") or ""),
                    enterprise_id=str(who.get("enterprise_id") or ""),
                    team_name=str(who.get("team") or ""),
                    bot_user_id=str(who.get("user_id") or ""),
                    bot_id=str(who.get("bot_id") or ""),
                    bot_token=self.token,
                    bot_scopes="",
                    installer_user_id="",
                )
            return self._bot

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,  # noqa: ARG002 - Bolt's interface
        enterprise_id: str | None,  # noqa: ARG002 - Bolt's interface
        team_id: str | None,
        user_id: str | None,
        **_actor: Any,
    ) -> AuthorizeResult | None:
        bot = await self.bot()
        if team_id and bot.team_id and team_id != bot.team_id:
            return None  # a request from a workspace this token does not belong to
        return _result(bot, user_id)
