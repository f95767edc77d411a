"""A stand-in for Slack's Web API on loopback: the methods the gateway calls, answered and recorded.

Shapes follow https://api.slack.com/methods (``auth.test``, ``chat.postMessage``, ``chat.update``, ``users.info``,
``files.getUploadURLExternal`` + the upload POST + ``files.completeUploadExternal``, ``conversations.replies``,
``conversations.open``, ``conversations.history`` with message metadata, ``oauth.v2.access``), plus
``/respond/<key>`` standing in for a command's or button's ``response_url``.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from tests.llm.standins import StandIn


@dataclass(frozen=True)
class Workspace:
    """A Slack team with its bot."""

    team_id: str
    token: str
    bot_user_id: str
    bot_id: str
    team_name: str = "Workspace"


@dataclass(frozen=True)
class Call:
    """One Web API call as received: method, merged parameters, the token used, when."""

    method: str
    params: dict[str, Any]
    token: str
    at: float


@dataclass
class _Failure:
    status: int
    headers: dict[str, str]
    times: int


class SlackAPI(StandIn):
    """Serves the Web API for the workspaces it knows; unknown tokens get ``invalid_auth``."""

    def __init__(self) -> None:
        super().__init__()
        self.workspaces: dict[str, Workspace] = {}  # by token
        self.users: dict[str, dict[str, Any]] = {}
        self.oauth_codes: dict[str, Workspace] = {}
        self._messages: list[tuple[str, str, str, str]] = []  # token, channel, ts, thread_ts
        self._metadata: dict[tuple[str, str, str], Any] = {}  # (token, channel, ts) -> metadata posted
        self._calls: list[Call] = []
        self._responses: list[tuple[str, dict[str, Any]]] = []
        self._uploads: dict[str, bytes] = {}
        self._failures: dict[str, _Failure] = {}
        self._delays: dict[str, float] = {}
        self._last_ts = 0.0
        self._file_ids = itertools.count(1)
        self._guard = threading.Lock()

    def routes(self) -> list[web.RouteDef]:
        return [
            web.route("*", "/api/{method}", self._api),
            web.post("/upload/{file_id}", self._upload),
            web.post("/respond/{key}", self._respond),
        ]

    def reset(self) -> None:
        """Forget calls, responses, uploads and scripted failures (workspaces and users stay)."""
        super().reset()
        with self._guard:
            self._calls.clear()
            self._responses.clear()
            self._uploads.clear()
            self._failures.clear()
            self._delays.clear()
            self._messages.clear()
            self._metadata.clear()

    @property
    def api_url(self) -> str:
        """The base URL to give slack_sdk (``COACH_SLACK_API_URL``)."""
        return f"{self.root_url}/api/"

    def add_workspace(self, workspace: Workspace) -> Workspace:
        """Know this workspace's bot token."""
        self.workspaces[workspace.token] = workspace
        return workspace

    def add_user(self, user_id: str, name: str, tz: str = "Europe/London") -> None:
        """Know a person, for ``users.info``."""
        self.users[user_id] = {"id": user_id, "name": name.lower(), "real_name": name, "tz": tz,
                               "profile": {"display_name": name, "real_name": name}}  # fmt: skip

    def fail_next(
        self, method: str, status: int = 429, headers: dict[str, str] | None = None, times: int = 1
    ) -> None:
        """Answer the next ``times`` calls of ``method`` with ``status`` (e.g. 429 with Retry-After)."""
        with self._guard:
            self._failures[method] = _Failure(status, headers or {}, times)

    def slow(self, method: str, seconds: float) -> None:
        """Take ``seconds`` before answering each call of ``method`` (Slack having a slow day)."""
        with self._guard:
            self._delays[method] = seconds

    def calls(self, method: str | None = None) -> list[Call]:
        """Calls received (of ``method`` only, if given), oldest first."""
        with self._guard:
            return [c for c in self._calls if method is None or c.method == method]

    def responses(self) -> list[dict[str, Any]]:
        """Bodies posted to response URLs, oldest first."""
        with self._guard:
            return [body for _, body in self._responses]

    def posted(self) -> list[tuple[str, str, str]]:
        """Messages posted by any bot: (channel, ts, thread_ts), oldest first."""
        with self._guard:
            return [(channel, ts, parent) for _, channel, ts, parent in self._messages]

    def uploaded(self) -> dict[str, bytes]:
        """Bytes uploaded per file id."""
        with self._guard:
            return dict(self._uploads)

    @staticmethod
    def dm_channel(user_id: str) -> str:
        """The id ``conversations.open`` gives the DM with ``user_id``."""
        return f"D{user_id}"

    def response_url(self, key: str) -> str:
        """A response_url for a command or button payload."""
        return f"{self.root_url}/respond/{key}"

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        raw = await request.read()
        kind = request.headers.get("Content-Type", "")
        if raw and "json" in kind:
            params.update(json.loads(raw))
        elif raw:
            params.update(parse_qsl(raw.decode()))
        return params

    def _token(self, request: web.Request, params: dict[str, Any]) -> str:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            return header.removeprefix("Bearer ")
        if header.startswith("Basic "):
            return base64.b64decode(header.removeprefix("Basic ")).decode().split(":", 1)[0]
        return str(params.get("token") or params.get("client_id") or "")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        token = self._token(request, params)
        with self._guard:
            self._calls.append(Call(method, params, token, time.monotonic()))
            failure = self._failures.get(method)
            if failure is not None and failure.times > 0:
                failure.times -= 1
                return web.json_response(
                    {"ok": False, "error": "ratelimited"}, status=failure.status, headers=failure.headers
                )
            delay = self._delays.get(method, 0.0)
        if delay:
            await asyncio.sleep(delay)
        if method == "oauth.v2.access":
            return web.json_response(self._oauth(params))
        workspace = self.workspaces.get(token)
        if workspace is None:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        return web.json_response({"ok": True, **handler(workspace, params)})

    def _next_ts(self) -> str:
        with self._guard:  # Slack's ts: the time posted, unique and increasing in a channel
            self._last_ts = max(time.time(), self._last_ts + 0.000001)
            return f"{self._last_ts:.6f}"

    def _oauth(self, params: dict[str, Any]) -> dict[str, Any]:
        workspace = self.oauth_codes.pop(str(params.get("code")), None)
        if workspace is None:
            return {"ok": False, "error": "invalid_code"}
        self.add_workspace(workspace)
        return {
            "ok": True,
            "app_id": "A0COACH",
            "access_token": workspace.token,
            "token_type": "bot",
            "scope": "chat:write,commands,im:history",
            "bot_user_id": workspace.bot_user_id,
            "team": {"id": workspace.team_id, "name": workspace.team_name},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": "U_INSTALLER"},
        }

    def _auth_test(self, workspace: Workspace, _params: dict[str, Any]) -> dict[str, Any]:
        return {"url": "https://example.slack.com/", "team": workspace.team_name, "user": "coach",
                "team_id": workspace.team_id, "user_id": workspace.bot_user_id, "bot_id": workspace.bot_id}  # fmt: skip

    def _chat_postMessage(self, workspace: Workspace, params: dict[str, Any]) -> dict[str, Any]:
        ts = self._next_ts()
        channel = str(params.get("channel"))
        with self._guard:
            self._messages.append((workspace.token, channel, ts, str(params.get("thread_ts") or "")))
            if params.get("metadata"):
                metadata = params["metadata"]
                self._metadata[(workspace.token, channel, ts)] = (
                    json.loads(metadata) if isinstance(metadata, str) else metadata
                )
        return {"channel": params.get("channel"), "ts": ts,
                "message": {"text": params.get("text"), "user": workspace.bot_user_id, "ts": ts}}  # fmt: skip

    def _chat_update(self, _workspace: Workspace, params: dict[str, Any]) -> dict[str, Any]:
        return {"channel": params.get("channel"), "ts": params.get("ts"), "text": params.get("text")}

    def _users_info(self, _workspace: Workspace, params: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(params.get("user")))
        return {"user": user} if user else {"user": {"id": params.get("user")}}

    def _files_getUploadURLExternal(self, _workspace: Workspace, _params: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._file_ids):06d}"
        return {"upload_url": f"{self.root_url}/upload/{file_id}", "file_id": file_id}

    def _files_completeUploadExternal(self, _workspace: Workspace, params: dict[str, Any]) -> dict[str, Any]:
        files = params.get("files")
        files = json.loads(files) if isinstance(files, str) else files
        return {"files": [{"id": f["id"], "title": f.get("title")} for f in files or []]}

    def _conversations_replies(self, workspace: Workspace, params: dict[str, Any]) -> dict[str, Any]:
        channel, thread = str(params.get("channel")), str(params.get("ts"))
        with self._guard:
            mine = [
                {"ts": ts, "user": workspace.bot_user_id, "bot_id": workspace.bot_id}
                for token, where, ts, parent in self._messages
                if token == workspace.token and where == channel and thread in (ts, parent)
            ]
        return {"messages": [{"ts": thread, "user": "U_SOMEONE"}, *mine], "has_more": False}

    def _conversations_open(self, _workspace: Workspace, params: dict[str, Any]) -> dict[str, Any]:
        users = [u for u in str(params.get("users") or "").split(",") if u]
        if len(users) != 1:
            return {"ok": False, "error": "users_list_not_supplied" if not users else "not_supported_here"}
        return {"channel": {"id": self.dm_channel(users[0])}}

    def _conversations_history(self, workspace: Workspace, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel"))
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        messages: list[dict[str, Any]] = []
        with self._guard:
            for token, where, ts, _ in reversed(self._messages):  # newest first, as Slack answers
                if token != workspace.token or where != channel:
                    continue
                message = {
                    "type": "message",
                    "ts": ts,
                    "user": workspace.bot_user_id,
                    "bot_id": workspace.bot_id,
                }
                if with_metadata and (token, where, ts) in self._metadata:
                    message["metadata"] = self._metadata[(token, where, ts)]
                messages.append(message)
        limit = int(params.get("limit") or 100)
        return {"messages": messages[:limit], "has_more": len(messages) > limit}

    async def _upload(self, request: web.Request) -> web.Response:
        body = await request.read()
        with self._guard:
            self._uploads[request.match_info["file_id"]] = body
        return web.Response(text="OK")

    async def _respond(self, request: web.Request) -> web.Response:
        body = json.loads(await request.read())
        with self._guard:
            self._responses.append((request.match_info["key"], body))
        return web.json_response({"ok": True})
