"""How owners name metrics: canonical names, units and the synonyms that map onto them."""

from __future__ import annotations

import difflib
import re

# canonical metric -> words and phrases owners use for it (lowercase)
SYNONYMS: dict[str, tuple[str, ...]] = {
    "revenue": (
        "revenue",
        "sales",
        "takings",
        "turnover",
        "income",
        "money coming in",
        "gross sales",
        "sold",
    ),
    "orders": ("orders", "transactions", "tickets", "receipts", "checks", "sales count", "number of sales"),
    "customers": (
        "customers",
        "footfall",
        "visitors",
        "guests",
        "covers",
        "people",
        "foot traffic",
        "traffic",
        "clients",
        "shoppers",
        "walk-ins",
    ),
    "average_ticket": (
        "average ticket",
        "avg ticket",
        "average order value",
        "aov",
        "basket size",
        "average sale",
        "spend per customer",
        "average spend",
        "spend per head",
        "per head",
        "ticket size",
        "check size",
    ),
    "cogs": (
        "cogs",
        "cost of goods",
        "cost of goods sold",
        "cost of sales",
        "food cost",
        "stock cost",
        "product cost",
        "ingredient cost",
    ),
    "labour_cost": (
        "labour cost",
        "labor cost",
        "wages",
        "payroll",
        "staff cost",
        "wage bill",
        "labour",
        "labor",
    ),
    "staff_hours": ("staff hours", "hours worked", "labour hours", "labor hours", "shifts", "rota hours"),
    "marketing_spend": (
        "marketing spend",
        "marketing",
        "ad spend",
        "ads",
        "advertising",
        "promotion",
        "campaign spend",
        "instagram",
        "google ads",
        "flyers",
        "newsletter",
    ),
    "units_sold": ("units sold", "units", "items sold", "quantity sold", "volume"),
    "stock_on_hand": ("stock", "inventory", "stock on hand", "stock level", "on hand"),
    "rain_mm": ("rain", "rainfall", "weather"),
    "temperature_c": ("temperature", "temp", "heat", "cold"),
    "price_index": ("prices", "price level", "price index", "pricing"),
    "returns": ("returns", "refunds", "cancellations"),
}
CHANNELS = ("instagram", "google", "email", "flyers")
# channel -> words owners use for it (lowercase); the offline model reads marketing channels with these
CHANNEL_SYNONYMS: dict[str, tuple[str, ...]] = {
    "instagram": ("instagram", "insta", "ig", "social media", "facebook", "meta ads"),
    "google": ("google", "google ads", "adwords", "search ads"),
    "email": ("email", "e-mail", "newsletter", "mailing list", "mailshot"),
    "flyers": ("flyers", "flyer", "leaflets", "leaflet", "posters", "print ads"),
}
CURRENCY_METRICS = frozenset(
    {"revenue", "average_ticket", "cogs", "labour_cost", "marketing_spend", "returns"}
)
AVERAGED_METRICS = frozenset({"average_ticket", "price_index", "temperature_c", "stock_on_hand"})


def normalise(text: str) -> str:
    """Lowercase, straight quotes, single spaces."""
    return re.sub(r"\s+", " ", text.lower().replace("’", "'")).strip()


def canonical_metric(name: str, known: set[str] | None = None) -> str | None:
    """The canonical metric an owner's word means (None if no synonym matches), preferring ``known`` metrics."""
    word = normalise(name).replace("_", " ")
    for metric, words in SYNONYMS.items():
        if word == metric.replace("_", " ") or word in words:
            if known is None or metric in known:
                return metric
    if known and name in known:
        return name
    return None


def mentioned_metrics(text: str) -> list[str]:
    """Canonical metrics mentioned in free text, in order of first mention (longest phrases win)."""
    low = f" {normalise(text)} "
    found: list[tuple[int, str]] = []
    for metric, words in SYNONYMS.items():
        for phrase in sorted({metric.replace("_", " "), *words}, key=len, reverse=True):
            match = re.search(rf"(?<![a-z]){re.escape(phrase)}(?![a-z])", low)
            if match:
                found.append((match.start(), metric))
                break
    return [m for _, m in sorted(found)]


def closest_metrics(name: str, known: set[str], n: int = 3) -> list[str]:
    """The known metric names closest to a misspelt or unknown one."""
    candidates = {m.replace("_", " "): m for m in known}
    for metric, words in SYNONYMS.items():
        if metric in known:
            candidates.update(dict.fromkeys(words, metric))
    matches = difflib.get_close_matches(normalise(name), list(candidates), n=n * 3, cutoff=0.5)
    return list(dict.fromkeys(candidates[m] for m in matches))[:n]
