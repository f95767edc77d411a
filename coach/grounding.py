"""Checking that every figure in an answer came from a tool result (or the owner's own message)."""

from __future__ import annotations

import re
from collections.abc import Iterable

NUMBER = re.compile(r"(?<![\w.])[-+−]?[$£€¥₹]?\d[\d,]*(?:\.\d+)?(?:\s?[kKmM](?![a-zA-Z]))?%?")
SMALL = 12  # counts like "3 points" or "top 5" need no source


def _value(token: str) -> float | None:
    text = token.replace("−", "-").replace(",", "").strip()
    text = re.sub(r"[$£€¥₹%+\s]", "", text)
    scale = 1.0
    if text[-1:] in "kK":
        scale, text = 1_000.0, text[:-1]
    elif text[-1:] in "mM":
        scale, text = 1_000_000.0, text[:-1]
    try:
        return abs(float(text)) * scale
    except ValueError:
        return None


def numbers(text: str) -> list[float]:
    """Every number written in the text, as absolute values ("$1,234" -> 1234.0, "-4.2%" -> 4.2)."""
    found = (_value(m.group()) for m in NUMBER.finditer(text))
    return [v for v in found if v is not None]


def _matches(value: float, known: set[float]) -> bool:
    if value in known:
        return True
    for k in known:  # rounding: "$19k" for 19,034; "4%" for 4.2; "2,719" for 2719.1
        if k and abs(value - k) <= max(0.51, abs(k) * 0.006, 0.05 * abs(k) if value % 1000 == 0 else 0):
            return True
        if k and abs(value - 100 * k) <= 0.051 * max(1.0, abs(100 * k)):  # 0.042 written as 4.2%
            return True
    return False


def ungrounded(answer: str, evidence: Iterable[str]) -> list[float]:
    """Figures in ``answer`` that appear in none of the ``evidence`` texts (small counts and years excepted)."""
    known: set[float] = set()
    for text in evidence:
        known.update(numbers(text))
    missing = []
    for value in numbers(answer):
        if value <= SMALL or (1990 <= value <= 2100 and value == int(value)):
            continue
        if not _matches(value, known):
            missing.append(value)
    return missing
