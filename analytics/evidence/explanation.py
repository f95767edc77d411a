"""The answer of ``explain_change``: what changed, by how much, which drivers account for it, and the evidence graph.

It sits apart from ``types`` because it holds an ``EvidenceGraph``, whose module itself builds on ``types``: one
direction, types <- graph <- explanation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from analytics.evidence.graph import EvidenceGraph
from analytics.evidence.types import Anomaly, Decomposition, Driver, Effect, GrangerResult, Period


@dataclass(frozen=True)
class ChangeExplanation:
    """Why ``metric`` changed between two periods: decomposition, ranked drivers, Granger tests, anomalies."""

    metric: str
    period: Period
    baseline_period: Period
    baseline_value: float  # per-day mean in the baseline period
    current_value: float
    change: float  # per-day mean change
    change_pct: float
    decomposition: tuple[Decomposition, ...]
    drivers: tuple[Driver, ...]  # ranked: named causes first, by absolute contribution
    unexplained: float  # per-day change the drivers do not account for
    unexplained_effect: Effect | None  # the period's shift beyond all drivers (a lift/drop test)
    granger: tuple[GrangerResult, ...]
    anomalies: tuple[Anomaly, ...]
    verdict: str
    graph: EvidenceGraph
    cannot_conclude: tuple[str, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)
