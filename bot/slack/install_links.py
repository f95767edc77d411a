"""Install links: signed URLs that connect one Slack workspace to an existing business, and the pages that
refuse them.

An install link (``install_link``) names a business, carries a one-time nonce and an expiry (7 days unless told
otherwise, ``link_lifetime``), and is signed with the secret key (``read_install_link`` checks it). Links are bearer
secrets: they expire, and each is spent once in PostgreSQL when its workspace is installed
(``storage.slack.service.spend_install_nonce``, called from ``bot.slack.installation``), so it installs one
workspace however many ``coach serve`` instances run. Logs name a link by a short hash of its nonce
(``fingerprint``), never in full. An install that must not go ahead raises ``InstallRefused``
(``link_expired``, ``link_used``), which the owner sees as a plain page (``_refused_page``).

The signing helpers (``_sign``, ``_signed_by``) also sign the OAuth states in ``bot.slack.installation``; this
module does not import that one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from slack_bolt.error import BoltError
from slack_bolt.response import BoltResponse
from slack_sdk.oauth import OAuthStateUtils

LINK_TTL = timedelta(days=7)
LINK_TTL_MIN = timedelta(minutes=1)
LINK_TTL_MAX = timedelta(days=90)
_LIFETIME = re.compile(r"\s*(\d{1,6}(?:\.\d{1,3})?)\s*(m|min|h|d|w)\s*", re.IGNORECASE)
_UNIT_SECONDS = {"m": 60, "min": 60, "h": 3600, "d": 86_400, "w": 604_800}
_EPOCH = re.compile(r"[0-9]{1,12}")


def fingerprint(secret: str) -> str:
    """A short hash of a link's nonce, a state or a token: enough to follow it through the logs, useless to replay."""
    return hashlib.sha256(secret.encode()).hexdigest()[:12]


def _sign(secret: bytes, message: str) -> str:
    digest = hmac.new(secret, message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _signed_by(secret: bytes, message: str, signature: str) -> bool:
    # bytes, so that a signature with non-ASCII characters is a mismatch rather than a TypeError
    return hmac.compare_digest(signature.encode(), _sign(secret, message).encode())


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True)
class InstallLink:
    """What a genuine install link says: the business it connects, its one-time nonce, when it stops working."""

    tenant_slug: str
    nonce: str
    expires_at: datetime

    @property
    def expired(self) -> bool:
        """True once its time is up."""
        return self.expires_at <= datetime.now(UTC)


def _link_message(tenant_slug: str, expires: int, nonce: str) -> str:
    return f"install-link\n{tenant_slug}\n{expires}\n{nonce}"


def install_link(
    *, secret: bytes, public_base_url: str, tenant_slug: str, expires_at: datetime | None = None
) -> str:
    """A new link that installs the coach into one Slack workspace for an existing business (give it to its
    owner); it works once, until ``expires_at`` (default: 7 days from now)."""
    expires = int((expires_at or datetime.now(UTC) + LINK_TTL).timestamp())
    nonce = secrets.token_urlsafe(16)
    signature = _sign(secret, _link_message(tenant_slug, expires, nonce))
    query = urlencode({"tenant": tenant_slug, "expires": expires, "nonce": nonce, "sig": signature})
    return f"{public_base_url.rstrip('/')}/slack/install?{query}"


def read_install_link(*, secret: bytes, query: Mapping[str, Sequence[str]]) -> InstallLink | None:
    """The install link in a request's query if we signed it (expired or not); None if there is none or it is
    forged, altered or from before links expired."""

    def first(name: str) -> str:
        return (query.get(name) or [""])[0]

    tenant, expires, nonce, signature = first("tenant"), first("expires"), first("nonce"), first("sig")
    if not (tenant and nonce and _EPOCH.fullmatch(expires)):
        return None
    if not _signed_by(secret, _link_message(tenant, int(expires), nonce), signature):
        return None
    return InstallLink(tenant_slug=tenant, nonce=nonce, expires_at=datetime.fromtimestamp(int(expires), UTC))


def link_lifetime(text: str) -> timedelta:
    """How long a link should work, written like 30m, 12h, 7d or 2w; ValueError unless a minute to 90 days."""
    found = _LIFETIME.fullmatch(text)
    if found is None:
        raise ValueError("expects a duration such as 30m, 12h, 7d or 2w")
    lifetime = timedelta(seconds=float(found.group(1)) * _UNIT_SECONDS[found.group(2).lower()])
    if not LINK_TTL_MIN <= lifetime <= LINK_TTL_MAX:
        raise ValueError("expects a duration from 1m to 90d")
    return lifetime


class InstallRefused(BoltError):
    """An install that must not go ahead (its link expired or was used): the owner gets a page saying why."""

    def __init__(self, title: str, detail: str, status: int = 410) -> None:
        super().__init__(title)
        self.title = title
        self.detail = detail
        self.status = status


def link_expired(expires_at: datetime) -> InstallRefused:
    """The refusal for a link whose time is up."""
    return InstallRefused(
        "This install link has expired",
        f"It worked until {_when(expires_at)}. Ask whoever sent it to you for a new link.",
    )


def link_used() -> InstallRefused:
    """The refusal for a link that has already connected a workspace."""
    return InstallRefused(
        "This install link has already been used",
        "Each install link connects one Slack workspace to its business, and this one has connected a workspace "
        "already. If that was you, you are done: open Slack. Otherwise ask whoever sent it to you for a new link.",
    )


_FORGET_STATE_COOKIE = OAuthStateUtils().build_set_cookie_for_deletion()  # Bolt's cookie, as the app uses it


def _page(status: int, title: str, detail: str) -> BoltResponse:
    """A plain page for the owner's browser; it also drops the state cookie, which is of no further use."""
    title, detail = html.escape(title), html.escape(detail)
    body = (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head>'
        '<body style="font-family: sans-serif; max-width: 36em; margin: 3em auto">'
        f"<h1>{title}</h1><p>{detail}</p></body></html>"
    )
    headers: dict[str, str | Sequence[str]] = {
        "Content-Type": "text/html; charset=utf-8",
        "Set-Cookie": _FORGET_STATE_COOKIE,
    }
    return BoltResponse(status=status, body=body, headers=headers)


def _refused_page(refusal: InstallRefused) -> BoltResponse:
    return _page(refusal.status, refusal.title, refusal.detail)
