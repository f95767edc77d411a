"""Running async work from the CLI with the database open, and turning known failures into one friendly line."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from storage.database import Database
from storage.errors import DatabaseError, TenantNotFound
from storage.settings import Settings, SettingsError, load_settings

T = TypeVar("T")
console = Console()
errors = Console(stderr=True)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one red line to stderr and return the Exit to raise."""
    errors.print(f"[bold red]Error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def settings_or_exit() -> Settings:
    """The settings, or exit with the one-line message naming the bad variable."""
    try:
        return load_settings()
    except SettingsError as error:
        raise fail(str(error), 2) from None


def with_database(work: Callable[[Database], Awaitable[T]], *, upgrade: bool = True) -> T:
    """Open the database (embedded or configured), run ``work``, close it; friendly errors, no tracebacks."""
    settings = settings_or_exit()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)

    async def main() -> T:
        db = await Database.open(settings, upgrade=upgrade)
        try:
            return await work(db)
        finally:
            await db.close()

    try:
        return asyncio.run(main())
    except (DatabaseError, TenantNotFound) as error:
        raise fail(str(error).strip("'\"")) from None


def progress_bar(out: Console | None = None) -> Progress:
    """A progress bar for long CLI work: description, bar, done/total, elapsed time (on ``out``, default the
    CLI's console)."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=out or console,
    )
