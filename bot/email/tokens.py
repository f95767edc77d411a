"""Signed tokens in reply addresses (``reply+<token>@domain``) and unsubscribe links.

An address's local part may be at most 64 characters (RFC 5321), and some servers lowercase it, so a token is
lowercase base32 of 29 bytes (47 characters): the first 6 bytes of the tenant id and of the user id (hints to
find them), a 5-byte thread id, the expiry day (2 bytes) and a 10-byte HMAC-SHA256 over the *full* tenant and
user ids, the thread, the expiry and the token's purpose. A token whose hints match the wrong tenant or user
fails the HMAC, so the hints give nothing away and cannot be forged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

EPOCH = date(2024, 1, 1)
HINT, THREAD, EXPIRY, MAC = 6, 5, 2, 10
SIZE = 2 * HINT + THREAD + EXPIRY + MAC
REPLY, UNSUBSCRIBE = "reply", "unsubscribe"
NEVER = date(2203, 6, 1)  # the largest day 2 bytes can hold: unsubscribe links do not expire


class TokenError(ValueError):
    """A token is malformed, forged, expired or names no known tenant or user."""


@dataclass(frozen=True)
class TokenClaims:
    """What a verified token says: whose it is, which email thread, until when."""

    tenant_id: uuid.UUID
    user_id: uuid.UUID
    thread: str
    expires: date

    @property
    def thread_key(self) -> str:
        """The coach's thread key for this conversation."""
        return f"email:{self.thread}"


@dataclass(frozen=True)
class TokenHints:
    """The unverified part of a token: id prefixes to look the tenant and user up by, before checking the MAC."""

    tenant_prefix: bytes
    user_prefix: bytes
    thread: bytes
    expires: date
    mac: bytes


def new_thread() -> str:
    """A fresh thread id (10 hex characters)."""
    return secrets.token_hex(THREAD)


def _mac(key: bytes, purpose: str, tenant: uuid.UUID, user: uuid.UUID, thread: bytes, days: int) -> bytes:
    message = b"|".join([purpose.encode(), tenant.bytes, user.bytes, thread, days.to_bytes(EXPIRY, "big")])
    return hmac.new(key, message, hashlib.sha256).digest()[:MAC]


def sign(
    key: bytes,
    *,
    tenant_id: uuid.UUID,
    user_id: uuid.UUID,
    thread: str,
    expires: date,
    purpose: str = REPLY,
) -> str:
    """A token for ``purpose`` binding tenant, user, thread and expiry."""
    thread_bytes = bytes.fromhex(thread)
    if len(thread_bytes) != THREAD:
        raise ValueError(f"a thread id is {2 * THREAD} hex characters")
    days = min((expires - EPOCH).days, 2 ** (8 * EXPIRY) - 1)
    raw = (
        tenant_id.bytes[:HINT]
        + user_id.bytes[:HINT]
        + thread_bytes
        + days.to_bytes(EXPIRY, "big")
        + _mac(key, purpose, tenant_id, user_id, thread_bytes, days)
    )
    return base64.b32encode(raw).decode().rstrip("=").lower()


def reply_token(
    key: bytes, *, tenant_id: uuid.UUID, user_id: uuid.UUID, thread: str, today: date, days: int
) -> str:
    """A reply token valid for ``days`` days from ``today``."""
    return sign(
        key, tenant_id=tenant_id, user_id=user_id, thread=thread, expires=today + timedelta(days=days)
    )


def unsubscribe_token(key: bytes, *, tenant_id: uuid.UUID, user_id: uuid.UUID) -> str:
    """A token that stops one user's digests (it does not expire)."""
    return sign(
        key, tenant_id=tenant_id, user_id=user_id, thread="00" * THREAD, expires=NEVER, purpose=UNSUBSCRIBE
    )


def hints(token: str) -> TokenHints:
    """The unverified fields of a token, or TokenError when it is not one of ours."""
    text = token.strip().upper()
    try:
        raw = base64.b32decode(text + "=" * (-len(text) % 8))
    except (ValueError, TypeError):
        raise TokenError("not a token") from None
    if len(raw) != SIZE:
        raise TokenError("not a token")
    at = 2 * HINT + THREAD
    days = int.from_bytes(raw[at : at + EXPIRY], "big")
    return TokenHints(
        tenant_prefix=raw[:HINT],
        user_prefix=raw[HINT : 2 * HINT],
        thread=raw[2 * HINT : at],
        expires=EPOCH + timedelta(days=days),
        mac=raw[at + EXPIRY :],
    )


def candidates(prefix: bytes, ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    """The ids starting with ``prefix``."""
    return [i for i in ids if i.bytes[:HINT] == prefix]


def verify(
    key: bytes,
    found: TokenHints,
    *,
    tenant_id: uuid.UUID,
    user_id: uuid.UUID,
    today: date,
    purpose: str = REPLY,
) -> TokenClaims:
    """The claims when the MAC matches these full ids and the token has not expired; else TokenError."""
    if tenant_id.bytes[:HINT] != found.tenant_prefix or user_id.bytes[:HINT] != found.user_prefix:
        raise TokenError("token does not match")
    days = (found.expires - EPOCH).days
    expected = _mac(key, purpose, tenant_id, user_id, found.thread, days)
    if not hmac.compare_digest(expected, found.mac):
        raise TokenError("bad signature")
    if found.expires < today:
        raise TokenError("token expired")
    return TokenClaims(tenant_id=tenant_id, user_id=user_id, thread=found.thread.hex(), expires=found.expires)
