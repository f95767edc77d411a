"""The one error the evidence engine raises: something an owner can read and act on."""

from __future__ import annotations


class EvidenceError(ValueError):
    """Raised when the data cannot support the question asked (too little data, missing metric, bad period...)."""
