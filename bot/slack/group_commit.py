"""Recording many deliveries in few transactions: the write behind a burst of acknowledgements."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from storage.database import Database
from storage.messaging.events import record_events


class GroupCommit:
    """Writes recorded events in as few transactions as possible: while one tenant's write is in flight, the
    deliveries arriving meanwhile wait and go together in the next (a burst of 200 DMs is a handful of
    transactions, not 200, so acknowledgements stay quick)."""

    def __init__(self, db: Database, *, source: str) -> None:
        self.db = db
        self.source = source
        self._waiting: dict[uuid.UUID, list[tuple[str, dict[str, Any], asyncio.Future[bool]]]] = {}
        self._writers: dict[uuid.UUID, asyncio.Task[None]] = {}

    async def record(self, tenant_id: uuid.UUID, event_id: str, body: dict[str, Any]) -> bool:
        """Record one event of ``tenant_id``; True if it is new. Raises when the write failed."""
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(tenant_id, []).append((event_id, body, done))
        if tenant_id not in self._writers:
            self._writers[tenant_id] = asyncio.create_task(self._write(tenant_id))
        return await done

    async def _write(self, tenant_id: uuid.UUID) -> None:
        try:
            while batch := self._waiting.pop(tenant_id, []):
                try:
                    async with self.db.tenant_session(tenant_id) as session:
                        fresh = await record_events(
                            session=session, source=self.source, events=[(e, b) for e, b, _ in batch]
                        )
                except Exception as error:  # noqa: BLE001 - every delivery in the batch hears of it
                    for _, _, done in batch:
                        if not done.done():
                            done.set_exception(error)
                    continue
                for event_id, _, done in batch:
                    if not done.done():
                        done.set_result(event_id in fresh)
                    fresh.discard(event_id)  # a repeat within the batch is not new
        finally:
            self._writers.pop(tenant_id, None)
