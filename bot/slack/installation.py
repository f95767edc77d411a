"""Multi-workspace install: OAuth states signed with the secret key, each used once; installations kept in
PostgreSQL.

A workspace installed through ``/slack/install`` gets a tenant of its own (``slack-<team id>``), or joins the
business named by a signed install link (``bot.slack.install_links``); a re-install keeps the tenant it had. States,
like links, are bearer secrets: a state expires after 10 minutes and is spent in PostgreSQL when its callback comes
(``storage.slack.service.spend_install_nonce``), which holds across any number of ``coach serve`` instances: a
state completes one callback, and the link it carried is spent in the same transaction as the installation. Logs
name them by a short hash (``fingerprint``), never in full.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from slack_bolt.error import BoltError
from slack_bolt.oauth.async_callback_options import AsyncFailureArgs, AsyncSuccessArgs
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from sqlalchemy.ext.asyncio import AsyncSession

from bot.slack.auth import InstalledWorkspaces
from bot.slack.install_links import (
    _FORGET_STATE_COOKIE,
    InstallLink,
    InstallRefused,
    _page,
    _refused_page,
    _sign,
    _signed_by,
    fingerprint,
    link_expired,
    link_used,
    read_install_link,
)
from storage.crypto import TokenCipher
from storage.database import Database
from storage.errors import TenantNotFound
from storage.slack.service import (
    SlackBot,
    delete_installation,
    install_nonce_spent,
    save_installation,
    spend_install_nonce,
    tenant_for_team,
)

log = logging.getLogger(__name__)
TENANT_VALUE = "tenant_slug"
LINK_NONCE_VALUE = "install_link_nonce"
LINK_EXPIRES_VALUE = "install_link_expires"
STATE_TTL_S = 600
_CALLBACK_FAILURES = {
    "invalid_browser": (
        "This install did not start in this browser",
        "Open the install link again, in the browser you use for Slack.",
    ),
    "invalid_state": (
        "This install page has been used or is too old",
        "Each visit to Slack's install page completes one install within 10 minutes. Open the install link again.",
    ),
    "missing_code": ("Slack did not confirm the install", "Open the install link again."),
    "invalid_code": ("Slack did not confirm the install", "Open the install link again."),
}


class SignedStateStore(AsyncOAuthStateStore):
    """OAuth ``state`` as a signed, expiring token that any instance can check, used once: consuming it spends its
    nonce in PostgreSQL, so a second callback with the same state fails on every instance.

    Bolt also binds the state to the browser with a cookie, so a state taken from one browser fails in another.
    """

    def __init__(self, secret: bytes, ttl_s: int = STATE_TTL_S, *, db: Database | None = None) -> None:
        self.secret = secret
        self.ttl_s = ttl_s
        self.db = db  # CoachOAuthFlow supplies its installation store's database when none is given

    @property
    def logger(self) -> logging.Logger:
        return log

    def issue(self, link: InstallLink | None = None) -> str:
        """A new state, carrying the install link it started from (if any) to the callback."""
        payload: dict[str, Any] = {
            "n": secrets.token_urlsafe(12),
            "e": int(time.time()) + self.ttl_s,
            "t": link.tenant_slug if link else "",
        }
        if link is not None:
            payload |= {"l": link.nonce, "x": int(link.expires_at.timestamp())}
        body = (
            base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")
        )
        return f"{body}.{_sign(self.secret, body)}"

    def read(self, state: str | None) -> dict[str, Any] | None:
        """The state's payload if it is ours and unexpired, else None."""
        body, _, signature = (state or "").partition(".")
        if not body or not _signed_by(self.secret, body, signature):
            return None
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        return payload if int(payload.get("e", 0)) >= time.time() else None

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:  # noqa: ARG002 - Bolt's interface
        """A new state for an install that names no business (CoachOAuthFlow issues the others)."""
        return self.issue()

    async def async_consume(self, state: str) -> bool:
        """True once for a state of ours that has not expired; every later callback with it gets False."""
        payload = self.read(state)
        if payload is None:
            return False
        if self.db is None:
            raise RuntimeError("SignedStateStore needs the database to spend each state once")
        async with self.db.app_engine.begin() as connection:
            fresh = await spend_install_nonce(
                connection=connection,
                kind="state",
                nonce=str(payload["n"]),
                expires_at=datetime.fromtimestamp(int(payload["e"]), UTC),
            )
        if not fresh:
            log.warning("OAuth state %s was used before; its callback is refused", fingerprint(state))
        return fresh


class CoachOAuthFlow(AsyncOAuthFlow):
    """Bolt's OAuth flow, carrying the install link a workspace came through from ``/slack/install`` to the store;
    an expired or used link gets a page that says so instead of Slack's consent screen."""

    def __init__(self, *, state_store: SignedStateStore, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        store = self.settings.installation_store
        if not isinstance(store, PostgresInstallationStore):
            raise TypeError(
                "CoachOAuthFlow keeps installations, links and states in PostgresInstallationStore"
            )
        self.db = store.db
        self.state_store = state_store
        if state_store.db is None:  # states are spent in the database the installations live in
            state_store.db = store.db
        # our own pages: Bolt's default ones log the callback's query (its state) at debug level
        self.success_handler = self._installed
        self.failure_handler = self._refused

    def _link(self, request: AsyncBoltRequest) -> InstallLink | None:
        return read_install_link(secret=self.state_store.secret, query=request.query)

    async def handle_installation(self, request: AsyncBoltRequest) -> BoltResponse:
        """``/slack/install``: on to Slack's consent screen, or a page saying the link expired or was used."""
        link = self._link(request)
        if link is not None:
            if link.expired:
                log.info(
                    "install link %s for %s had expired; refused", fingerprint(link.nonce), link.tenant_slug
                )
                return _refused_page(link_expired(link.expires_at))
            async with self.db.app_engine.connect() as connection:
                used = await install_nonce_spent(connection=connection, kind="link", nonce=link.nonce)
            if used:
                log.info(
                    "install link %s for %s was used before; refused",
                    fingerprint(link.nonce),
                    link.tenant_slug,
                )
                return _refused_page(link_used())
        return await super().handle_installation(request)

    async def issue_new_state(self, request: AsyncBoltRequest) -> str:
        """A state carrying the request's install link if we signed it; an unsigned one names no business."""
        link = self._link(request)
        tenant = (request.query.get("tenant") or [""])[0]
        if tenant and link is None:
            log.warning("install link for %r is not one we signed; installing as a new business", tenant[:80])
        return self.state_store.issue(link)

    async def store_installation(self, request: AsyncBoltRequest, installation: Installation) -> None:
        """Hand the installation to the store with the business and the install link its state carried."""
        payload = self.state_store.read((request.query.get("state") or [""])[0]) or {}
        installation.set_custom_value(TENANT_VALUE, payload.get("t", ""))
        if payload.get("l"):
            installation.set_custom_value(LINK_NONCE_VALUE, str(payload["l"]))
            installation.set_custom_value(LINK_EXPIRES_VALUE, int(payload.get("x", 0)))
        await super().store_installation(request, installation)

    async def _installed(self, args: AsyncSuccessArgs) -> BoltResponse:
        installation = args.installation
        page = self.settings.redirect_uri_page_renderer.render_success_page(
            app_id=installation.app_id or "",
            team_id=installation.team_id,
            is_enterprise_install=installation.is_enterprise_install,
            enterprise_url=installation.enterprise_url,
        )
        headers: dict[str, str | Sequence[str]] = {
            "Content-Type": "text/html; charset=utf-8",
            "Set-Cookie": _FORGET_STATE_COOKIE,
        }
        return BoltResponse(status=200, body=page, headers=headers)

    async def _refused(self, args: AsyncFailureArgs) -> BoltResponse:
        if isinstance(args.error, InstallRefused):
            return _refused_page(args.error)
        log.info("Slack install callback refused: %s", args.reason)
        if args.reason in _CALLBACK_FAILURES:
            title, detail = _CALLBACK_FAILURES[args.reason]
        elif args.error is not None:  # the store refused: its message is ours and says why
            title, detail = "The coach could not be installed", str(args.error)
        else:  # an error Slack sent back, such as access_denied when the install was cancelled
            title, detail = (
                "The install did not finish",
                f"Slack answered: {args.reason}. Open the install link again.",
            )
        return _page(args.suggested_status_code, title, detail)


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
        link = str(installation.get_custom_value(LINK_NONCE_VALUE) or "")
        async with self.db.tenant_session(tenant) as session:
            if link:  # spent in the same transaction as the save: a refused or failed save leaves it unused
                await _spend_link(session, link, int(installation.get_custom_value(LINK_EXPIRES_VALUE) or 0))
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
        through = f" through install link {fingerprint(link)}" if link else ""
        log.info("Slack workspace %s installed for tenant %s%s", installation.team_id, tenant, through)

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


async def _spend_link(session: AsyncSession, nonce: str, expires: int) -> None:
    """Use up an install link inside the install's transaction, or refuse the install if it expired or was used."""
    expires_at = datetime.fromtimestamp(expires, UTC)
    if expires_at <= datetime.now(UTC):
        log.info("install link %s expired before Slack sent the owner back; refused", fingerprint(nonce))
        raise link_expired(expires_at)
    if not await spend_install_nonce(connection=session, kind="link", nonce=nonce, expires_at=expires_at):
        log.info("install link %s was used by another install first; refused", fingerprint(nonce))
        raise link_used()
