"""Business ratios on hand-computed numbers, and comparisons with published figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import pytest

from analytics.ratios import Ratio, compare, compute_ratios

PERIOD = (date(2025, 3, 1), date(2025, 3, 10))  # 10 days


def metrics(days: int = 10, start: str = "2025-03-01") -> pd.DataFrame:
    index = pd.date_range(start, periods=days, freq="D", tz="UTC")
    return pd.DataFrame(
        {
            "revenue": 1000.0,
            "cogs": 300.0,
            "labour_cost": 250.0,
            "marketing_spend[channel:google]": 30.0,
            "marketing_spend[channel:instagram]": 20.0,
            "orders": 100.0,
            "average_ticket": 10.0,
        },
        index=index,
    )


@dataclass(frozen=True)
class Figure:
    metric: str
    value: float
    low: float | None = None
    high: float | None = None
    unit: str = "percent"
    source: str = "Test Survey 2024: a figure"
    year: int = 2024
    country: str = "US"
    note: str = ""


def ratio(name: str, value: float, unit: str = "percent") -> dict[str, Ratio]:
    return {name: Ratio(name, name, value, unit, value, 100.0)}


def test_ratios_on_hand_computed_numbers() -> None:
    r = compute_ratios(metrics(), headcount=5, period=PERIOD)
    assert r["labour_cost_pct"].value == pytest.approx(25.0)  # 2,500 / 10,000
    assert r["cogs_pct"].value == pytest.approx(30.0)  # 3,000 / 10,000
    assert r["gross_margin"].value == pytest.approx(70.0)  # (10,000 - 3,000) / 10,000
    assert r["net_margin"].value == pytest.approx(40.0)  # (10,000 - 3,000 - 2,500 - 500) / 10,000
    assert r["average_ticket"].value == pytest.approx(10.0)  # 10,000 / 1,000 orders
    assert r["revenue_per_employee"].value == pytest.approx(73_000.0)  # 10,000 / 10 days * 365 / 5
    assert (r["labour_cost_pct"].numerator, r["labour_cost_pct"].denominator) == (2500.0, 10_000.0)


def test_net_margin_is_labelled_as_a_proxy_without_rent_and_overheads() -> None:
    net = compute_ratios(metrics(), headcount=None, period=PERIOD)["net_margin"]
    assert "proxy" in net.label and "rent" in net.label
    assert "overheads" in net.note


def test_only_days_inside_the_period_count() -> None:
    frame = metrics(days=20, start="2025-02-24")  # 24 Feb .. 15 Mar
    frame.loc[frame.index < pd.Timestamp("2025-03-01", tz="UTC"), "labour_cost"] = 900.0
    r = compute_ratios(frame, headcount=None, period=PERIOD)
    assert r["labour_cost_pct"].numerator == pytest.approx(2500.0)
    assert r["labour_cost_pct"].denominator == pytest.approx(10_000.0)


def test_revenue_per_employee_annualises_over_the_days_with_data() -> None:
    frame = metrics(days=5)  # 1-5 March only, inside a 10-day period
    value = compute_ratios(frame, headcount=2, period=PERIOD)["revenue_per_employee"].value
    assert value == pytest.approx(5000 / 5 * 365 / 2)


def test_missing_inputs_leave_ratios_out() -> None:
    frame = metrics()[["revenue", "average_ticket"]]
    r = compute_ratios(frame, headcount=None, period=PERIOD)
    assert set(r) == {"average_ticket"}
    assert "mean of daily averages" in r["average_ticket"].note
    assert compute_ratios(metrics().assign(revenue=0.0), headcount=3, period=PERIOD) == {}


def test_weighted_average_ticket_uses_orders() -> None:
    frame = metrics(days=2)
    frame["revenue"] = [1000.0, 300.0]
    frame["orders"] = [100.0, 10.0]
    ticket = compute_ratios(frame, headcount=None, period=PERIOD)["average_ticket"].value
    assert ticket == pytest.approx(1300 / 110)


def test_cost_share_below_the_range_is_better_and_above_is_worse() -> None:
    cafe = [Figure("labour_cost_pct", 32.5, 30, 35), Figure("cogs_pct", 30, 25, 35)]
    cogs, labour = compare(
        {**ratio("labour_cost_pct", 25.0), **ratio("cogs_pct", 40.0)}, cafe
    )  # metric order
    assert (labour.metric, labour.verdict, labour.lower_is_better) == ("labour_cost_pct", "better", True)
    assert (cogs.metric, cogs.verdict) == ("cogs_pct", "worse")
    assert "40.0%" in cogs.sentence and "25.0% to 35.0%" in cogs.sentence
    assert "Test Survey 2024" in cogs.sentence and "2024" in cogs.sentence


def test_margin_inside_the_range_is_in_line() -> None:
    (result,) = compare(ratio("gross_margin", 70.0), [Figure("gross_margin", 70, 65, 75)])
    assert result.verdict == "in range" and "in line" in result.sentence


def test_margin_above_the_range_is_better_and_below_is_worse() -> None:
    above, below = (
        compare(ratio("gross_margin", v), [Figure("gross_margin", 70, 65, 75)])[0] for v in (80.0, 50.0)
    )
    assert (above.verdict, below.verdict) == ("better", "worse")


def test_net_margin_proxy_above_the_benchmark_is_unclear_but_below_is_worse() -> None:
    published = [Figure("net_margin", 12.5, 10, 15)]
    (high,) = compare(ratio("net_margin", 40.0), published)
    (low,) = compare(ratio("net_margin", 5.0), published)
    assert high.verdict == "unclear" and "rent and overheads" in high.sentence.lower()
    assert low.verdict == "worse" and "true gap is larger" in low.sentence


def test_single_figure_gets_a_one_point_band_and_ceilings_work() -> None:
    (near,) = compare(ratio("cogs_pct", 30.8), [Figure("cogs_pct", 30.0)])
    (far,) = compare(ratio("cogs_pct", 32.0), [Figure("cogs_pct", 30.0)])
    (ceiling,) = compare(ratio("cogs_pct", 12.0), [Figure("cogs_pct", 10.0, None, 10.0)])
    assert (near.verdict, far.verdict, ceiling.verdict) == ("in range", "worse", "worse")
    assert "at most 10.0%" in ceiling.sentence


def test_average_ticket_is_compared_without_a_better_direction() -> None:
    (result,) = compare(ratio("average_ticket", 8.0, "USD"), [Figure("average_ticket", 5.0, unit="USD")])
    assert result.verdict == "above" and result.lower_is_better is None
    assert "8.00 USD" in result.sentence and "about 5.00 USD" in result.sentence


def test_ratios_without_a_benchmark_are_skipped_and_notes_are_passed_on() -> None:
    figures = [Figure("net_margin", 4.0, 3, 5, note="no GB figure, so this is the US figure")]
    results = compare({**ratio("net_margin", 2.0), **ratio("cogs_pct", 30.0)}, figures)
    assert [c.metric for c in results] == ["net_margin"]
    assert "no GB figure" in results[0].sentence
