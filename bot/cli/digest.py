"""The ``coach digest`` command: queue and send this week's digests, or write one tenant's digest to a folder."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.runtime import console, fail, progress_bar, settings_or_exit, with_database
from storage.database import Database


def digest(
    send: Annotated[
        bool,
        typer.Option("--send", help="Compose, queue and send this week's digests (email and Slack DMs)."),
    ] = False,
    preview: Annotated[
        Path | None,
        typer.Option("--preview", help="Write one tenant's digest (HTML, text, images) into this folder."),
    ] = None,
    tenant: Annotated[
        str | None,
        typer.Option("--tenant", "-t", help="Only this business, by slug (preview default: demo-cafe)."),
    ] = None,
    today: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Compose as if today were this day.")
    ] = None,
) -> None:
    """Send the weekly digest by email and Slack DM (--send), or write one for a person to look at (--preview DIR)."""
    if send == (preview is not None):
        raise fail("Give exactly one of --send or --preview DIR.", 2)
    day = today.date() if today else None

    async def work(db: Database) -> None:
        from bot.email.digest_workers import worker_count
        from bot.email.digests import queue_digests
        from bot.email.preview import write_preview
        from bot.email.sender import deliver_due
        from bot.slack.digests import deliver_slack_due

        settings = settings_or_exit()
        if preview is not None:
            info = await db.system.tenant(tenant or "demo-cafe")
            files = await write_preview(db, settings, info, preview, today=day)
            if not files:
                raise fail(f"{info.name} has no data to write a digest from.")
            for path in files:
                console.print(f"wrote {path}")
            return
        ids = [(await db.system.tenant(tenant)).id] if tenant else None
        count = 1 if ids else sum(1 for t in await db.system.list_tenants() if t.is_active)
        with progress_bar() as bar:
            task = bar.add_task("Composing digests", total=count)
            run = await queue_digests(
                db,
                settings,
                today=day,
                tenant_ids=ids,
                workers=worker_count(settings, count),
                progress=lambda slug: bar.update(task, advance=1, description=f"Composed {slug}"),
            )
        delivery = await deliver_due(db, settings, tenant_ids=ids)
        slack = await deliver_slack_due(db, settings, tenant_ids=ids)
        console.print(
            f"Queued {len(run.queued)} email digest(s) ({run.already_queued} already queued this week, "
            f"{len(run.skipped_tenants)} business(es) without subscribers or data, "
            f"{len(run.failed_tenants)} failed); sent {len(delivery.sent)}, "
            f"{len(delivery.retried)} to retry, {len(delivery.failed)} failed."
        )
        if slack.configured:
            no_token = (
                f", {len(slack.without_token)} business(es) without a Slack token"
                if slack.without_token
                else ""
            )
            console.print(
                f"Slack: queued {len(run.queued_slack)} DM(s) ({run.already_queued_slack} already queued); "
                f"sent {len(slack.sent)} to Slack, "
                f"{len(slack.retried)} to retry, {len(slack.failed)} failed{no_token}."
            )
        elif run.queued_slack:
            console.print(
                f"Slack: queued {len(run.queued_slack)} DM(s); Slack is not configured here (COACH_SLACK_*), "
                "so they wait for `coach serve` or a run that has it."
            )
        if run.failed_tenants:
            raise fail("Digests failed for: " + ", ".join(run.failed_tenants))

    with_database(work)
