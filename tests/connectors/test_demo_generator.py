"""The demo generator follows its documented causal model and is reproducible."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from connectors.demo.businesses import DEMO_CAFE, NORTHSIDE_BOOKS
from connectors.demo.generator import generate, metric_rows

END = date(2026, 6, 30)


@pytest.fixture(scope="module")
def cafe():  # type: ignore[no-untyped-def]
    return generate(DEMO_CAFE, end=END)


def test_two_years_of_daily_data_ending_on_the_requested_day(cafe) -> None:  # type: ignore[no-untyped-def]
    assert len(cafe.daily) == 730
    assert cafe.daily.index[-1] == pd.Timestamp(END)
    assert cafe.daily.index.freq == "D" or pd.infer_freq(cafe.daily.index) == "D"
    assert cafe.sku_daily["sku"].nunique() >= 15


def test_revenue_is_orders_times_average_ticket(cafe) -> None:  # type: ignore[no-untyped-def]
    d = cafe.daily
    assert np.allclose(d["revenue"], d["orders"] * d["average_ticket"], atol=0.05)


def test_a_day_has_the_same_values_whatever_day_the_demo_is_seeded(cafe) -> None:  # type: ignore[no-untyped-def]
    later = generate(DEMO_CAFE, end=date(2026, 9, 30))
    overlap = cafe.daily.index.intersection(later.daily.index)
    assert len(overlap) > 600
    pd.testing.assert_frame_equal(cafe.daily.loc[overlap], later.daily.loc[overlap])


def test_the_stockout_week_empties_the_suppliers_products(cafe) -> None:  # type: ignore[no-untyped-def]
    fx = DEMO_CAFE.effects
    week = cafe.sku_daily[
        (cafe.sku_daily["date"] >= pd.Timestamp(fx.stockout_start))
        & (cafe.sku_daily["date"] <= pd.Timestamp(fx.stockout_end))
    ]
    affected = {s.code for s in DEMO_CAFE.skus if s.supplier == fx.stockout_supplier}
    assert affected == {"OAT", "MLK", "JUC"}
    assert week[week["sku"].isin(affected)]["units_sold"].sum() == 0
    assert week[~week["sku"].isin(affected)]["units_sold"].sum() > 0


def test_rain_lowers_cafe_footfall_by_about_the_true_effect(cafe) -> None:  # type: ignore[no-untyped-def]
    d = cafe.daily[(cafe.daily["closed"] == 0) & (cafe.daily["is_holiday"] == 0)]
    rainy = d["rain_mm"] > DEMO_CAFE.effects.rain_threshold_mm
    # Same weekday and month on both sides: compare within those cells, then average.
    cells = d.assign(rainy=rainy, wd=d.index.dayofweek, m=d.index.month).groupby(["wd", "m", "rainy"])[
        "customers"
    ]
    ratio = (cells.mean().unstack("rainy").dropna().pipe(lambda t: t[True] / t[False])).median()
    assert ratio == pytest.approx(1 + DEMO_CAFE.effects.rain_effect, abs=0.05)


def test_christmas_day_is_closed_and_the_price_rise_shows_in_prices(cafe) -> None:  # type: ignore[no-untyped-def]
    assert cafe.daily.loc["2025-12-25", "revenue"] == 0
    lat = cafe.sku_daily[cafe.sku_daily["sku"] == "LAT"].set_index("date")["price"]
    assert lat.loc["2025-02-28"] == 4.75 and lat.loc["2025-03-01"] == pytest.approx(4.75 * 1.08, abs=0.01)


def test_the_two_businesses_differ_and_metric_rows_are_long_and_complete() -> None:
    books = generate(NORTHSIDE_BOOKS, end=END)
    rows = metric_rows(books)
    assert books.daily["average_ticket"].mean() > 20
    assert {"revenue", "marketing_spend", "units_sold", "stock_on_hand"} <= set(rows["metric"])
    assert rows.duplicated(["metric", "dimension", "time"]).sum() == 0
    assert rows["time"].dt.tz is not None
