"""Stopping digests: the signed link (``/unsubscribe?token=...``, mounted by the web app) and the mailto."""

from __future__ import annotations

import logging
from datetime import date

from fastapi.responses import HTMLResponse

from bot.email.identity import Directory
from bot.email.tokens import UNSUBSCRIBE, TokenError
from storage.database import Database
from storage.secrets import secret_key
from storage.settings import Settings
from storage.tenants.users import set_digest_opt_out

log = logging.getLogger(__name__)
DONE_PAGE = (
    "<!DOCTYPE html><html lang=en><meta charset=utf-8><title>Unsubscribed</title>"
    "<body style='font-family:Arial,sans-serif;max-width:32rem;margin:3rem auto'>"
    "<h1>You are unsubscribed</h1><p>You will not get the weekly digest any more. "
    "You can still email or message the coach at any time.</p></body></html>"
)
BAD_PAGE = (
    "<!DOCTYPE html><html lang=en><meta charset=utf-8><title>Link not valid</title>"
    "<body style='font-family:Arial,sans-serif;max-width:32rem;margin:3rem auto'>"
    "<h1>This link is not valid</h1><p>Please use the link from your latest digest, or reply to it with "
    "'unsubscribe'.</p></body></html>"
)


async def apply_unsubscribe(db: Database, directory: Directory, token: str, *, today: date) -> bool:
    """Set ``digest_opt_out`` for the user the token names; False when the token is not valid."""
    try:
        claims = await directory.resolve(token, today=today, purpose=UNSUBSCRIBE)
    except TokenError as error:
        log.info("unsubscribe refused: %s", error)
        return False
    async with db.tenant_session(claims.tenant_id) as session:
        return await set_digest_opt_out(session=session, user_id=claims.user_id, opt_out=True)


async def unsubscribe_route(token: str, db: Database, settings: Settings) -> HTMLResponse:
    """The ``GET``/``POST /unsubscribe?token=...`` handler body (POST is RFC 8058 one-click); mount it in the
    web app with its own dependencies for ``db`` and ``settings``."""
    done = await apply_unsubscribe(db, Directory(db, secret_key(settings)), token, today=date.today())
    return HTMLResponse(DONE_PAGE if done else BAD_PAGE, status_code=200 if done else 400)
