"""What a coach tool knows: the one tenant it is bound to, today's date there, and this turn's results."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from coach.tools.result import ToolResult
from storage.database import Database, TenantInfo
from storage.metrics.service import list_metrics, load_frame


@dataclass
class ToolCallRecord:
    """One tool call of a turn: its name, the arguments the model sent, and what came back."""

    name: str
    args: dict[str, Any]
    result: ToolResult


@dataclass
class ToolContext:
    """Everything the tools of one turn share. The tenant is fixed here and nowhere else."""

    db: Database
    tenant: TenantInfo
    user_id: uuid.UUID | None
    today: date
    thread_key: str = ""
    embed: Callable[[list[str]], np.ndarray] | None = None
    calls: list[ToolCallRecord] = field(default_factory=list)
    _frame: pd.DataFrame | None = None
    _metrics: set[str] | None = None

    async def frame(self) -> pd.DataFrame:
        """The tenant's daily metrics as a wide frame indexed by date (loaded once per turn)."""
        if self._frame is None:
            async with self.db.tenant_session(self.tenant.id) as session:
                wide = await load_frame(session=session)
            if not wide.empty:
                wide.index = pd.DatetimeIndex(wide.index).tz_convert(None).normalize()
                wide = wide.groupby(level=0).sum(min_count=1).sort_index()
            self._frame = wide
        return self._frame

    async def known_metrics(self) -> set[str]:
        """Metric names the tenant has (without dimensions)."""
        if self._metrics is None:
            async with self.db.tenant_session(self.tenant.id) as session:
                self._metrics = {m.metric for m in await list_metrics(session=session)}
        return self._metrics
