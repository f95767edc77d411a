"""The ``coach`` command: demo data, database upkeep and metric overviews (more sub-commands arrive with the
coach, the Slack and email gateways and the connectors)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

import typer
from rich.table import Table

from bot.cli.overview import overview_table
from bot.cli.runtime import console, fail, progress_bar, settings_or_exit, with_database
from connectors.datasets.online_retail import ATTRIBUTION, DatasetNotFound
from connectors.demo.businesses import PROFILES
from connectors.demo.generator import SIM_END, SIM_START
from connectors.demo.seed import SeedResult, demo_row_count, seed_online_retail, seed_profile
from storage import migrate
from storage.database import Database
from storage.metrics.service import load_frame

app = typer.Typer(
    help="smb-coach: an AI business coach for small businesses, over Slack and email.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(
    help="Look after the database: migrate the schema, show where it is.", no_args_is_help=True
)
app.add_typer(db_app, name="db")

TenantOption = Annotated[str, typer.Option("--tenant", "-t", help="The business, by slug (e.g. demo-cafe).")]
DATASETS = ("online-retail",)


@app.command()
def demo(
    dataset: Annotated[
        str | None,
        typer.Option(
            help="Also load a real dataset as its own tenant: online-retail (UK gift-ware, 2009-2010)."
        ),
    ] = None,
    end: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Last day of demo data (default: yesterday)."),
    ] = None,
    open_chat: Annotated[
        bool, typer.Option("--chat/--no-chat", help="Open the chat on Demo Café afterwards.")
    ] = True,
) -> None:
    """Seed the demo businesses (Demo Café and Northside Books, two years of daily data), show an overview, then
    open the chat on Demo Café.

    Running it again reuses what exists: no duplicate tenants or rows.
    """
    if dataset is not None and dataset not in DATASETS:
        raise fail(f"--dataset: expects one of {', '.join(DATASETS)} (got {dataset!r}).", 2)
    last_day = end.date() if end else None
    earliest = SIM_START + timedelta(days=729)  # two full years of history before the last day
    if last_day is not None and not earliest <= last_day <= SIM_END:
        raise fail(
            f"--end: expects a day from {earliest} to {SIM_END}, so the demo has two full years of data.", 2
        )

    async def work(db: Database) -> list[SeedResult]:
        results = []
        total = sum(demo_row_count(p, end=last_day) for p in PROFILES.values())
        with progress_bar() as progress:
            task = progress.add_task("Seeding demo businesses", total=total)
            for profile in PROFILES.values():
                progress.update(task, description=f"Seeding {profile.name}")
                results.append(
                    await seed_profile(
                        db, profile, end=last_day, progress=lambda n: progress.advance(task, n)
                    )
                )
            if dataset == "online-retail":
                progress.update(task, description="Loading Online Retail II")
                try:
                    results.append(await seed_online_retail(db))
                except DatasetNotFound as error:
                    raise fail(f"{error} It ships in the shared data folder beside the project.") from None
        for result in results:
            frame = await _frame(db, result.tenant_id)
            console.print(
                overview_table(
                    f"{result.slug}: {result.rows:,} rows "
                    f"({result.inserted:,} new, {result.updated:,} changed)",
                    frame,
                )
            )
        if dataset == "online-retail":
            console.print(f"[dim]{ATTRIBUTION}[/]")
        if open_chat:
            from bot.cli.chat import chat_loop  # the coach (models, embeddings) loads only when it is needed
            from coach.factory import build_coach

            settings = settings_or_exit()
            info = await db.system.tenant("demo-cafe")
            coach = build_coach(db, settings)
            try:
                await chat_loop(coach, info, settings.data_dir / "charts")
            finally:
                await coach.aclose()
        return results

    with_database(work)
    console.print("Next: [bold]coach chat --tenant demo-cafe[/] talks with the coach again.")


@app.command()
def chat(tenant: TenantOption = "demo-cafe") -> None:
    """Talk with the coach about one business (streaming answers; charts are saved as files)."""

    async def work(db: Database) -> None:
        from bot.cli.chat import chat_loop
        from coach.factory import build_coach

        settings = settings_or_exit()
        info = await db.system.tenant(tenant)
        coach = build_coach(db, settings)
        try:
            await chat_loop(coach, info, settings.data_dir / "charts")
        finally:
            await coach.aclose()

    with_database(work)


@app.command("ask")
def ask_command(
    question: Annotated[
        str, typer.Argument(help="The question, or - to read one question per line from stdin.")
    ],
    tenant: TenantOption = "demo-cafe",
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="One JSON object per answer: answer, tool_calls, sources, provider, latency_ms, cost_usd.",
        ),
    ] = False,
) -> None:
    """Ask one question (or many, one per line, with -) and print the answer."""

    async def work(db: Database) -> None:
        from bot.cli.chat import ask
        from coach.factory import build_coach

        settings = settings_or_exit()
        info = await db.system.tenant(tenant)
        coach = build_coach(db, settings)
        try:
            await ask(coach, info, question, as_json=as_json, chart_dir=settings.data_dir / "charts")
        finally:
            await coach.aclose()

    with_database(work)


@app.command()
def metrics(tenant: TenantOption = "demo-cafe") -> None:
    """Show a business's headline metrics: last week against the week before, with weekly sparklines."""

    async def work(db: Database) -> None:
        info = await db.system.tenant(tenant)
        frame = await _frame(db, info.id)
        if frame.empty:
            console.print(
                f"{info.name} has no metrics yet. Connect a data source or run [bold]coach demo[/]."
            )
            return
        console.print(overview_table(f"{info.name} ({info.slug})", frame))

    with_database(work)


@app.command()
def tenants() -> None:
    """List the businesses in the database, by slug."""

    async def work(db: Database) -> None:
        table = Table("slug", "name", "industry", "timezone", "currency")
        for info in await db.system.list_tenants():
            table.add_row(info.slug, info.name, info.industry, info.timezone, info.currency)
        console.print(table)

    with_database(work)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the app role and migrate the schema to the newest version (also done on every start)."""

    async def work(db: Database) -> None:
        async with db.owner_engine.connect() as conn:
            revision = await conn.run_sync(migrate.current)
        console.print(f"Database schema is at revision [bold]{revision}[/] on {_where(db)}.")

    with_database(work, upgrade=True)


@db_app.command("status")
def db_status() -> None:
    """Show which database is used and the schema revision, without migrating."""

    async def work(db: Database) -> None:
        async with db.owner_engine.connect() as conn:
            revision = await conn.run_sync(migrate.current)
        console.print(
            f"Database: {_where(db)}; schema revision: [bold]{revision or 'none (run coach db upgrade)'}[/]."
        )

    with_database(work, upgrade=False)


def _where(db: Database) -> str:
    settings = settings_or_exit()
    if db.server is not None:
        return f"embedded PostgreSQL in {settings.data_dir / 'pgdata'}"
    return f"{db.owner_url.host}:{db.owner_url.port or 5432}/{db.owner_url.database}"


async def _frame(db: Database, tenant_id: object):  # type: ignore[no-untyped-def]
    since = datetime.now(UTC) - timedelta(days=3650)
    async with db.tenant_session(tenant_id) as session:  # type: ignore[arg-type]
        frame = await load_frame(session=session, start=since)
    return frame


from bot.cli.digest import digest  # noqa: E402 - the email gateway's command, registered below

app.command()(digest)


from bot.cli.serve import serve, slack_link  # noqa: E402 - the Slack gateway's commands, registered like the others

app.command()(serve)
app.command("slack-link")(slack_link)


def main() -> None:
    """Entry point of the ``coach`` command."""
    app()


__all__ = ["app", "main", "date"]
