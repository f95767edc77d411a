"""``coach serve``: the web app on uvicorn (Slack events, slash commands, buttons and install, unsubscribe links,
/healthz, /metrics), the inbound SMTP listener for email replies and the outbox sender, in one process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated

import typer
import uvloop

from bot.cli.runtime import console, fail, settings_or_exit, with_database
from bot.slack.config import SlackConfig, SlackConfigError, slack_config
from storage.database import Database
from storage.errors import DatabaseError, TenantNotFound
from storage.settings import Settings

if TYPE_CHECKING:
    import uvicorn

log = logging.getLogger("coach.serve")
SEND_EVERY_S = 10.0  # how often the outboxes are delivered
DRAIN_S = 20.0  # how long answers being written may take to finish when serve is stopped
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket, or one clear line when the address cannot be used."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as error:
        raise fail(f"--host/--port: cannot listen on {host}:{port} ({error.strerror or error}).", 2) from None
    sock.setblocking(False)
    return sock


class Stopping:
    """SIGTERM and SIGINT, handled on the loop: the first stops the web server and lets the drain run (uvicorn's own
    handling would re-raise the signal after its shutdown, ending the process before answers finish and before the
    embedded PostgreSQL is stopped); a second one cuts the drain short."""

    def __init__(self) -> None:
        self.requested = asyncio.Event()
        self.server: uvicorn.Server | None = None
        self.signals = 0

    def __call__(self, signum: int) -> None:
        self.signals += 1
        log.info("%s received: stopping", signal.Signals(signum).name)
        self.requested.set()
        if self.server is not None:
            self.server.should_exit = True
            self.server.force_exit = self.signals > 1

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        """Handle the stop signals on the running loop while inside."""
        loop = asyncio.get_running_loop()
        for signum in STOP_SIGNALS:
            loop.add_signal_handler(signum, self, signum)
        try:
            yield
        finally:
            for signum in STOP_SIGNALS:
                loop.remove_signal_handler(signum)


def _quiet_server(app: object) -> uvicorn.Server:
    """uvicorn without its own signal handling (``Stopping`` does it)."""
    import uvicorn

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            yield

    return Server(uvicorn.Config(app, log_level="info", lifespan="off", access_log=False))  # type: ignore[arg-type]


async def _run(settings: Settings, config: SlackConfig | None, sock: socket.socket) -> None:
    stopping = Stopping()
    with stopping.installed():
        await _serve(settings, config, sock, stopping)


async def _serve(
    settings: Settings, config: SlackConfig | None, sock: socket.socket, stopping: Stopping
) -> None:

    from bot.background import every
    from bot.email.inbound import InboundHandler, InboundServer
    from bot.email.sender import deliver_due
    from bot.heap import settle
    from bot.slack.app import build_slack_gateway
    from bot.slack.deps import SlackDeps
    from bot.slack.digests import deliver_slack_due
    from bot.web.app import create_app
    from bot.web.metrics import Metrics
    from coach.factory import build_coach
    from coach.warmup import warm_up
    from storage.crypto import TokenCipher
    from storage.secrets import secret_key

    db = await Database.open(settings)
    coach = None
    socket_mode = None
    inbound = None
    gateway = None
    stop_sending = asyncio.Event()
    sending = None
    slack_sending = None
    try:
        if config is not None and config.tenant_slug:
            await db.system.tenant(config.tenant_slug)  # COACH_SLACK_TENANT must name an existing business
        metrics = Metrics()
        coach = build_coach(db, settings)
        seconds = await asyncio.to_thread(warm_up)
        log.info(
            "engines loaded in %.1f s; %d start-up objects set aside from garbage collection",
            seconds,
            settle(),
        )
        if config is not None:
            deps = SlackDeps(db=db, coach=coach, metrics=metrics)
            key = secret_key(settings)
            gateway = build_slack_gateway(deps, config, cipher=TokenCipher(key), state_secret=key)
            gateway.start()  # answers messages acknowledged earlier and not yet answered, then new ones
            if config.app_token:
                from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

                socket_mode = AsyncSocketModeHandler(gateway.app, config.app_token)
                await socket_mode.connect_async()
        inbound = InboundServer(InboundHandler(db, settings, coach), settings)
        try:
            await inbound.start()
        except OSError as error:
            inbound = None
            raise fail(
                f"COACH_INBOUND_HOST/COACH_INBOUND_PORT: cannot listen for email replies on "
                f"{settings.inbound_host}:{settings.inbound_port} ({error.strerror or error}).",
                2,
            ) from None
        sending = asyncio.create_task(
            every(
                SEND_EVERY_S, lambda: deliver_due(db, settings), stop=stop_sending, what="email outbox pass"
            )
        )
        if config is not None:  # digest DMs; without Slack settings they wait in the outbox
            slack_sending = asyncio.create_task(
                every(
                    SEND_EVERY_S,
                    lambda: deliver_slack_due(db, settings),
                    stop=stop_sending,
                    what="Slack outbox pass",
                )  # fmt: skip
            )
        app = create_app(db=db, settings=settings, metrics=metrics, slack=gateway)
        host, port = sock.getsockname()[:2]
        mode = "off" if config is None else config.mode + (" + Socket Mode" if config.app_token else "")
        console.print(
            f"Serving on http://{host}:{port} (Slack: {mode}); email replies on "
            f"{inbound.host}:{inbound.port} for @{settings.reply_domain}. Ctrl-C stops."
        )
        server = _quiet_server(app)
        stopping.server = server
        if not stopping.requested.is_set():
            await server.serve(sockets=[sock])
    finally:
        if gateway is not None:  # let answers being written finish; hand back the rest for the next process
            await gateway.stop(drain_s=0 if stopping.signals > 1 else DRAIN_S)
        stop_sending.set()
        if sending is not None:
            await sending
        if slack_sending is not None:
            await slack_sending
        if inbound is not None:
            await inbound.stop()
        if socket_mode is not None:
            await socket_mode.close_async()
        if coach is not None:
            await coach.aclose()
        await db.close()


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8000,
) -> None:
    """Run the gateways: the web app (Slack, unsubscribe links, /healthz, /metrics), email replies, the outbox."""
    settings = settings_or_exit()
    try:
        config = slack_config(settings)
    except SlackConfigError as error:
        raise fail(str(error), 2) from None
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for name in ("bot", "coach.serve"):  # our own start-up and request logs; libraries stay at warnings
        logging.getLogger(name).setLevel(logging.INFO)
    if config is None:
        log.warning("Slack is not configured (COACH_SLACK_*): serving /healthz and /metrics only")
    sock = _listen(host, port)
    try:
        uvloop.run(_run(settings, config, sock))
    except (DatabaseError, TenantNotFound) as error:
        message = str(error).strip("'\"")
        raise fail(
            f"COACH_SLACK_TENANT: {message}" if isinstance(error, TenantNotFound) else message
        ) from None
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()


def slack_link(
    tenant: Annotated[str, typer.Option("--tenant", "-t", help="The business, by slug (e.g. demo-cafe).")],
    ttl: Annotated[
        str | None,
        typer.Option(
            "--ttl",
            "--expires-in",
            help="How long the link works: 30m, 12h, 7d, 2w (default: COACH_SLACK_INSTALL_LINK_DAYS, 7 days).",
        ),
    ] = None,
) -> None:
    """Print a new signed Slack install link for an existing business: it installs one workspace, then expires."""
    from datetime import UTC, datetime, timedelta

    from bot.slack.install_links import install_link, link_lifetime
    from storage.secrets import secret_key

    settings = settings_or_exit()
    try:
        lifetime = timedelta(days=settings.slack_install_link_days) if ttl is None else link_lifetime(ttl)
    except ValueError as error:
        raise fail(f"--ttl: {error} (got {ttl!r}).", 2) from None
    expires_at = datetime.now(UTC) + lifetime

    async def work(db: Database) -> str:
        info = await db.system.tenant(tenant)
        return install_link(secret=secret_key(settings), public_base_url=settings.public_base_url,
                            tenant_slug=info.slug, expires_at=expires_at)  # fmt: skip

    console.print(with_database(work), soft_wrap=True)
    console.print(
        f"It connects one Slack workspace to {tenant}, once, until {expires_at:%Y-%m-%d %H:%M} UTC.",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
