"""The FastAPI app ``coach serve`` runs: Slack's routes, the digest's unsubscribe link, ``/healthz`` and ``/metrics``.

The Connectors issue adds its ``/connect`` and ``/webhooks`` routes to the same app.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy import text

from bot.email.unsubscribe import unsubscribe_route
from bot.slack.app import INSTALL_PATH, REDIRECT_PATH, SlackGateway
from bot.web.metrics import Metrics
from storage.database import Database
from storage.settings import Settings

log = logging.getLogger(__name__)
SLACK_POST_ROUTES = ("/slack/events", "/slack/commands", "/slack/interactivity")
PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


def create_app(
    *, db: Database, settings: Settings, metrics: Metrics, slack: SlackGateway | None = None
) -> FastAPI:
    """The web app; Slack's routes are mounted when a Slack gateway is given."""
    app = FastAPI(title="smb-coach", docs_url=None, redoc_url=None, openapi_url=None)

    @app.middleware("http")
    async def count_requests(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        metrics.inc("http_requests_total", {"path": path, "status": str(response.status_code)})
        metrics.observe("http_request_seconds", time.perf_counter() - started)
        return response

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

    @app.api_route("/unsubscribe", methods=["GET", "POST"])
    async def unsubscribe(token: str = "") -> Response:
        """The digest's signed unsubscribe link (POST is RFC 8058 one-click from the List-Unsubscribe header)."""
        return await unsubscribe_route(token, db, settings)

    if slack is not None:
        mount_slack(app, slack)
    return app


def mount_slack(app: FastAPI, slack: SlackGateway) -> None:
    """Slack's Events API, slash commands and interactivity, plus the OAuth install pages in multi-workspace mode."""

    async def forward_to_bolt(request: Request) -> Response:
        return await slack.handler.handle(request)

    for path in SLACK_POST_ROUTES:
        app.add_api_route(path, forward_to_bolt, methods=["POST"], include_in_schema=False)
    if slack.app.oauth_flow is not None:
        for path in (INSTALL_PATH, REDIRECT_PATH):
            app.add_api_route(path, forward_to_bolt, methods=["GET"], include_in_schema=False)
