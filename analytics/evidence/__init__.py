"""Causal evidence engine: why a metric changed, did X work, what if, and the evidence graph."""

from analytics.evidence.effects import estimate_effect
from analytics.evidence.errors import EvidenceError
from analytics.evidence.types import Effect, Refutation

__all__ = ["Effect", "EvidenceError", "Refutation", "estimate_effect"]
