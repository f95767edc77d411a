"""A business's LLM budget month starts at its own midnight, not UTC's."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from storage.coaching.models import CoachingSession
from storage.coaching.service import spend_this_month
from storage.database import Database
from tests.conftest import new_tenant

AUCKLAND = "Pacific/Auckland"  # UTC+12/+13: its month starts while UTC is still in the last one


async def test_spend_this_month_counts_from_the_first_in_the_business_timezone(db: Database) -> None:
    tenant = await new_tenant(db, "spend")
    month_start = datetime.now(ZoneInfo(AUCKLAND)).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    async with db.tenant_session(tenant) as session:
        for moment, cost in (
            (month_start + timedelta(hours=1), 2.5),
            (month_start - timedelta(hours=1), 4.0),
        ):
            session.add(CoachingSession(tenant_id=tenant, user_query="q", coach_response="a", cost_usd=cost,
                                        created_at=moment))  # fmt: skip
    async with db.tenant_session(tenant) as session:
        local = await spend_this_month(session=session, timezone=AUCKLAND)
        utc = await spend_this_month(session=session)

    assert local == 2.5
    assert utc == 0.0  # both turns fall before the first of the month in UTC
