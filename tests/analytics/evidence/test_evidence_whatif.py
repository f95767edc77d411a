"""what_if on the demo café: price, instagram spend (shared response curves), hours; and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.evidence import EvidenceError, explain_change, what_if
from connectors.demo.businesses import DEMO_CAFE


def test_price_rise_lowers_customers_and_big_rises_are_extrapolation(cafe: pd.DataFrame) -> None:
    small = what_if(cafe, {"price": 0.05}, "customers", 28, industry="cafe")
    assert small.total_change < 0 and not small.extrapolation
    assert len(small.counterfactual) == 28 and (small.lower <= small.counterfactual).all()
    big = what_if(cafe, {"price": 0.30}, "customers", 28, industry="cafe")
    assert big.extrapolation and any("never saw" in w for w in big.warnings)


def test_instagram_what_if_matches_the_true_curve(cafe: pd.DataFrame) -> None:
    fx = DEMO_CAFE.effects
    result = what_if(cafe, {"marketing_instagram": 0.5}, "customers", 14, industry="cafe")
    now = cafe["marketing_instagram"].tail(28).mean()
    truth = (
        fx.instagram_beta
        * (np.log1p(now * 1.5 / fx.instagram_half_saturation) - np.log1p(now / fx.instagram_half_saturation))
        * 14
    )
    assert result.total_change_lower <= truth <= result.total_change_upper
    assert "response curve" in result.method


def test_opening_hours_never_seen_is_flagged(cafe: pd.DataFrame) -> None:
    result = what_if(cafe, {"opening_hours": 0.1}, "revenue", 7)
    assert result.extrapolation and "assumption" in result.warnings[0]


def test_bad_input(cafe: pd.DataFrame) -> None:
    with pytest.raises(EvidenceError, match="Unknown intervention"):
        what_if(cafe, {"weather": 1.0}, "revenue", 7)
    with pytest.raises(EvidenceError, match="no 'profit' column"):
        explain_change(cafe, "profit", ("2025-08-11", "2025-08-17"), ("2025-08-04", "2025-08-10"))
    with pytest.raises(EvidenceError, match="not inside the data"):
        explain_change(cafe, "revenue", ("2030-01-01", "2030-01-07"), ("2025-08-04", "2025-08-10"))
    with pytest.raises(EvidenceError, match="at least 56"):
        explain_change(cafe.tail(30), "revenue", ("2026-10-25", "2026-10-31"), ("2026-10-18", "2026-10-24"))


def test_constant_and_collinear_drivers_are_reported_not_estimated(cafe: pd.DataFrame) -> None:
    data = cafe.loc["2025-09-01":].copy()  # after the price change: prices never move
    data["rain_copy"] = data["rain_mm"]
    result = explain_change(
        data,
        "customers",
        ("2026-10-25", "2026-10-31"),
        ("2026-10-18", "2026-10-24"),
        refute=False,
        granger=False,
        anomalies=False,
    )
    assert any("prices never changed" in n for n in result.cannot_conclude)
    assert "price" not in {d.name for d in result.drivers}
