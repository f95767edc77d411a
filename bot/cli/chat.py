"""``coach chat`` (a streaming REPL) and ``coach ask`` (one question, or one per line of stdin, optionally JSON)."""

from __future__ import annotations

import json
import re
import sys
import uuid
from datetime import datetime
from pathlib import Path

from rich.markup import escape

from bot.cli.runtime import console
from coach.core import Coach, Reply, Turn
from coach.tools.result import Source
from storage.database import TenantInfo

EXIT_WORDS = {"/quit", "/exit", "quit", "exit", ":q"}
SOURCE_LINE = re.compile(r"^\s*Sources?:")


def save_charts(reply: Reply, folder: Path) -> list[Path]:
    """Write the reply's charts as PNG files; returns their paths."""
    if not reply.charts:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    stamp = f"{datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"  # two replies in one second never clash
    paths = []
    for i, chart in enumerate(reply.charts, start=1):
        path = folder / f"{stamp}-{i}.png"
        path.write_bytes(chart.png)
        paths.append(path)
    return paths


def unstated(sources: list[Source], shown: str) -> list[Source]:
    """The sources the printed answer does not already name on a Source line of its own.

    The offline model writes its Source line into the answer; a cloud model may not. Printing every source
    in the footer as well showed each of the offline model's sources twice.
    """
    lines = [line for line in shown.splitlines() if SOURCE_LINE.match(line)]
    return [s for s in sources if not any(s.tool in line and s.data in line for line in lines)]


def print_footer(reply: Reply, chart_dir: Path, shown: str | None = None) -> None:
    """Sources the answer did not state, charts saved (with their alt text) and provider/time, dimmed."""
    for source in unstated(reply.sources, reply.text if shown is None else shown):
        console.print(
            f"[dim]Source: {escape(source.tool)}: {escape(source.data)}; {escape(source.method)}[/]"
        )
    for path, chart in zip(save_charts(reply, chart_dir), reply.charts, strict=True):
        console.print(f"[dim]Chart saved: {path} ({escape(chart.alt)})[/]")
    console.print(
        f"[dim]{reply.provider} · {reply.latency_ms:,} ms"
        + (f" · ${reply.cost_usd:.4f}" if reply.cost_usd else "")
        + "[/]"
    )


async def chat_loop(coach: Coach, tenant: TenantInfo, chart_dir: Path) -> None:
    """Read questions until EOF or /quit; stream each answer as it is written."""
    thread = f"cli:{uuid.uuid4()}"
    console.print(
        f"[bold]Coach for {escape(tenant.name)}[/] · ask about sales, forecasts, why numbers moved, "
        "orders, rotas, ad budgets or goals · /quit to leave"
    )
    while True:
        try:
            question = console.input("[bold cyan]you>[/] ")
        except (EOFError, KeyboardInterrupt):
            console.print()
            return
        if question.strip().lower() in EXIT_WORDS:
            return
        if not question.strip():
            continue
        console.print("[bold green]coach>[/] ", end="")
        stream = coach.stream(Turn(tenant_id=tenant.id, text=question, channel="cli", thread=thread))
        shown: list[str] = []
        async for chunk in stream:
            shown.append(chunk)
            console.print(escape(chunk), end="", soft_wrap=True)
        console.print()
        if stream.reply is None:
            continue
        printed = "".join(shown)
        if stream.reply.text.strip() != printed.strip():
            # the final answer differs from what streamed (figures no tool gave were replaced, or a provider
            # failed mid-answer and the next one answered): never leave the streamed text as the last word
            console.print("[bold yellow]Corrected answer:[/]")
            console.print(escape(stream.reply.text))
            printed = stream.reply.text
        print_footer(stream.reply, chart_dir, printed)


async def ask(coach: Coach, tenant: TenantInfo, question: str, *, as_json: bool, chart_dir: Path) -> None:
    """Answer one question (``-`` reads one per line from stdin), printing rich text or one JSON object per line."""
    lines = (line.strip() for line in sys.stdin) if question == "-" else iter([question])
    questions = (
        line for line in lines if line
    )  # one at a time: each answer comes before the next line is read
    thread = f"cli:{uuid.uuid4()}"
    for text in questions:
        reply = await coach.answer(Turn(tenant_id=tenant.id, text=text, channel="cli", thread=thread))
        if as_json:
            payload = reply.to_json() | {
                "question": text,
                "charts": [
                    {"title": c.title, "alt": c.alt, "path": str(p)}
                    for c, p in zip(reply.charts, save_charts(reply, chart_dir), strict=True)
                ],
            }
            sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
            sys.stdout.flush()
        else:
            console.print(escape(reply.text))
            print_footer(reply, chart_dir)
