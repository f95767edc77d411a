"""Shared, module-scoped demo data and fitted explanations for the evidence tests (fitted once, reused)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from evidence_truth import STOCKOUT_WEEK, WEEK_BEFORE

from analytics.evidence import ChangeExplanation, explain_change
from connectors.demo.businesses import DEMO_CAFE
from connectors.demo.generator import generate


@pytest.fixture(scope="session")
def cafe() -> pd.DataFrame:
    return generate(DEMO_CAFE, end=date(2026, 10, 31)).daily


@pytest.fixture(scope="session")
def revenue_stockout(cafe: pd.DataFrame) -> ChangeExplanation:
    return explain_change(cafe, "revenue", STOCKOUT_WEEK, WEEK_BEFORE, industry="cafe")


@pytest.fixture(scope="session")
def customers_stockout(cafe: pd.DataFrame) -> ChangeExplanation:
    return explain_change(cafe, "customers", STOCKOUT_WEEK, WEEK_BEFORE, industry="cafe", anomalies=False)
