"""Signed requests as Slack sends them: Events API JSON, slash-command forms and interactivity payloads.

Signing follows https://api.slack.com/authentication/verifying-requests-from-slack: ``v0=`` + hex HMAC-SHA256 of
``v0:{timestamp}:{raw body}`` under the signing secret, in ``X-Slack-Signature`` with ``X-Slack-Request-Timestamp``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode

import httpx

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"


def signed_headers(body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None,
                   content_type: str = "application/json") -> dict[str, str]:  # fmt: skip
    """Headers Slack sends with ``body``: timestamp and v0 signature."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": content_type,
    }


def event_body(team_id: str, event: dict[str, Any], *, event_id: str | None = None) -> str:
    """An ``event_callback`` envelope around ``event``."""
    return json.dumps(
        {
            "token": "unused-verification-token",
            "team_id": team_id,
            "api_app_id": "A0COACH",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{secrets.token_hex(5).upper()}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": team_id, "user_id": "U_BOT", "is_bot": True}],
        }
    )


def dm(user: str, text: str, *, ts: str | None = None, channel: str = "D0DM", **extra: Any) -> dict[str, Any]:
    """A direct message event."""
    return {"type": "message", "channel_type": "im", "channel": channel, "user": user, "text": text,
            "ts": ts or f"{time.time():.6f}", **extra}  # fmt: skip


def command_body(team_id: str, command: str, text: str, *, response_url: str, user: str = "U_OWNER",
                 channel: str = "C0GENERAL") -> str:  # fmt: skip
    """A slash command's form body."""
    return urlencode(
        {
            "token": "unused",
            "team_id": team_id,
            "team_domain": "example",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": "owner",
            "command": command,
            "text": text,
            "api_app_id": "A0COACH",
            "response_url": response_url,
            "trigger_id": f"{int(time.time())}.{secrets.token_hex(6)}",  # unique per use, as Slack's
        }
    )


def action_body(team_id: str, action_id: str, value: str, *, response_url: str, user: str = "U_OWNER",
                channel: str = "C0GENERAL", message_ts: str = "1700000001.000100",
                ephemeral: bool = False) -> str:  # fmt: skip
    """A ``block_actions`` interactivity form body (``payload=<json>``)."""
    payload = {
        "type": "block_actions",
        "team": {"id": team_id, "domain": "example"},
        "user": {"id": user, "team_id": team_id},
        "api_app_id": "A0COACH",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": ephemeral,
        },
        "channel": {"id": channel, "name": "general"},
        "message": None if ephemeral else {"type": "message", "ts": message_ts, "text": "coach"},
        "response_url": response_url,
        "trigger_id": f"{int(time.time())}.{secrets.token_hex(6)}",  # unique per press, as Slack's
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "b1",
                "value": value,
                "action_ts": f"{time.time():.6f}",
            }
        ],  # fmt: skip
    }
    return urlencode({"payload": json.dumps(payload)})


async def send_event(client: httpx.AsyncClient, body: str, **headers: str) -> httpx.Response:
    """POST a signed Events API body to ``/slack/events``."""
    return await client.post("/slack/events", content=body, headers={**signed_headers(body), **headers})


async def send_form(client: httpx.AsyncClient, path: str, body: str) -> httpx.Response:
    """POST a signed form body (slash command or interactivity)."""
    form = "application/x-www-form-urlencoded"
    return await client.post(path, content=body, headers=signed_headers(body, content_type=form))
