"""``coach serve`` as an operator runs it: one process with the web app, the email listener and the outbox sender."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date

import aiosmtplib
import httpx
import pytest

from bot.email.tokens import new_thread, reply_token, unsubscribe_token
from storage.database import Database
from storage.tenants.users import digest_recipients, ensure_email_user
from tests.conftest import DatabaseFactory, repo_root, settings_for
from tests.email.sink import Sink
from tests.email.wire import send

DOMAIN = "coach.example"
SECRET = "serve-test-secret-key"
OWNER = "sam@serve-cafe.example"


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Served:
    """A running ``coach serve`` and what the test needs to talk to it."""

    process: asyncio.subprocess.Process
    http: httpx.AsyncClient
    inbound_port: int
    tenant_id: object
    user_id: object
    db: Database


def serve_env(url: object, *, sink_port: int, inbound_port: int) -> dict[str, str]:
    """The environment of an operator's ``coach serve``: a server database, an SMTP relay, our reply domain."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("COACH_")}
    if url is not None:  # None: the embedded default (give it a COACH_DATA_DIR)
        plain = url.set(drivername="postgresql").render_as_string(hide_password=False)  # type: ignore[attr-defined]
        base["COACH_DATABASE_URL"] = plain
    return base | {
        "COACH_SECRET_KEY": SECRET,
        "COACH_LLM_PROVIDER": "offline",
        "COACH_SMTP_HOST": "127.0.0.1",
        "COACH_SMTP_PORT": str(sink_port),
        "COACH_SMTP_STARTTLS": "false",
        "COACH_MAIL_FROM": f"Business Coach <coach@{DOMAIN}>",
        "COACH_REPLY_DOMAIN": DOMAIN,
        "COACH_INBOUND_HOST": "127.0.0.1",
        "COACH_INBOUND_PORT": str(inbound_port),
        "COACH_PUBLIC_BASE_URL": "https://coach.example",
        "COLUMNS": "200",
    }


async def start_serve(env: dict[str, str], port: int) -> asyncio.subprocess.Process:
    """``coach serve --port PORT`` in its own process."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "serve", "--port", str(port),
        cwd=repo_root(), env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def until_healthy(process: asyncio.subprocess.Process, http: httpx.AsyncClient) -> bool:
    """Wait until ``coach serve`` answers /healthz (up to 3 minutes: start-up loads the models, and CI machines
    are shared); False if it exited or never answered."""
    for _ in range(1800):
        if process.returncode is not None:
            return False
        try:
            if (await http.get("/healthz")).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    return False


@pytest.fixture(scope="module")
async def sink() -> AsyncIterator[Sink]:
    """The outbound relay stand-in."""
    server = Sink()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture(scope="module")
async def served(databases: DatabaseFactory, sink: Sink) -> AsyncIterator[Served]:
    """A fresh database with one business and its owner, and ``coach serve`` running on it."""
    url = await databases.create()
    db = await Database.open(settings_for(url))
    tenant = await db.system.ensure_tenant(slug="serve-cafe", name="Serve Cafe", industry="cafe",
                                           timezone="UTC", currency="USD", country="US")  # fmt: skip
    async with db.tenant_session(tenant) as session:
        user = await ensure_email_user(session=session, email=OWNER, display_name="Sam")
    port, inbound_port = free_port(), free_port()
    process = await start_serve(serve_env(url, sink_port=sink.port, inbound_port=inbound_port), port)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
        if not await until_healthy(process, http):
            _, err = await process.communicate()
            pytest.fail(f"coach serve did not start: {err.decode()[-2000:]}")
        yield Served(process, http, inbound_port, tenant, user.id, db)
    if process.returncode is None:
        process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.wait(), 60)
    await db.close()


async def test_the_unsubscribe_link_in_a_digest_is_served_and_stops_digests(served: Served) -> None:
    token = unsubscribe_token(SECRET.encode(), tenant_id=served.tenant_id, user_id=served.user_id)  # type: ignore[arg-type]

    forged = await served.http.get("/unsubscribe", params={"token": token[:-4] + "aaaa"})
    opened = await served.http.get("/unsubscribe", params={"token": token})
    one_click = await served.http.post("/unsubscribe", params={"token": token})

    assert forged.status_code == 400 and "not valid" in forged.text
    assert opened.status_code == 200 and 'method="post"' in opened.text
    assert one_click.status_code == 200 and "unsubscribed" in one_click.text
    async with served.db.tenant_session(served.tenant_id) as session:  # type: ignore[arg-type]
        assert served.user_id not in {u.id for u in await digest_recipients(session=session)}


async def test_an_emailed_reply_is_answered_in_its_thread_through_the_outbox(
    served: Served, sink: Sink
) -> None:
    token = reply_token(SECRET.encode(), tenant_id=served.tenant_id, user_id=served.user_id,  # type: ignore[arg-type]
                        thread=new_thread(), today=date.today(), days=30)  # fmt: skip
    to = f"reply+{token}@{DOMAIN}"
    raw = (
        f"From: Sam <{OWNER}>\r\nTo: {to}\r\nSubject: Re: Your week at Serve Cafe\r\n"
        "Message-ID: <sam-1@serve-cafe.example>\r\n\r\nWhat goals do we have?\r\n"
    ).encode()

    await send(served.inbound_port, raw, to=to, mail_from=OWNER)

    for _ in range(300):  # the sender runs every 10 s
        if sink.to(OWNER):
            break
        await asyncio.sleep(0.1)
    answers = sink.to(OWNER)
    assert len(answers) == 1
    message = answers[0].message
    assert message["In-Reply-To"] == "<sam-1@serve-cafe.example>"
    assert message["Subject"] == "Re: Your week at Serve Cafe"
    assert message["Auto-Submitted"] == "auto-replied"


async def test_mail_for_another_domain_is_refused_before_data(served: Served) -> None:
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
        await send(served.inbound_port, b"Subject: hi\r\n\r\nhi\r\n", to="someone@elsewhere.example")


async def test_a_busy_email_port_stops_start_up_with_one_error_line(
    databases: DatabaseFactory, sink: Sink
) -> None:
    url = await databases.create()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        env = serve_env(url, sink_port=sink.port, inbound_port=taken.getsockname()[1])
        process = await start_serve(env, free_port())
        out, err = await asyncio.wait_for(process.communicate(), 120)

    assert process.returncode == 2
    errors = [line for line in err.decode().splitlines() if "Error" in line]
    assert len(errors) == 1 and "COACH_INBOUND_PORT" in errors[0], err.decode()
    assert "Traceback" not in out.decode() + err.decode()
