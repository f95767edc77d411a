"""Industry templates: which columns are candidate drivers, how each becomes a feature, and the default graph.

Expected daily columns (extra columns are ignored): the metric itself (e.g. ``revenue``, ``orders``,
``customers``, ``average_ticket``), and any of ``rain_mm``, ``temperature_c``, ``marketing_<channel>`` (daily
spend per channel), ``price_index`` (1.0 = base prices), ``is_holiday`` (0/1), ``stockout`` (0/1),
``staff_hours``; ``closed`` (0/1) marks days the business was shut (left out). Day of week, trend and the
yearly season are built from the dates.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import networkx as nx

#: Marketing spend windows tried (first and last day of lag): the one that fits best is kept.
SPEND_WINDOWS: tuple[tuple[int, int], ...] = ((0, 0), (1, 1), (0, 2), (1, 3), (0, 6), (1, 7))


@dataclass(frozen=True)
class DriverSpec:
    """One candidate driver: the source column, how it becomes a feature, and owner words for it."""

    name: str  # feature name, e.g. "rainy_day"
    column: str  # source column in the data
    label: str  # e.g. "rainy days (>1 mm)"
    transform: str  # "flag" (0/1), "threshold" (column > threshold), "log" (elasticity), "spend", "level"
    unit: str  # what one unit of the feature is, in owner words
    threshold: float = 0.0
    scale: float = 1.0  # feature = column / scale (e.g. spend per $10)
    follows_demand: bool = False  # planned from expected demand (staffing): a child of the other drivers


def marketing_spec(column: str) -> DriverSpec:
    """The spend driver for one ``marketing_<channel>`` column (per $10 of daily spend, lag chosen by fit)."""
    channel = column.removeprefix("marketing_")
    return DriverSpec(f"{channel}_spend", column, f"{channel} spend", "spend", "$10/day of spend", scale=10.0)


_WEATHER_AND_OPERATIONS = (
    DriverSpec("temperature", "temperature_c", "temperature", "level", "degree C warmer"),
    DriverSpec("price", "price_index", "prices", "log", "1% higher prices"),
    DriverSpec("holiday", "is_holiday", "public holidays", "flag", "holiday"),
    DriverSpec("stockout", "stockout", "stock-outs", "flag", "stock-out day"),
    DriverSpec("staffing", "staff_hours", "staff hours", "level", "extra staff hour", follows_demand=True),
)


def _rain(threshold: float) -> DriverSpec:
    return DriverSpec(
        "rainy_day",
        "rain_mm",
        f"rainy days (>{threshold:g} mm)",
        "threshold",
        "rainy day",
        threshold=threshold,
    )


#: Industry -> fixed candidate drivers (marketing channels are added for every ``marketing_*`` column).
TEMPLATES: dict[str, tuple[DriverSpec, ...]] = {
    "cafe": (_rain(1.0), *_WEATHER_AND_OPERATIONS),
    "restaurant": (_rain(1.0), *_WEATHER_AND_OPERATIONS),
    "bookshop": (_rain(1.0), *_WEATHER_AND_OPERATIONS),
    "retail": (_rain(2.0), *_WEATHER_AND_OPERATIONS),
    "default": (_rain(1.0), *_WEATHER_AND_OPERATIONS),
}


def drivers_for(industry: str, columns: Iterable[str]) -> list[DriverSpec]:
    """The template's drivers whose source column exists, plus one spend driver per marketing column."""
    cols = list(columns)
    base = TEMPLATES.get(industry.lower(), TEMPLATES["default"])
    found = [spec for spec in base if spec.column in cols]
    found += [marketing_spec(c) for c in cols if c.startswith("marketing_")]
    return found


def with_threshold(spec: DriverSpec, threshold: float) -> DriverSpec:
    """A copy of a threshold driver with another cut-off (e.g. a rainier place)."""
    return replace(spec, threshold=threshold, label=spec.label.split("(")[0] + f"(>{threshold:g} mm)")


def default_graph(
    metric: str,
    drivers: Iterable[DriverSpec],
    calendar: Iterable[str],
    extra_edges: Iterable[tuple[str, str]] = (),
    removed_edges: Iterable[tuple[str, str]] = (),
) -> nx.DiGraph:
    """Calendar terms cause every driver and the metric; drivers cause the metric; staffing follows demand."""
    specs = list(drivers)
    cal = list(calendar)
    g = nx.DiGraph()
    g.add_node(metric)
    for c in cal:
        g.add_edge(c, metric)
    demand = [s.name for s in specs if not s.follows_demand]
    for s in specs:
        g.add_edge(s.name, metric)
        for c in cal:
            g.add_edge(c, s.name)
        if s.follows_demand:
            for d in demand:
                g.add_edge(d, s.name)
    g.add_edges_from(extra_edges)
    g.remove_edges_from([e for e in removed_edges if g.has_edge(*e)])
    if not nx.is_directed_acyclic_graph(g):
        from analytics.evidence.errors import EvidenceError

        raise EvidenceError("The edited causal graph has a cycle; a driver cannot cause itself.")
    return g
