"""Simulate a demo business day by day from its causal model (see ``connectors.demo.model``).

The simulation always runs over the same fixed calendar (``SIM_START`` to ``SIM_END``) with the profile's seed and
is then cut at ``end``: the value for a given day never depends on the day the demo was seeded, so seeding again
tomorrow adds one day and changes none of the rows already stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import holidays as holidays_lib
import numpy as np
import pandas as pd

from connectors.demo.model import BusinessProfile

SIM_START = date(2024, 1, 1)
SIM_END = date(2030, 12, 31)
MARKETING_CHANNELS = ("instagram", "google", "email", "flyers")
SERVICE_HOURS_PER_CUSTOMER = 0.05  # staff hours each customer needs on top of the minimum crew


@dataclass(frozen=True)
class DemoBusiness:
    """Everything generated for one demo business."""

    profile: BusinessProfile
    daily: pd.DataFrame  # index: date (DatetimeIndex, daily); one column per daily metric or driver
    sku_daily: pd.DataFrame  # columns: date, sku, units_sold, stock_on_hand, price


# (column in DemoBusiness.daily, metric name, dimension, unit)
DAILY_METRICS: tuple[tuple[str, str, str, str], ...] = (
    ("revenue", "revenue", "", "currency"),
    ("orders", "orders", "", "count"),
    ("customers", "customers", "", "count"),
    ("average_ticket", "average_ticket", "", "currency"),
    ("cogs", "cogs", "", "currency"),
    ("staff_hours", "staff_hours", "", "hours"),
    ("labour_cost", "labour_cost", "", "currency"),
    *((f"marketing_{c}", "marketing_spend", f"channel:{c}", "currency") for c in MARKETING_CHANNELS),
    ("rain_mm", "rain_mm", "", "mm"),
    ("temperature_c", "temperature_c", "", "celsius"),
    ("price_index", "price_index", "", "ratio"),
)


def default_end() -> date:
    """Yesterday in UTC: the last complete day a freshly seeded demo has data for."""
    return datetime.now(UTC).date() - timedelta(days=1)


def generate(profile: BusinessProfile, *, end: date | None = None, days: int = 730) -> DemoBusiness:
    """The business's last ``days`` days of data up to ``end`` (inclusive), identical on every call."""
    end = end or default_end()
    start = max(SIM_START, end - timedelta(days=days - 1))
    if end > SIM_END or end < SIM_START:
        raise ValueError(f"The demo can be generated for days between {SIM_START} and {SIM_END}.")
    daily, sku_daily = _simulate(profile)
    daily = daily.loc[pd.Timestamp(start) : pd.Timestamp(end)]
    sku_daily = sku_daily[
        (sku_daily["date"] >= pd.Timestamp(start)) & (sku_daily["date"] <= pd.Timestamp(end))
    ]
    return DemoBusiness(profile=profile, daily=daily.copy(), sku_daily=sku_daily.reset_index(drop=True))


def _simulate(profile: BusinessProfile) -> tuple[pd.DataFrame, pd.DataFrame]:
    fx = profile.effects
    rng = np.random.default_rng(profile.seed)
    idx = pd.date_range(SIM_START, SIM_END, freq="D", name="date")
    n = len(idx)
    doy = idx.dayofyear.to_numpy()
    years = (idx - idx[0]).days.to_numpy() / 365.25

    # Weather: a yearly temperature cycle with persistent noise; rain more likely in cold months.
    season_temp = 12.0 + 10.0 * np.sin(2 * np.pi * (doy - 105) / 365.25)
    temp_noise = np.zeros(n)
    shocks = rng.normal(0, 2.0, n)
    for t in range(1, n):
        temp_noise[t] = 0.7 * temp_noise[t - 1] + shocks[t]
    temperature = season_temp + temp_noise
    p_rain = 0.32 + 0.08 * np.cos(2 * np.pi * (doy - 15) / 365.25)
    rain = np.where(rng.random(n) < p_rain, rng.gamma(1.2, 5.0, n), 0.0)
    rainy = (rain > fx.rain_threshold_mm).astype(float)

    # Marketing: instagram runs in campaigns, google is steady, email is a weekly newsletter (Tuesday),
    # flyers are printed in occasional batches. Spend is decided by the owner, independent of the day's noise.
    spend = {}
    base_ig = profile.marketing.get("instagram", 0.0)
    campaign = np.zeros(n)
    t = 0
    while t < n:
        length = int(rng.integers(5, 15))
        on = rng.random() < 0.45
        campaign[t : t + length] = rng.uniform(1.5, 3.0) if on else rng.uniform(0.0, 0.4)
        t += length
    spend["instagram"] = np.round(base_ig * campaign * rng.uniform(0.8, 1.2, n), 2)
    spend["google"] = np.round(profile.marketing.get("google", 0.0) * rng.uniform(0.6, 1.4, n), 2)
    newsletter = (idx.dayofweek.to_numpy() == 1).astype(float)
    spend["email"] = np.round(
        newsletter * profile.marketing.get("email", 0.0) * 7 * rng.uniform(0.9, 1.1, n), 2
    )
    flyer_days = rng.random(n) < 0.06
    spend["flyers"] = np.round(
        flyer_days * profile.marketing.get("flyers", 0.0) * 10 * rng.uniform(0.8, 1.2, n), 2
    )

    ig = spend["instagram"]
    adstock = np.zeros(n)
    for k, w in enumerate(fx.instagram_lag_weights, start=1):
        adstock[k:] += w * ig[:-k]

    country_holidays = holidays_lib.country_holidays(
        profile.country, years=range(SIM_START.year, SIM_END.year + 1)
    )
    is_holiday = np.array([d in country_holidays for d in idx.date], dtype=float)
    closed = np.array([(d.month, d.day) == (12, 25) for d in idx.date])

    price_index = np.where(idx >= pd.Timestamp(fx.price_change_date), 1.0 + fx.price_change_pct, 1.0)
    stockout = ((idx >= pd.Timestamp(fx.stockout_start)) & (idx <= pd.Timestamp(fx.stockout_end))).astype(
        float
    )

    weekday = np.array(fx.weekday_profile)[idx.dayofweek.to_numpy()]
    season = 1.0 + fx.yearly_amplitude * np.cos(2 * np.pi * (doy - fx.yearly_peak_day) / 365.25)
    expected = (
        fx.base_customers
        * (1.0 + fx.trend_per_year) ** years
        * weekday
        * season
        * (1.0 + fx.holiday_effect * is_holiday)
        * (1.0 + fx.rain_effect * rainy)
        * (1.0 + fx.temperature_effect * (temperature - 15.0))
        * price_index**fx.price_elasticity
        * (1.0 + fx.stockout_order_loss * stockout)
        * (1.0 + fx.email_effect * newsletter)
        * (1.0 + fx.flyers_effect * (spend["flyers"] > 0))
        + fx.instagram_beta * np.log1p(adstock / fx.instagram_half_saturation)
        + fx.google_beta * np.log1p(spend["google"] / fx.google_half_saturation)
    )
    noise = np.exp(rng.normal(-(fx.noise_sd**2) / 2, fx.noise_sd, n))
    customers = np.where(closed, 0, rng.poisson(np.maximum(expected * noise, 0.0)))

    sku_daily = _simulate_skus(profile, idx, customers, price_index, stockout, rng)
    sales_value = sku_daily.assign(value=sku_daily["units_sold"] * sku_daily["price"]).groupby("date")[
        "value"
    ]
    cost_lookup = {s.code: s.unit_cost for s in profile.skus}
    cogs = (sku_daily["units_sold"] * sku_daily["sku"].map(cost_lookup)).groupby(sku_daily["date"]).sum()
    revenue = sales_value.sum().reindex(idx, fill_value=0.0).to_numpy()

    # Staffing is planned from the expected footfall (without the day's noise), so it tracks demand.
    open_hours = profile.opening_hours[1] - profile.opening_hours[0]
    planned = np.where(closed, 0.0, 2 * open_hours + SERVICE_HOURS_PER_CUSTOMER * expected)
    staff_hours = np.round(planned * rng.uniform(0.95, 1.05, n) * 2) / 2
    mean_wage = float(np.mean([e.hourly_wage for e in profile.staff]))

    orders = customers.astype(float)
    daily = pd.DataFrame(
        {
            "revenue": np.round(revenue, 2),
            "orders": orders,
            "customers": orders,
            "average_ticket": np.round(np.divide(revenue, orders, out=np.zeros(n), where=orders > 0), 4),
            "cogs": np.round(cogs.reindex(idx, fill_value=0.0).to_numpy(), 2),
            "staff_hours": staff_hours,
            "labour_cost": np.round(staff_hours * mean_wage, 2),
            **{f"marketing_{c}": spend[c] for c in MARKETING_CHANNELS},
            "rain_mm": np.round(rain, 1),
            "temperature_c": np.round(temperature, 1),
            "price_index": price_index,
            "is_holiday": is_holiday,
            "stockout": stockout,
            "closed": closed.astype(float),
        },
        index=idx,
    )
    return daily, sku_daily


def _simulate_skus(
    profile: BusinessProfile,
    idx: pd.DatetimeIndex,
    customers: np.ndarray,
    price_index: np.ndarray,
    stockout: np.ndarray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Per-SKU demand from the order mix, sold out of stock that a weekly order-up-to policy replenishes."""
    fx = profile.effects
    shares = np.array([s.mix_share for s in profile.skus])
    shares = shares / shares.sum()
    frames = []
    for j, sku in enumerate(profile.skus):
        demand = rng.poisson(customers * fx.items_per_order * shares[j])
        mean_daily = float(np.mean(customers)) * fx.items_per_order * shares[j]
        blocked = stockout.astype(bool) & (sku.supplier == fx.stockout_supplier)
        if sku.shelf_life_days <= 3:
            # Fresh goods are baked or delivered each morning to the expected need; what is left is wasted.
            expected_need = customers * fx.items_per_order * shares[j] * 1.15
            batch = np.where(blocked, 0.0, np.ceil(expected_need / sku.case_pack) * sku.case_pack)
            sold = np.minimum(demand, batch)
            stock = batch - sold
        else:
            sold, stock = _replenish(
                demand,
                blocked,
                sku.lead_time_days,
                sku.case_pack,
                sku.min_order_qty,
                order_up_to=mean_daily * (sku.lead_time_days + 7) * 1.3 + sku.case_pack,
            )
        frames.append(
            pd.DataFrame(
                {
                    "date": idx,
                    "sku": sku.code,
                    "units_sold": sold,
                    "stock_on_hand": stock,
                    "price": np.round(sku.price * price_index, 2),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _replenish(
    demand: np.ndarray,
    blocked: np.ndarray,
    lead_time: int,
    case_pack: int,
    min_order: int,
    *,
    order_up_to: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Weekly order-up-to replenishment: units sold and stock left at the end of each day."""
    n = len(demand)
    sold, stock = np.zeros(n), np.zeros(n)
    arrivals = np.zeros(n + lead_time + 2)
    on_order = 0.0
    on_hand = order_up_to
    for t in range(n):
        on_hand += arrivals[t]
        on_order -= arrivals[t]
        if blocked[t]:
            on_hand = 0.0
        sold[t] = min(demand[t], on_hand)
        on_hand -= sold[t]
        if t % 7 == 0 and not blocked[t]:
            need = order_up_to - on_hand - on_order
            if need > 0:
                qty = max(min_order, int(np.ceil(need / case_pack)) * case_pack)
                arrivals[t + max(1, lead_time)] += qty
                on_order += qty
        stock[t] = on_hand
    return sold, stock


def metric_rows(business: DemoBusiness) -> pd.DataFrame:
    """The business as long rows ready for ``business_metrics``: metric, dimension, time, value, unit."""
    daily = business.daily
    currency = business.profile.currency
    parts = []
    for column, metric, dimension, unit in DAILY_METRICS:
        parts.append(
            pd.DataFrame(
                {
                    "metric": metric,
                    "dimension": dimension,
                    "time": daily.index,
                    "value": daily[column].to_numpy(dtype=float),
                    "unit": currency if unit == "currency" else unit,
                }
            )
        )
    sku = business.sku_daily
    for column, metric in (("units_sold", "units_sold"), ("stock_on_hand", "stock_on_hand")):
        parts.append(
            pd.DataFrame(
                {
                    "metric": metric,
                    "dimension": "sku:" + sku["sku"],
                    "time": sku["date"],
                    "value": sku[column].to_numpy(dtype=float),
                    "unit": "units",
                }
            )
        )
    rows = pd.concat(parts, ignore_index=True)
    rows["time"] = pd.to_datetime(rows["time"]).dt.tz_localize("UTC")
    return rows
