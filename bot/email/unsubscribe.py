"""Stopping digests: the signed link (``/unsubscribe?token=...``, mounted by the web app) and the mailto."""

from __future__ import annotations

import logging
from datetime import date
from urllib.parse import urlencode

from fastapi.responses import HTMLResponse

from bot.email.identity import Directory
from bot.email.redact import token_tag
from bot.email.tokens import UNSUBSCRIBE, TokenError
from prompts.loader import render
from storage.database import Database
from storage.secrets import secret_key
from storage.settings import Settings
from storage.tenants.users import set_digest_opt_out

log = logging.getLogger(__name__)
TITLES = {"confirm": "Unsubscribe from the weekly digest", "done": "You are unsubscribed",
          "bad": "This link is not valid"}  # fmt: skip


def page(state: str, *, token: str = "") -> str:
    """The unsubscribe page: ``confirm`` (a button that POSTs), ``done`` or ``bad``."""
    return render("web/unsubscribe.html", state=state, title=TITLES[state],
                  action=f"/unsubscribe?{urlencode({'token': token})}")  # fmt: skip


async def apply_unsubscribe(db: Database, directory: Directory, token: str, *, today: date) -> bool:
    """Set ``digest_opt_out`` for the user the token names; False when the token is not valid."""
    try:
        claims = await directory.resolve(token, today=today, purpose=UNSUBSCRIBE)
    except TokenError as error:
        log.info("unsubscribe %s refused: %s", token_tag(token), error)
        return False
    async with db.tenant_session(claims.tenant_id) as session:
        return await set_digest_opt_out(session=session, user_id=claims.user_id, opt_out=True)


async def unsubscribe_route(token: str, db: Database, settings: Settings, *, confirmed: bool) -> HTMLResponse:
    """The ``/unsubscribe?token=...`` handler body: ``GET`` asks for a click (mail scanners that open every link
    must not unsubscribe anyone), ``POST`` (the button, or an RFC 8058 one-click from the mail client) applies it."""
    directory = Directory(db, secret_key(settings))
    if confirmed:
        done = await apply_unsubscribe(db, directory, token, today=date.today())
        return HTMLResponse(page("done" if done else "bad"), status_code=200 if done else 400)
    try:
        await directory.resolve(token, today=date.today(), purpose=UNSUBSCRIBE)
    except TokenError:
        return HTMLResponse(page("bad"), status_code=400)
    return HTMLResponse(page("confirm", token=token))
