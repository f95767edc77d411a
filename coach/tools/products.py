"""Which of the business's products an owner means by the words they use ("the almond croissants", "cups")."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from storage.catalog.models import Product

PACKAGING = frozenset(
    {"bag", "bags", "box", "boxes", "pack", "packs", "case", "cases", "tub", "tubs", "unit"}
)


def _stem(word: str) -> str:
    """A crude singular: "croissants" -> "croissant", "boxes" -> "box", "pastries" -> "pastry"."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") and not word.endswith("ss") and len(word) > 3 else word


def _words(text: str) -> list[str]:
    return [_stem(w) for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in PACKAGING]


def _score(wanted: list[str], product: Product) -> float:
    """The share of the wanted words found in the product's name (close spellings count); nothing unless the
    last word, the thing itself, is among them ("tea towels" is not a pot of tea)."""
    name = _words(product.name)

    def found(word: str) -> bool:
        return word in name or bool(difflib.get_close_matches(word, name, n=1, cutoff=0.85))

    if not wanted or not found(wanted[-1]):
        return 0.0
    return sum(1 for w in wanted if found(w)) / len(wanted)


def match_products(products: Sequence[Product], wanted: Sequence[str]) -> tuple[list[Product], list[str]]:
    """The products the words name (by code, by name, or by most of their words), and the words that named none.

    Each wanted phrase picks the products that match it best, if its last word and at least half of its words
    are in their name.
    """
    chosen: list[Product] = []
    unknown: list[str] = []
    for phrase in wanted:
        text = phrase.strip().lower()
        exact = [p for p in products if text in (p.sku.lower(), p.name.lower())]
        if exact:
            chosen += [p for p in exact if p not in chosen]
            continue
        words = _words(text)
        scored = [(_score(words, p), p) for p in products]
        best = max((score for score, _ in scored), default=0.0)
        if best < 0.5:
            unknown.append(phrase)
            continue
        chosen += [p for score, p in scored if score == best and p not in chosen]
    return chosen, unknown
