"""The FastAPI app ``coach serve`` runs: Slack's routes, the digest's unsubscribe link, ``/healthz`` and ``/metrics``.

The Connectors issue adds its ``/connect`` and ``/webhooks`` routes to the same app.
"""

from __future__ import annotations

import logging
import time

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy import text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.email.unsubscribe import unsubscribe_route
from bot.slack.app import INSTALL_PATH, REDIRECT_PATH, SlackGateway
from bot.web.metrics import Metrics
from storage.database import Database
from storage.settings import Settings

log = logging.getLogger(__name__)
SLACK_EVENTS_ROUTE = "/slack/events"
SLACK_FORM_ROUTES = ("/slack/commands", "/slack/interactivity")  # answered by Bolt itself: acks carry content
PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"
SLACK_MAX_BODY_BYTES = 1 << 20  # Slack's event and form payloads are a few kilobytes


class CountRequests:
    """Counts requests by route and status and sums their time: plain ASGI, so a burst of Slack events pays no
    extra task or stream per request (``@app.middleware("http")`` costs both)."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = "500"

        async def send_and_note_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = str(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note_status)
        finally:
            path = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.inc("http_requests_total", {"path": path, "status": status})
            self.metrics.observe("http_request_seconds", time.perf_counter() - started)


def create_app(
    *, db: Database, settings: Settings, metrics: Metrics, slack: SlackGateway | None = None
) -> FastAPI:
    """The web app; Slack's routes are mounted when a Slack gateway is given."""
    app = FastAPI(title="smb-coach", docs_url=None, redoc_url=None, openapi_url=None)

    app.add_middleware(CountRequests, metrics=metrics)

    @app.get("/healthz")
    async def report_health() -> JSONResponse:
        """Up, and whether the database answers."""
        try:
            async with db.app_engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as error:  # noqa: BLE001 - any failure means unhealthy; say which
            log.warning("health check: database unavailable: %s", error)
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
        return JSONResponse(
            {"status": "ok", "database": "ok", "slack": slack.config.mode if slack else "off"}
        )

    @app.get("/metrics")
    async def export_metrics() -> PlainTextResponse:
        """Counters in the Prometheus text format."""
        return PlainTextResponse(metrics.render(), media_type=PROMETHEUS_TEXT)

    @app.get("/unsubscribe")
    async def ask_to_unsubscribe(token: str = "") -> Response:
        """The digest's signed unsubscribe link: a page with a button (link scanners must not unsubscribe)."""
        return await unsubscribe_route(token, db, settings, confirmed=False)

    @app.post("/unsubscribe")
    async def unsubscribe(token: str = "") -> Response:
        """The button, or RFC 8058 one-click from the List-Unsubscribe header: the digest stops."""
        return await unsubscribe_route(token, db, settings, confirmed=True)

    if slack is not None:
        mount_slack(app, slack)
    return app


class BodyTooLarge(Exception):
    """A request body past the cap."""


async def read_capped(request: Request, limit: int) -> bytes:
    """The request's body, or BodyTooLarge as soon as it (or its declared length) passes ``limit`` bytes: nothing
    past the cap is kept in memory."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def replayed(request: Request, body: bytes) -> Request:
    """The same request with its body already read, for a handler that reads it again."""

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(request.scope, receive)


def mount_slack(app: FastAPI, slack: SlackGateway) -> None:
    """Slack's Events API, slash commands and interactivity, plus the OAuth install pages in multi-workspace mode.

    Bodies are capped at ``SLACK_MAX_BODY_BYTES`` (413) before anything else reads them; Slack's own are small.
    """

    async def forward_to_bolt(request: Request) -> Response:
        return await slack.handler.handle(request)

    async def forward_capped(request: Request) -> Response:
        try:
            body = await read_capped(request, SLACK_MAX_BODY_BYTES)
        except BodyTooLarge:
            return PlainTextResponse("Request body too large", status_code=413)
        return await forward_to_bolt(replayed(request, body))

    async def acknowledge_event(request: Request) -> Response:
        try:
            body = await read_capped(request, SLACK_MAX_BODY_BYTES)
        except BodyTooLarge:
            return PlainTextResponse("Request body too large", status_code=413)
        status = await slack.take_event(body, request.headers)
        if status is None:
            return await forward_to_bolt(replayed(request, body))
        return Response(status_code=status)

    app.add_api_route(SLACK_EVENTS_ROUTE, acknowledge_event, methods=["POST"], include_in_schema=False)
    for path in SLACK_FORM_ROUTES:
        app.add_api_route(path, forward_capped, methods=["POST"], include_in_schema=False)
    if slack.app.oauth_flow is not None:
        for path in (INSTALL_PATH, REDIRECT_PATH):
            app.add_api_route(path, forward_to_bolt, methods=["GET"], include_in_schema=False)
