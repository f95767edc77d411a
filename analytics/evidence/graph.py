"""The evidence graph: drivers and metrics as nodes, measured effects as edges, with stable ids as JSON."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from analytics.evidence.types import Driver, GrangerResult


def slug(name: str) -> str:
    """A stable id fragment from a name (lower case, non-alphanumerics to underscores)."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


@dataclass(frozen=True)
class Node:
    """A metric or driver in the graph."""

    id: str  # "node:<name>"
    name: str
    label: str
    kind: str  # "metric" or "driver"


@dataclass(frozen=True)
class Edge:
    """A measured relation ``source -> target`` with its effect size, p-value, method and date range."""

    id: str  # "edge:<source>-><target>" (plus ":granger" for Granger edges)
    source: str
    target: str
    effect: float | None
    lower: float | None
    upper: float | None
    unit: str
    p_value: float
    method: str
    confidence: str
    date_from: str
    date_to: str
    n: int = 0


@dataclass(frozen=True)
class EvidenceGraph:
    """Nodes and edges ready for the ``evidence_graph`` table; ids depend only on names, so re-runs upsert."""

    nodes: tuple[Node, ...] = ()
    edges: tuple[Edge, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (JSON-ready)."""
        return {
            "nodes": [asdict(n) for n in self.nodes],
            "edges": [asdict(e) for e in self.edges],
            "meta": dict(self.meta),
        }

    def to_json(self) -> str:
        """JSON text with sorted keys (stable across runs for the same results)."""
        return json.dumps(self.to_dict(), sort_keys=True, default=str)

    def edge(self, edge_id: str) -> Edge | None:
        """The edge with this id, if present."""
        return next((e for e in self.edges if e.id == edge_id), None)


def build_graph(
    metric: str, drivers: Sequence[Driver], granger: Sequence[GrangerResult], span: tuple[date, date]
) -> EvidenceGraph:
    """Graph of one explanation: a node per driver and metric, an edge per measured effect."""
    nodes = {metric: Node(f"node:{slug(metric)}", metric, metric, "metric")}
    edges: dict[str, Edge] = {}
    start, end = (d.isoformat() for d in span)
    for d in drivers:
        nodes.setdefault(d.name, Node(f"node:{slug(d.name)}", d.name, d.label, "driver"))
        eid = f"edge:{slug(d.name)}->{slug(metric)}"
        edges[eid] = Edge(
            eid,
            nodes[d.name].id,
            nodes[metric].id,
            d.relative_effect,
            d.relative_lower,
            d.relative_upper,
            f"relative change per {d.unit}",
            d.effect.p_value,
            d.effect.method,
            d.confidence,
            start,
            end,
            d.effect.n,
        )
    for g in granger:
        for name in (g.cause, g.effect):
            nodes.setdefault(
                name, Node(f"node:{slug(name)}", name, name, "metric" if name == metric else "driver")
            )
        eid = f"edge:{slug(g.cause)}->{slug(g.effect)}:granger"
        edges[eid] = Edge(
            eid,
            nodes[g.cause].id,
            nodes[g.effect].id,
            None,
            None,
            None,
            f"lag {g.lag} days",
            g.p_adjusted,
            "Granger causality (F-test, AIC lag order, Holm-corrected)",
            "medium" if g.significant else "none",
            start,
            end,
        )
    return EvidenceGraph(tuple(nodes.values()), tuple(edges.values()), {"metric": metric})
