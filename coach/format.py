"""Numbers as owners read them: money in the tenant's currency, counts, percentages, date ranges."""

from __future__ import annotations

from datetime import date

from coach.vocabulary import CURRENCY_METRICS

SYMBOLS = {"USD": "$", "GBP": "£", "EUR": "€", "AUD": "A$", "CAD": "C$", "NZD": "NZ$", "JPY": "¥", "INR": "₹"}


def money(value: float, currency: str, *, cents: bool = False) -> str:
    """``$1,234`` (or ``$1,234.50`` with cents); negative as ``-$1,234``."""
    symbol = SYMBOLS.get(currency.upper())
    amount = f"{abs(value):,.2f}" if cents else f"{abs(value):,.0f}"
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {currency.upper()}"


def quantity(value: float, metric: str, currency: str) -> str:
    """A metric value with its unit: money for money metrics, else a plain number."""
    base = metric.split("[", 1)[0]
    if base in CURRENCY_METRICS:
        return money(value, currency, cents=base == "average_ticket" or abs(value) < 100)
    if base == "staff_hours":
        return f"{value:,.1f} hours"
    if base in ("rain_mm",):
        return f"{value:,.1f} mm"
    if base in ("temperature_c",):
        return f"{value:,.1f} °C"
    if abs(value) < 10 and value != int(value):
        return f"{value:,.2f}"
    return f"{value:,.0f}"


def percent(value: float, *, signed: bool = True) -> str:
    """``+4.2%`` from 0.042."""
    return f"{value:+.1%}" if signed else f"{value:.1%}"


def day_range(start: date, end: date) -> str:
    """``16-22 Nov 2026`` style range."""
    if start == end:
        return f"{start:%-d %b %Y}"
    if start.year == end.year and start.month == end.month:
        return f"{start:%-d}-{end:%-d %b %Y}"
    if start.year == end.year:
        return f"{start:%-d %b}-{end:%-d %b %Y}"
    return f"{start:%-d %b %Y}-{end:%-d %b %Y}"


def metric_label(metric: str) -> str:
    """``average_ticket`` -> ``average ticket``; ``marketing_spend[channel:instagram]`` -> ``instagram spend``."""
    name, _, dimension = metric.partition("[")
    if dimension:
        kind, _, value = dimension.rstrip("]").partition(":")
        return f"{value} spend" if name == "marketing_spend" else f"{name.replace('_', ' ')} of {value}"
    return name.replace("_", " ")
