"""The demo businesses' causal model: every true parameter the generator uses, kept so analytics can be checked.

Daily customers (footfall) are built multiplicatively::

    customers[t] = base * trend[t] * weekday[t] * season[t] * holiday[t]
                   * (1 + rain_effect * rainy[t])
                   * (price_index[t] ** price_elasticity)
                   * (1 + stockout_order_loss * stockout[t])
                   * (1 + email_effect * newsletter[t])
                   * noise[t]
                   + instagram_beta * log1p(adstock_ig[t] / instagram_half_saturation)
                   + google_beta * log1p(google_spend[t] / google_half_saturation)

where ``adstock_ig[t] = sum(w_k * instagram_spend[t - k])`` over lags 1-3 (weights ``instagram_lag_weights``),
``rainy[t]`` means more than ``rain_threshold_mm`` of rain, and ``noise`` is log-normal. Flyer spend and
temperature have **no** effect (placebo drivers: a method that names them as causes is wrong). Orders equal
customers (one transaction per visit); each order buys items drawn from the SKU mix; revenue is the sum of
units sold times price, so ``revenue = orders * average_ticket`` holds exactly. A supplier stock-out week leaves
that supplier's SKUs at zero stock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Sku:
    """One product the business stocks."""

    code: str
    name: str
    category: str
    price: float  # selling price before the price change, per unit
    unit_cost: float
    lead_time_days: int
    shelf_life_days: int
    supplier: str
    case_pack: int
    min_order_qty: int
    mix_share: float  # relative share of items sold


@dataclass(frozen=True)
class Employee:
    """One person on the staff roster."""

    name: str
    role: str
    hourly_wage: float
    min_weekly_hours: int
    max_weekly_hours: int
    # weekday (0 = Monday) -> (first hour, last hour exclusive) the person can work
    availability: dict[int, tuple[int, int]]
    prefers_off: tuple[int, ...] = ()  # weekdays the person would rather not work


@dataclass(frozen=True)
class TrueEffects:
    """The causal parameters the generator uses; analytics tests compare their estimates with these."""

    base_customers: float
    trend_per_year: float  # relative growth per year
    weekday_profile: tuple[float, float, float, float, float, float, float]  # Monday..Sunday multipliers
    yearly_amplitude: float  # relative swing of the yearly cycle
    yearly_peak_day: int  # day of year of the seasonal peak
    noise_sd: float  # sd of log-normal daily noise
    rain_threshold_mm: float
    rain_effect: float  # relative change in customers on a rainy day
    temperature_effect: float  # relative change per degree C (0: temperature is a placebo)
    instagram_lag_weights: tuple[float, float, float]  # weights of spend 1, 2 and 3 days earlier
    instagram_beta: float  # extra customers per day at log1p(adstock/half_saturation) == 1
    instagram_half_saturation: float
    google_beta: float
    google_half_saturation: float
    email_effect: float  # relative lift on newsletter days
    flyers_effect: float  # 0: flyers are a placebo channel
    price_change_date: date
    price_change_pct: float  # e.g. 0.08 = all prices up 8% from that date
    price_elasticity: float  # customers scale with price_index ** elasticity
    holiday_effect: float  # relative change on public holidays (Christmas Day is closed)
    stockout_start: date
    stockout_end: date  # inclusive
    stockout_supplier: str
    stockout_order_loss: float  # relative change in customers during the stock-out week
    items_per_order: float


@dataclass(frozen=True)
class BusinessProfile:
    """Who the demo business is and the parameters it is generated from."""

    slug: str
    name: str
    industry: str
    country: str  # ISO code for the holidays package
    timezone: str
    currency: str
    opening_hours: tuple[int, int]  # first hour open, hour closing
    hourly_profile: tuple[float, ...]  # share of the day's customers per opening hour (sums to 1)
    effects: TrueEffects
    skus: tuple[Sku, ...]
    staff: tuple[Employee, ...]
    marketing: dict[str, float] = field(default_factory=dict)  # channel -> typical daily spend
    seed: int = 7
