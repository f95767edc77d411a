"""How a business runs day to day (opening hours, how busy each hour is, how many customers each role serves).

A tenant's own settings win (``tenants.operations``); these industry defaults fill the gaps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Operations:
    """Opening hours, the share of a day's customers in each open hour, and staffing rates per role."""

    opening_hours: tuple[int, int]
    hourly_profile: tuple[float, ...]
    service_rates: dict[str, float]  # customers one person in the role serves per hour
    minimum_staff: dict[str, int] = field(default_factory=dict)  # people needed in every open hour

    def rate(self, role: str) -> float:
        """Customers per hour for ``role`` (30 when unknown)."""
        return self.service_rates.get(role, 30.0)


def _profile(weights: tuple[float, ...]) -> tuple[float, ...]:
    total = sum(weights)
    return tuple(w / total for w in weights)


DEFAULTS: dict[str, Operations] = {
    "cafe": Operations(
        (7, 21),
        _profile((4, 10, 11, 8, 7, 9, 10, 8, 7, 7, 7, 5, 4, 3)),
        {"barista": 25.0, "cashier": 60.0, "kitchen": 45.0},
        {"barista": 1},
    ),
    "restaurant": Operations(
        (11, 23),
        _profile((3, 9, 11, 7, 4, 3, 4, 9, 13, 14, 12, 6)),
        {"server": 15.0, "cook": 25.0, "host": 60.0},
        {"server": 1, "cook": 1},
    ),
    "bookshop": Operations(
        (10, 20),
        _profile((6, 8, 10, 12, 12, 11, 11, 10, 10, 10)),
        {"bookseller": 20.0, "cashier": 45.0, "stockroom": 500.0},
        {"bookseller": 1},
    ),
    "retail": Operations(
        (9, 18), _profile((6, 9, 11, 13, 14, 13, 12, 11, 11)), {"sales": 20.0, "cashier": 40.0}, {"sales": 1}
    ),
}
GENERIC = Operations((9, 17), _profile((1,) * 8), {}, {})


def operations_for(industry: str, overrides: dict[str, Any] | None = None) -> Operations:
    """The tenant's operations: its own settings over the industry's defaults."""
    base = DEFAULTS.get(industry, GENERIC)
    if not overrides:
        return base
    hours = tuple(overrides.get("opening_hours", base.opening_hours))
    profile = overrides.get("hourly_profile")
    if profile is None or len(profile) != hours[1] - hours[0]:
        profile = (
            base.hourly_profile if hours == base.opening_hours else _profile((1,) * (hours[1] - hours[0]))
        )
    return Operations(
        (int(hours[0]), int(hours[1])),
        _profile(tuple(float(p) for p in profile)),
        {**base.service_rates, **overrides.get("service_rates", {})},
        {**base.minimum_staff, **overrides.get("minimum_staff", {})},
    )
