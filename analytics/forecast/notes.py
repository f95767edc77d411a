"""The short plain-language note on how far a forecast can be trusted."""

from __future__ import annotations

from analytics.forecast.prepare import Prepared

LABELS = {
    "seasonal_naive": "same as last season",
    "recent_mean": "recent average",
    "ets": "exponential smoothing",
    "arima": "ARIMA",
    "theta": "Theta",
    "prophet": "Prophet",
    "lightgbm": "gradient boosting",
    "croston": "Croston",
    "tsb": "TSB intermittent demand",
}


def describe_history(prep: Prepared) -> str:
    """'2 years of daily history' style phrase."""
    n = int(prep.observed.notna().sum())
    per_year = {"D": 365, "W": 52, "M": 12, "Q": 4, "Y": 1}[prep.kind]
    if n >= 2 * per_year and prep.kind != "Y":
        return f"{n / per_year:.1f} years of {_adjective(prep.kind)} history"
    if prep.kind == "D" and n >= 14:
        return f"{n // 7} weeks of daily history"
    return f"{n} {prep.unit}s of history"


def _adjective(kind: str) -> str:
    return {"D": "daily", "W": "weekly", "M": "monthly", "Q": "quarterly", "Y": "yearly"}[kind]


def reliability_note(
    prep: Prepared,
    weights: dict[str, float],
    scores: dict[str, dict[str, float]],
    dropped: dict[str, str],
    tested_steps: int,
) -> str:
    """One or two sentences: how much history, which methods, how accurate in testing, what was odd."""
    parts: list[str] = []
    history = describe_history(prep)
    if tested_steps == 0:
        parts.append(f"Only {history}: too little to test the forecast, so the range is wide.")
    else:
        blend = ", ".join(
            f"{LABELS.get(k, k)} {v:.0%}" for k, v in sorted(weights.items(), key=lambda kv: -kv[1])
        )
        ens = scores.get("ensemble", {})
        base = scores.get("seasonal_naive", {}).get("mase")
        line = f"Based on {history}; blend of {blend}."
        if ens and base:
            gain = 1 - ens["mase"] / base if base > 0 else 0.0
            line += (
                f" Tested on the last {tested_steps} {prep.unit}s at several points in the past it was off by "
                f"{ens['smape']:.0f}% on average ({gain:+.0%} vs. repeating last season)."
            )
        parts.append(line)
        if tested_steps and prep.observed.notna().sum() < 3 * max(prep.season, 8):
            parts.append("The history is short, so the range is wide.")
    if prep.intermittent:
        parts.append(
            "Sales are sporadic (many zero periods): the forecast is an average rate, not exact days."
        )
    if prep.closed_weekdays:
        names = ", ".join(
            ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][d] for d in sorted(prep.closed_weekdays)
        )
        parts.append(f"Closed on {names}: forecast as zero.")
    gaps = int(prep.observed.isna().sum())
    if gaps:
        parts.append(f"{gaps} missing {prep.unit}s were filled in.")
    skipped = [LABELS.get(k, k) for k, why in dropped.items() if "time budget" in why]
    if skipped:
        parts.append(f"Skipped for speed: {', '.join(skipped)}.")
    return " ".join(parts)
