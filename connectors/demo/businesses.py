"""The two demo businesses: Demo Café and Northside Books, with their products, staff and true effects."""

from __future__ import annotations

from datetime import date

from connectors.demo.model import BusinessProfile, Employee, Sku, TrueEffects


def _week(hours: tuple[int, int], days: range | tuple[int, ...] = range(7)) -> dict[int, tuple[int, int]]:
    return {d: hours for d in days}


_CAFE_HOURLY = (0.04, 0.10, 0.11, 0.08, 0.07, 0.09, 0.10, 0.08, 0.07, 0.07, 0.07, 0.05, 0.04, 0.03)  # 7:00-21:00

DEMO_CAFE = BusinessProfile(
    slug="demo-cafe",
    name="Demo Café",
    industry="cafe",
    country="US",
    timezone="America/New_York",
    currency="USD",
    opening_hours=(7, 21),
    hourly_profile=tuple(x / sum(_CAFE_HOURLY) for x in _CAFE_HOURLY),
    marketing={"instagram": 60.0, "google": 25.0, "email": 15.0, "flyers": 10.0},
    seed=7,
    effects=TrueEffects(
        base_customers=310.0,
        trend_per_year=0.06,
        weekday_profile=(0.88, 0.92, 0.95, 0.98, 1.08, 1.18, 1.01),
        yearly_amplitude=0.10,
        yearly_peak_day=196,  # mid July
        noise_sd=0.05,
        rain_threshold_mm=1.0,
        rain_effect=-0.12,
        temperature_effect=0.0,
        instagram_lag_weights=(0.5, 0.3, 0.2),
        instagram_beta=30.0,
        instagram_half_saturation=50.0,
        google_beta=10.0,
        google_half_saturation=25.0,
        email_effect=0.05,
        flyers_effect=0.0,
        price_change_date=date(2025, 3, 1),
        price_change_pct=0.08,
        price_elasticity=-0.5,
        holiday_effect=-0.25,
        stockout_start=date(2025, 8, 11),
        stockout_end=date(2025, 8, 17),
        stockout_supplier="Hillside Dairy",
        stockout_order_loss=-0.06,
        items_per_order=1.7,
    ),
    skus=(
        Sku("ESP", "Espresso", "coffee", 3.00, 0.45, 7, 180, "Roastworks", 1, 1, 0.08),
        Sku("LAT", "Latte", "coffee", 4.75, 0.95, 7, 180, "Roastworks", 1, 1, 0.20),
        Sku("CAP", "Cappuccino", "coffee", 4.50, 0.90, 7, 180, "Roastworks", 1, 1, 0.14),
        Sku("AMR", "Americano", "coffee", 3.50, 0.50, 7, 180, "Roastworks", 1, 1, 0.09),
        Sku("FLW", "Flat white", "coffee", 4.25, 0.85, 7, 180, "Roastworks", 1, 1, 0.07),
        Sku("TEA", "Pot of tea", "tea", 3.25, 0.40, 10, 365, "Leaf & Co", 24, 48, 0.05),
        Sku("OAT", "Oat milk latte", "coffee", 5.25, 1.20, 3, 30, "Hillside Dairy", 12, 12, 0.06),
        Sku("MLK", "Hot chocolate", "drinks", 4.00, 1.00, 3, 14, "Hillside Dairy", 12, 12, 0.05),
        Sku("CRO", "Croissant", "bakery", 3.25, 0.90, 1, 2, "Dawn Bakery", 12, 24, 0.08),
        Sku("MUF", "Blueberry muffin", "bakery", 3.50, 0.95, 1, 3, "Dawn Bakery", 12, 12, 0.05),
        Sku("SCN", "Scone", "bakery", 3.00, 0.70, 1, 2, "Dawn Bakery", 12, 12, 0.03),
        Sku("BAN", "Banana bread", "bakery", 3.75, 0.80, 1, 4, "Dawn Bakery", 8, 8, 0.03),
        Sku("SAN", "Chicken sandwich", "food", 8.50, 3.10, 2, 3, "Greenleaf Foods", 6, 12, 0.04),
        Sku("SAL", "Seasonal salad", "food", 9.00, 3.40, 2, 3, "Greenleaf Foods", 6, 12, 0.02),
        Sku("JUC", "Orange juice", "drinks", 4.25, 1.30, 3, 10, "Hillside Dairy", 12, 12, 0.01),
        Sku("BEA", "Coffee beans 250g", "retail", 14.00, 6.50, 14, 120, "Roastworks", 10, 10, 0.004),
    ),
    staff=(
        Employee("Sam", "barista", 18.0, 20, 40, _week((6, 22)), prefers_off=(6,)),
        Employee("Alex", "barista", 17.5, 16, 38, _week((6, 22), (0, 1, 2, 3, 4, 6))),
        Employee("Priya", "barista", 19.0, 24, 40, _week((6, 15))),
        Employee("Jordan", "barista", 16.5, 0, 24, _week((12, 22), (4, 5, 6))),
        Employee("Mei", "cashier", 16.0, 10, 30, _week((7, 21))),
        Employee("Luis", "cashier", 16.0, 0, 25, _week((10, 22), (2, 3, 4, 5, 6))),
        Employee("Hannah", "kitchen", 18.5, 20, 40, _week((6, 16), range(0, 6))),
        Employee("Omar", "kitchen", 17.0, 10, 30, _week((10, 22)), prefers_off=(5,)),
    ),
)

_BOOKS_HOURLY = (0.06, 0.08, 0.10, 0.12, 0.12, 0.11, 0.11, 0.10, 0.10, 0.10)  # 10:00-20:00

NORTHSIDE_BOOKS = BusinessProfile(
    slug="northside-books",
    name="Northside Books",
    industry="bookshop",
    country="US",
    timezone="America/Chicago",
    currency="USD",
    opening_hours=(10, 20),
    hourly_profile=tuple(x / sum(_BOOKS_HOURLY) for x in _BOOKS_HOURLY),
    marketing={"instagram": 20.0, "google": 30.0, "email": 10.0, "flyers": 8.0},
    seed=11,
    effects=TrueEffects(
        base_customers=85.0,
        trend_per_year=0.02,
        weekday_profile=(0.80, 0.85, 0.90, 0.95, 1.10, 1.35, 1.05),
        yearly_amplitude=0.08,
        yearly_peak_day=350,  # the December gift season
        noise_sd=0.08,
        rain_threshold_mm=1.0,
        rain_effect=0.06,  # people browse bookshops when it rains
        temperature_effect=0.0,
        instagram_lag_weights=(0.5, 0.3, 0.2),
        instagram_beta=6.0,
        instagram_half_saturation=20.0,
        google_beta=5.0,
        google_half_saturation=30.0,
        email_effect=0.10,
        flyers_effect=0.0,
        price_change_date=date(2025, 6, 1),
        price_change_pct=0.05,
        price_elasticity=-0.3,
        holiday_effect=-0.30,
        stockout_start=date(2025, 11, 3),
        stockout_end=date(2025, 11, 9),
        stockout_supplier="Lakeside Distribution",
        stockout_order_loss=-0.05,
        items_per_order=1.4,
    ),
    skus=(
        Sku("FIC-NEW", "New fiction hardback", "fiction", 28.00, 15.40, 5, 3650, "Lakeside Distribution", 5, 5, 0.16),
        Sku("FIC-PB", "Fiction paperback", "fiction", 17.00, 9.35, 5, 3650, "Lakeside Distribution", 10, 10, 0.22),
        Sku("CRM", "Crime paperback", "fiction", 16.00, 8.80, 5, 3650, "Lakeside Distribution", 10, 10, 0.10),
        Sku("SCI", "Science & nature", "non-fiction", 24.00, 13.20, 7, 3650, "Meridian Books", 5, 5, 0.06),
        Sku("HIS", "History", "non-fiction", 26.00, 14.30, 7, 3650, "Meridian Books", 5, 5, 0.05),
        Sku("BIO", "Biography", "non-fiction", 25.00, 13.75, 7, 3650, "Meridian Books", 5, 5, 0.05),
        Sku("COOK", "Cookbook", "non-fiction", 32.00, 17.60, 7, 3650, "Meridian Books", 4, 4, 0.05),
        Sku("KID-PIC", "Picture book", "children", 12.00, 6.00, 5, 3650, "Lakeside Distribution", 10, 10, 0.09),
        Sku("KID-MG", "Middle-grade novel", "children", 9.00, 4.50, 5, 3650, "Lakeside Distribution", 10, 10, 0.06),
        Sku("YA", "Young adult", "children", 14.00, 7.70, 5, 3650, "Lakeside Distribution", 10, 10, 0.05),
        Sku("GN", "Graphic novel", "comics", 20.00, 11.00, 10, 3650, "Panel Press", 6, 6, 0.04),
        Sku("MAP", "Local maps & guides", "travel", 11.00, 5.50, 14, 3650, "Panel Press", 10, 10, 0.02),
        Sku("CARD", "Greeting card", "gifts", 4.50, 1.60, 10, 3650, "Paper Trail", 24, 48, 0.03),
        Sku("NOTE", "Notebook", "gifts", 12.00, 5.00, 10, 3650, "Paper Trail", 12, 12, 0.015),
        Sku("TOTE", "Tote bag", "gifts", 15.00, 5.50, 21, 3650, "Paper Trail", 10, 20, 0.01),
        Sku("GIFT", "Gift voucher", "gifts", 25.00, 25.00, 1, 3650, "In house", 1, 1, 0.005),
    ),
    staff=(
        Employee("Ruth", "bookseller", 19.0, 25, 40, _week((9, 21)), prefers_off=(6,)),
        Employee("Dev", "bookseller", 17.0, 16, 35, _week((9, 21), (0, 1, 2, 3, 4, 5))),
        Employee("Chloe", "bookseller", 16.5, 0, 20, _week((12, 21), (4, 5, 6))),
        Employee("Marcus", "cashier", 15.5, 10, 30, _week((9, 21))),
        Employee("Ines", "stockroom", 16.0, 10, 25, _week((8, 18), range(0, 5))),
    ),
)

PROFILES: dict[str, BusinessProfile] = {p.slug: p for p in (DEMO_CAFE, NORTHSIDE_BOOKS)}
