"""Budget allocation: hand-computed optima, value cut-off, bounds, infeasible minimums, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.optimize import OptimizationError, ResponseCurve, allocate_budget, fit_response_curves


def _two() -> list[ResponseCurve]:
    return [ResponseCurve.from_params("a", 30, 50), ResponseCurve.from_params("b", 10, 25)]


@pytest.mark.parametrize("total", [20.0, 100.0, 400.0])
def test_matches_the_equal_marginal_solution(total: float) -> None:
    # beta_a / (h_a + s_a) = beta_b / (h_b + s_b) with s_a + s_b = T, solved by hand for s_a.
    s_a = (30 * (25 + total) - 10 * 50) / 40
    s_a = min(max(s_a, 0.0), total)
    plan = allocate_budget(_two(), total)
    assert plan.spend()["a"] == pytest.approx(s_a, abs=total / 400 + 1e-6)
    assert plan.total_spend == pytest.approx(total)
    assert plan.info.status == "optimal"
    if 0 < s_a < total:
        m = plan.explanation.shadow
        assert m["a"] == pytest.approx(m["b"], rel=0.02)
        assert m["budget"] == pytest.approx(m["a"], rel=0.02)  # re-solving with $1 more agrees with the slope


def test_value_per_outcome_stops_where_a_dollar_no_longer_pays() -> None:
    plan = allocate_budget(_two(), 500.0, value_per_outcome=2.0)
    # 2 * 30 / (50 + s) = 1  ->  s = 10;  2 * 10 / (25 + s) = 1 -> s = 0 (never pays)
    assert plan.spend()["a"] == pytest.approx(10.0, abs=1.5)
    assert plan.spend()["b"] == pytest.approx(0.0, abs=1.5)
    assert not any("daily budget" in b for b in plan.explanation.binding)


def test_bounds_are_respected_and_named_when_binding() -> None:
    plan = allocate_budget(_two(), 100.0, bounds={"a": (0.0, 40.0), "b": (5.0, 100.0)})
    assert plan.spend()["a"] == pytest.approx(40.0, abs=0.3)
    assert plan.spend()["b"] == pytest.approx(60.0, abs=0.3)
    assert any("cap on a" in b for b in plan.explanation.binding)


def test_minimums_over_budget_are_an_infeasible_plan_with_the_conflict_named() -> None:
    plan = allocate_budget(_two(), 100.0, bounds={"a": (70.0, 100.0), "b": (50.0, 80.0)})
    assert plan.info.status == "infeasible" and plan.channels == []
    text = plan.explanation.text()
    assert "$120" in text and "at least $70.00 on a" in text and "at least $50.00 on b" in text


def test_lift_range_from_a_joint_fit_brackets_the_point_estimate() -> None:
    rng = np.random.default_rng(5)
    spend = pd.DataFrame({"a": rng.uniform(0, 150, 300), "b": rng.uniform(0, 80, 300)})
    y = pd.Series(
        50 + 30 * np.log1p(spend["a"] / 50) + 10 * np.log1p(spend["b"] / 25) + rng.normal(0, 2, 300)
    )
    curves = fit_response_curves(spend, y, n_boot=30)
    plan = allocate_budget(curves, 100.0)
    low, high = plan.lift_range
    assert low <= plan.expected_lift <= high and high > low
    assert plan.spend()["a"] == pytest.approx(81.25, abs=12)  # the true curves' optimum


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"total": 0.0}, "more than zero"),
        ({"total": 100.0, "bounds": {"c": (0, 1)}}, "no response curve for c"),
        ({"total": 100.0, "bounds": {"a": (5, 1)}}, "minimum <= maximum"),
        ({"total": 100.0, "value_per_outcome": -1.0}, "more than zero"),
        ({"total": float("nan")}, "more than zero"),
        ({"total": 100.0, "bounds": {"a": (float("nan"), 10)}}, "minimum <= maximum"),
        ({"total": 100.0, "value_per_outcome": float("nan")}, "more than zero"),
    ],
)
def test_bad_input_is_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(OptimizationError, match=message):
        allocate_budget(_two(), **kwargs)


def test_no_channels_is_refused() -> None:
    with pytest.raises(OptimizationError, match="no marketing channels"):
        allocate_budget([], 10.0)
