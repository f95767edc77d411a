"""Which Slack mode the settings ask for, checked once at start-up: one clear line for anything wrong."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlparse

from storage.database import SLUG
from storage.settings import Settings

Mode = Literal["single", "multi"]
DEFAULT_API_URL = "https://slack.com/api/"


class SlackConfigError(Exception):
    """A Slack setting is missing or malformed; the message is one line naming the variable."""


@dataclass(frozen=True)
class SlackConfig:
    """The Slack settings the gateway runs with, already validated."""

    mode: Mode
    signing_secret: str
    api_url: str
    bot_token: str | None = None
    tenant_slug: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    app_token: str | None = None
    event_lease_s: float = 30.0

    @property
    def socket_mode(self) -> bool:
        """True when an app-level token is set: events also arrive over Socket Mode (no public URL needed)."""
        return self.app_token is not None


def _secret(value: object) -> str | None:
    raw = value.get_secret_value() if value is not None else None  # type: ignore[attr-defined]
    return raw.strip() if raw and raw.strip() else None


def slack_config(settings: Settings) -> SlackConfig | None:
    """The validated Slack configuration, None when Slack is not configured at all, or SlackConfigError."""
    bot_token = _secret(settings.slack_bot_token)
    signing_secret = _secret(settings.slack_signing_secret)
    app_token = _secret(settings.slack_app_token)
    client_secret = _secret(settings.slack_client_secret)
    client_id = (settings.slack_client_id or "").strip() or None
    tenant = (settings.slack_tenant or "").strip() or None
    if not any((bot_token, signing_secret, app_token, client_id, client_secret, tenant)):
        return None
    api_url = settings.slack_api_url.strip()
    parsed = urlparse(api_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SlackConfigError(
            f"COACH_SLACK_API_URL: expects an http(s) URL such as {DEFAULT_API_URL} (got {api_url!r})"
        )
    api_url = api_url if api_url.endswith("/") else api_url + "/"
    if app_token is not None and not app_token.startswith("xapp-"):
        raise SlackConfigError("COACH_SLACK_APP_TOKEN: expects an app-level token starting with xapp-")
    if signing_secret is None and app_token is None:
        raise SlackConfigError(
            "COACH_SLACK_SIGNING_SECRET: is required to verify Slack's requests "
            "(Slack app page > Basic Information > Signing Secret)"
        )
    if client_id or client_secret:
        if not (client_id and client_secret):
            missing = "COACH_SLACK_CLIENT_SECRET" if client_id else "COACH_SLACK_CLIENT_ID"
            raise SlackConfigError(f"{missing}: multi-workspace install needs both the client id and secret")
        return SlackConfig(
            mode="multi",
            signing_secret=signing_secret or "",
            api_url=api_url,
            client_id=client_id,
            client_secret=client_secret,
            app_token=app_token,
            event_lease_s=settings.slack_event_lease_s,
        )
    if bot_token is None:
        raise SlackConfigError(
            "COACH_SLACK_BOT_TOKEN: set it (single workspace, with COACH_SLACK_TENANT) or set "
            "COACH_SLACK_CLIENT_ID and COACH_SLACK_CLIENT_SECRET (multi-workspace install)"
        )
    if not bot_token.startswith("xoxb-"):
        raise SlackConfigError("COACH_SLACK_BOT_TOKEN: expects a bot token starting with xoxb-")
    if tenant is None:
        raise SlackConfigError(
            "COACH_SLACK_TENANT: single-workspace mode needs the slug of the business it serves (e.g. demo-cafe)"
        )
    if not SLUG.match(tenant):
        raise SlackConfigError(
            f"COACH_SLACK_TENANT: expects a tenant slug such as demo-cafe (got {tenant!r})"
        )
    return SlackConfig(
        mode="single",
        signing_secret=signing_secret or "",
        api_url=api_url,
        bot_token=bot_token,
        tenant_slug=tenant,
        app_token=app_token,
        event_lease_s=settings.slack_event_lease_s,
    )
