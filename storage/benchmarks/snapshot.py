"""The bundled snapshot of published industry ratios (``data/industry_benchmarks.csv``), read as rows.

Convention: shares and margins are percentages (0-100; a net margin may be negative), money is in ``unit``.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

SNAPSHOT = Path(__file__).with_name("data") / "industry_benchmarks.csv"
COLUMNS = ("industry", "metric", "country", "year", "value", "low", "high", "unit", "source", "source_url")
KEY = ("industry", "metric", "country", "year")


def read_snapshot(path: Path = SNAPSHOT) -> list[dict[str, Any]]:
    """Every row of the snapshot with numbers parsed (empty low/high become None)."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise ValueError(f"{path.name}: expected columns {', '.join(COLUMNS)}")
        return [_parse(row) for row in reader]


def _parse(row: dict[str, str]) -> dict[str, Any]:
    def number(text: str) -> float | None:
        return float(text) if text.strip() else None

    return {
        **row,
        "year": int(row["year"]),
        "value": float(row["value"]),
        "low": number(row["low"]),
        "high": number(row["high"]),
    }
