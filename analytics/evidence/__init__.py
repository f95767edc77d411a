"""Causal evidence engine: why a metric changed, did X work, what if, and the evidence graph.

Public API (stable): explain_change, estimate_effect, what_if, Effect, ChangeExplanation, WhatIf,
EvidenceGraph, EvidenceError. Pure: DataFrames in, dataclasses out.
"""

from analytics.evidence.effects import estimate_effect
from analytics.evidence.errors import EvidenceError
from analytics.evidence.explain import explain_change
from analytics.evidence.explanation import ChangeExplanation
from analytics.evidence.graph import Edge, EvidenceGraph, Node
from analytics.evidence.templates import TEMPLATES, DriverSpec
from analytics.evidence.types import (
    Anomaly,
    Contribution,
    Decomposition,
    Driver,
    Effect,
    GrangerResult,
    Refutation,
    WhatIf,
)
from analytics.evidence.whatif import what_if

__all__ = [
    "TEMPLATES",
    "Anomaly",
    "ChangeExplanation",
    "Contribution",
    "Decomposition",
    "Driver",
    "DriverSpec",
    "Edge",
    "Effect",
    "EvidenceError",
    "EvidenceGraph",
    "GrangerResult",
    "Node",
    "Refutation",
    "WhatIf",
    "estimate_effect",
    "explain_change",
    "what_if",
]
