"""Composing digests on worker processes, so a weekly run uses every core.

Composing a digest is seconds of CPU in the analytics engines, held by one interpreter lock per process. Each
worker opens its own connections (as the app role, so row-level security applies as everywhere else) and
composes and queues whole tenants, each in its own transaction, exactly as the in-process path does. A tenant
whose worker died is composed again in this process: its stable Message-IDs keep that from queueing anything
twice.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from sqlalchemy import make_url
from threadpoolctl import threadpool_limits

from bot.heap import settle
from coach.tools.context import FrameCache
from storage.database import Database, TenantInfo
from storage.settings import Settings

R = TypeVar("R")

log = logging.getLogger(__name__)

WORKER_POOL_SIZE = 2  # connections per worker: it composes one tenant at a time


@dataclass
class Worker:
    """What one worker process holds: its event loop, its connections, its frame cache."""

    loop: asyncio.AbstractEventLoop
    db: Database
    settings: Settings
    frames: FrameCache
    settled: bool = False


_WORKER: Worker | None = None


def _start(owner_url: str, app_url: str, settings: Settings) -> None:
    """Runs once in each worker process: its event loop, its connections, its frame cache."""
    global _WORKER
    # One BLAS/OpenMP thread per worker: the workers already fill the cores, and idle pool threads spin. The
    # variables reach the libraries loaded from now on (LightGBM's OpenMP), threadpoolctl those already loaded.
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"
    threadpool_limits(1)
    logging.basicConfig(level=logging.WARNING)
    loop = asyncio.new_event_loop()
    db = Database(
        owner_url=make_url(owner_url), app_url=make_url(app_url), pool_size=WORKER_POOL_SIZE, server=None
    )
    _WORKER = Worker(loop=loop, db=db, settings=settings, frames=FrameCache())


def current_worker() -> Worker:
    """The worker this process was started as (only inside a worker process)."""
    assert _WORKER is not None, "worker not started"
    return _WORKER


def settle_once(worker: Worker) -> None:
    """Set the start-up objects aside from garbage collection after the worker's first job (which loaded the
    engines)."""
    if not worker.settled:
        settle()
        worker.settled = True


def worker_count(settings: Settings, tenants: int) -> int:
    """How many processes to use for this many tenants (1: compose in this process)."""
    wanted = settings.digest_workers or multiprocessing.cpu_count()
    return max(1, min(wanted, tenants))


async def compose_on_workers(
    db: Database,
    settings: Settings,
    jobs: Sequence[tuple[TenantInfo, date]],
    *,
    workers: int,
    task: Callable[[TenantInfo, date], R],
    merge: Callable[[TenantInfo, R], None],
    fallback: Callable[[TenantInfo, date], Awaitable[None]],
) -> None:
    """Compose and queue each (tenant, day) on `workers` processes, merging each tenant's run as it finishes.

    Tenants a worker could not finish (it died, or the job could not be sent to it) go to ``fallback``, in this
    process. ``task`` is what a worker runs per tenant: a module-level function (it is sent by name), which
    finds its worker with ``current_worker()``.
    """
    loop = asyncio.get_running_loop()
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),  # never fork a process holding an event loop
        initializer=_start,
        initargs=(
            db.owner_url.render_as_string(hide_password=False),
            db.app_url.render_as_string(hide_password=False),
            settings,
        ),
    )
    orphans: list[tuple[TenantInfo, date]] = []

    async def one(tenant: TenantInfo, day: date) -> None:
        try:
            run = await loop.run_in_executor(pool, task, tenant, day)
        except Exception as error:  # noqa: BLE001 - a dead worker (BrokenProcessPool) or an unpicklable job
            log.warning("digest worker could not compose %s: %r", tenant.slug, error)
            orphans.append((tenant, day))
        else:
            merge(tenant, run)

    try:
        await asyncio.gather(*(one(tenant, day) for tenant, day in jobs))
    finally:
        await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
    if orphans:
        log.warning("composing %d tenant(s) in this process instead", len(orphans))
    for tenant, day in orphans:
        await fallback(tenant, day)
