"""Reply and unsubscribe tokens: short enough for an address, lowercase, bound to tenant, user, thread, expiry."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from bot.email.tokens import (
    UNSUBSCRIBE,
    TokenError,
    hints,
    new_thread,
    reply_token,
    unsubscribe_token,
    verify,
)

KEY = b"k" * 32
TENANT, USER = uuid.uuid4(), uuid.uuid4()
TODAY = date(2026, 7, 1)


def test_a_reply_token_fits_an_address_local_part_and_round_trips() -> None:
    thread = new_thread()
    token = reply_token(KEY, tenant_id=TENANT, user_id=USER, thread=thread, today=TODAY, days=60)
    assert len(f"reply+{token}") <= 64 and token == token.lower()
    claims = verify(KEY, hints(token.upper()), tenant_id=TENANT, user_id=USER, today=TODAY)
    assert (claims.tenant_id, claims.user_id, claims.thread) == (TENANT, USER, thread)
    assert claims.expires == TODAY + timedelta(days=60)


def test_a_token_checked_against_another_user_with_the_same_prefix_fails() -> None:
    token = reply_token(KEY, tenant_id=TENANT, user_id=USER, thread=new_thread(), today=TODAY, days=60)
    twin = uuid.UUID(bytes=USER.bytes[:6] + bytes(10))
    with pytest.raises(TokenError):
        verify(KEY, hints(token), tenant_id=TENANT, user_id=twin, today=TODAY)


def test_a_changed_character_or_another_key_is_refused() -> None:
    token = reply_token(KEY, tenant_id=TENANT, user_id=USER, thread=new_thread(), today=TODAY, days=60)
    flipped = token[:-3] + ("a" if token[-3] != "a" else "b") + token[-2:]
    with pytest.raises(TokenError):
        verify(KEY, hints(flipped), tenant_id=TENANT, user_id=USER, today=TODAY)
    with pytest.raises(TokenError):
        verify(b"other" * 8, hints(token), tenant_id=TENANT, user_id=USER, today=TODAY)


def test_an_expired_token_is_refused() -> None:
    token = reply_token(KEY, tenant_id=TENANT, user_id=USER, thread=new_thread(), today=TODAY, days=60)
    with pytest.raises(TokenError, match="expired"):
        verify(KEY, hints(token), tenant_id=TENANT, user_id=USER, today=TODAY + timedelta(days=61))


def test_an_unsubscribe_token_is_not_a_reply_token() -> None:
    token = unsubscribe_token(KEY, tenant_id=TENANT, user_id=USER)
    assert verify(KEY, hints(token), tenant_id=TENANT, user_id=USER, today=TODAY, purpose=UNSUBSCRIBE)
    with pytest.raises(TokenError):
        verify(KEY, hints(token), tenant_id=TENANT, user_id=USER, today=TODAY)


@pytest.mark.parametrize("garbage", ["", "hello", "0" * 47, "a" * 200])
def test_garbage_is_not_a_token(garbage: str) -> None:
    with pytest.raises(TokenError):
        hints(garbage)
