"""explain_change on the demo café, whose true causal model is known (connectors.demo.model)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from evidence_truth import STOCKOUT_WEEK, WEEK_BEFORE, true_instagram_slope

from analytics.evidence import ChangeExplanation, explain_change
from analytics.evidence.attribution import build_frame
from analytics.evidence.templates import drivers_for
from connectors.demo.businesses import DEMO_CAFE

FX = DEMO_CAFE.effects


def _driver(result: ChangeExplanation, name: str):
    return next(d for d in result.drivers if d.name == name)


def test_decomposition_adds_up_exactly(revenue_stockout: ChangeExplanation) -> None:
    product = next(p for p in revenue_stockout.decomposition if " x " in p.identity)
    assert product.identity == "revenue = orders x average_ticket"
    assert abs(product.residual) < 1e-6
    assert product.change == pytest.approx(revenue_stockout.change, rel=1e-9)
    weekdays = next(p for p in revenue_stockout.decomposition if "weekdays" in p.identity)
    assert abs(weekdays.residual) < 1e-6 and len(weekdays.parts) == 7


def test_stockout_week_is_named_first_for_revenue(revenue_stockout: ChangeExplanation) -> None:
    top = revenue_stockout.drivers[0]
    assert top.name == "stockout" and top.is_cause and top.contribution < 0
    assert "stock-outs" in revenue_stockout.verdict
    assert revenue_stockout.change < 0


def test_true_effects_recovered_on_customers(customers_stockout: ChangeExplanation) -> None:
    rain = _driver(customers_stockout, "rainy_day")
    assert rain.relative_lower <= FX.rain_effect <= rain.relative_upper and rain.confidence == "high"
    stock = _driver(customers_stockout, "stockout")
    assert stock.relative_lower <= FX.stockout_order_loss <= stock.relative_upper
    price = _driver(customers_stockout, "price")  # feature is log(price): the effect is the elasticity
    assert price.effect.lower <= FX.price_elasticity <= price.effect.upper
    holiday = _driver(customers_stockout, "holiday")
    assert (
        holiday.relative_upper < 0 and holiday.confidence == "high"
    )  # truth -25% of the multiplicative part


def test_instagram_lagged_lift_recovered(cafe: pd.DataFrame, customers_stockout: ChangeExplanation) -> None:
    ig = _driver(customers_stockout, "instagram_spend")
    assert ig.is_cause and ig.relative_effect > 0 and "after spending" in ig.lag
    frame, _ = build_frame(cafe, "customers", drivers_for("cafe", cafe.columns))
    truth_per_10 = true_instagram_slope(cafe, frame.data["instagram_spend"])  # customers per $10/day
    level = frame.level.mean()
    low, high = ig.relative_lower * level, ig.relative_upper * level
    assert low <= truth_per_10 <= high, (low, truth_per_10, high)


def test_placebos_and_demand_followers_are_not_causes(customers_stockout: ChangeExplanation) -> None:
    for name in ("flyers_spend", "temperature", "staffing"):
        assert not _driver(customers_stockout, name).is_cause, name
    assert any("email spend cannot be told apart" in n for n in customers_stockout.cannot_conclude)


def test_refutations_ran_and_labels_are_valid(customers_stockout: ChangeExplanation) -> None:
    rain = _driver(customers_stockout, "rainy_day")
    assert {r.name for r in rain.effect.refutations} == {
        "placebo treatment",
        "random common cause",
        "data subset",
    }
    assert all(r.passed for r in rain.effect.refutations)
    assert (
        abs(next(r for r in rain.effect.refutations if r.name == "placebo treatment").new_effect)
        < abs(rain.effect.estimate) / 2
    )
    assert {d.confidence for d in customers_stockout.drivers} <= {"high", "medium", "low", "none"}


def test_granger_finds_lagged_instagram_not_flyers(customers_stockout: ChangeExplanation) -> None:
    tests = {(g.cause, g.effect): g for g in customers_stockout.granger}
    assert tests[("instagram_spend", "metric")].significant
    assert not tests[("flyers_spend", "metric")].significant
    assert all(g.p_adjusted >= g.p_value for g in customers_stockout.granger)


def test_anomalies_in_stockout_week_blame_the_stockout(revenue_stockout: ChangeExplanation) -> None:
    assert revenue_stockout.anomalies, "the stock-out week should leave days below the forecast"
    low = [a for a in revenue_stockout.anomalies if a.direction == "below"]
    assert low and any("stock-outs" in d for a in low for d in a.likely_drivers)


def test_graph_ids_are_stable_and_json_ready(cafe: pd.DataFrame, revenue_stockout: ChangeExplanation) -> None:
    payload = json.loads(revenue_stockout.graph.to_json())
    ids = {e["id"] for e in payload["edges"]}
    assert "edge:rainy_day->revenue" in ids and "edge:instagram_spend->metric:granger" in ids
    assert len(ids) == len(payload["edges"])
    again = explain_change(
        cafe, "revenue", STOCKOUT_WEEK, WEEK_BEFORE, industry="cafe", refute=False, anomalies=False
    )
    assert {e.id for e in again.graph.edges} == ids


def test_injected_lift_is_detected_and_placebo_period_is_not(cafe: pd.DataFrame) -> None:
    data = cafe.copy()
    window = (data.index >= "2026-03-02") & (data.index <= "2026-03-15")
    data.loc[window, "customers"] *= 1.10
    kwargs = {"industry": "cafe", "refute": False, "granger": False, "anomalies": False}
    lifted = explain_change(
        data, "customers", ("2026-03-02", "2026-03-15"), ("2026-02-16", "2026-03-01"), **kwargs
    )
    shift = lifted.unexplained_effect
    assert shift is not None and shift.p_value < 0.05 and shift.lower <= 0.10 <= shift.upper
    placebo = explain_change(
        data, "customers", ("2026-05-04", "2026-05-17"), ("2026-04-20", "2026-05-03"), **kwargs
    )
    assert placebo.unexplained_effect is not None and placebo.unexplained_effect.p_value >= 0.05
    assert np.isfinite(lifted.unexplained)
