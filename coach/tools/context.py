"""What a coach tool knows: the one tenant it is bound to, today's date there, and this turn's results."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import text

from coach.tools.result import ToolResult
from storage.database import Database, TenantInfo
from storage.metrics.service import list_metrics, load_frame


@dataclass
class ToolCallRecord:
    """One tool call of a turn: its name, the arguments the model sent, and what came back."""

    name: str
    args: dict[str, Any]
    result: ToolResult


class FrameCache:
    """Tenants' wide daily frames kept between turns, reloaded when their metrics change (count or last time)."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._frames: dict[uuid.UUID, tuple[tuple[int, object], pd.DataFrame]] = {}

    async def get(self, db: Database, tenant_id: uuid.UUID) -> pd.DataFrame:
        """The tenant's frame, from memory when nothing changed since it was loaded."""
        async with db.tenant_session(tenant_id) as session:
            version = tuple(
                (await session.execute(text("SELECT count(*), max(time) FROM business_metrics"))).one()
            )
            cached = self._frames.get(tenant_id)
            if cached is not None and cached[0] == version:
                return cached[1]
            wide = await load_frame(session=session)
        if not wide.empty:
            wide.index = pd.DatetimeIndex(wide.index).tz_convert(None).normalize()
            wide = wide.groupby(level=0).sum(min_count=1).sort_index()
        if len(self._frames) >= self.size:
            self._frames.pop(next(iter(self._frames)))
        self._frames[tenant_id] = (version, wide)  # type: ignore[assignment]
        return wide


@dataclass
class ToolContext:
    """Everything the tools of one turn share. The tenant is fixed here and nowhere else."""

    db: Database
    tenant: TenantInfo
    user_id: uuid.UUID | None
    today: date
    thread_key: str = ""
    embed: Callable[[Sequence[str]], np.ndarray] | None = None
    frames: FrameCache = field(default_factory=FrameCache)
    calls: list[ToolCallRecord] = field(default_factory=list)
    _frame: pd.DataFrame | None = None
    _metrics: set[str] | None = None

    async def frame(self) -> pd.DataFrame:
        """The tenant's daily metrics as a wide frame indexed by date (read once per turn, cached across turns)."""
        if self._frame is None:
            self._frame = await self.frames.get(self.db, self.tenant.id)
        return self._frame

    async def known_metrics(self) -> set[str]:
        """Metric names the tenant has (without dimensions)."""
        if self._metrics is None:
            async with self.db.tenant_session(self.tenant.id) as session:
                self._metrics = {m.metric for m in await list_metrics(session=session)}
        return self._metrics
