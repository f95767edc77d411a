"""``coach serve``: the web app on uvicorn (Slack events, slash commands, buttons and install, unsubscribe links,
/healthz, /metrics), the inbound SMTP listener for email replies and the outbox sender, in one process."""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
from typing import Annotated

import typer
import uvloop

from bot.cli.runtime import console, fail, settings_or_exit, with_database
from bot.slack.config import SlackConfig, SlackConfigError, slack_config
from storage.database import Database
from storage.errors import DatabaseError, TenantNotFound
from storage.settings import Settings

log = logging.getLogger("coach.serve")
SEND_EVERY_S = 10.0  # how often the outboxes are delivered


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


async def _run(settings: Settings, config: SlackConfig | None, sock: socket.socket) -> None:
    import uvicorn  # the server and the coach load only when serving

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
        gateway = None
        if config is not None:
            deps = SlackDeps(db=db, coach=coach, metrics=metrics)
            key = secret_key(settings)
            gateway = build_slack_gateway(deps, config, cipher=TokenCipher(key), state_secret=key)
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
        server = uvicorn.Server(uvicorn.Config(app, log_level="info", lifespan="off", access_log=False))
        await server.serve(sockets=[sock])
        if gateway is not None:
            await gateway.drain(timeout_s=20)  # let answers being written finish
    finally:
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
) -> None:
    """Print a signed Slack install link that connects the installing workspace to an existing business."""
    from bot.slack.installation import install_link
    from storage.secrets import secret_key

    settings = settings_or_exit()

    async def work(db: Database) -> str:
        info = await db.system.tenant(tenant)
        return install_link(secret=secret_key(settings), public_base_url=settings.public_base_url,
                            tenant_slug=info.slug)  # fmt: skip

    console.print(with_database(work), soft_wrap=True)
