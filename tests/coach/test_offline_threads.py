"""Follow-ups in a thread build on what the coach answered before, comparisons say when they are uneven, and a
goal can be a wish ("up a fifth") rather than a number: the offline coach on the seeded demo café (issue 15)."""

from __future__ import annotations

import uuid

import pytest

from coach.core import Coach, Reply, Turn
from connectors.demo.businesses import DEMO_CAFE
from connectors.demo.generator import generate
from tests.coach.conftest import DEMO_END

DAILY = generate(DEMO_CAFE, end=DEMO_END).daily


def period_of(reply: Reply) -> str:
    assert [c["name"] for c in reply.tool_calls] == ["metric_summary"], reply.text
    assert reply.results[0].ok, reply.results[0].error
    return str(reply.results[0].facts["period"])


async def test_each_week_before_that_counts_back_from_the_answer_before_it(
    offline_coach: Coach, demo_tenants: dict[str, uuid.UUID]
) -> None:
    tenant, thread = demo_tenants["demo-cafe"], f"thread-{uuid.uuid4()}"
    first = await offline_coach.answer(
        Turn(tenant_id=tenant, text="how many covers did we do last week", thread=thread)
    )
    second = await offline_coach.answer(
        Turn(tenant_id=tenant, text="hm and the week before that?", thread=thread)
    )
    third = await offline_coach.answer(Turn(tenant_id=tenant, text="and the one before that", thread=thread))
    assert "2026-06-22 to 2026-06-28" in period_of(first)
    assert "2026-06-15 to 2026-06-21" in period_of(second)
    assert "2026-06-08 to 2026-06-14" in period_of(third)
    assert {reply.results[0].facts["metric"] for reply in (first, second, third)} == {"customers"}
    week = DAILY.loc["2026-06-08":"2026-06-14", "customers"].sum()
    assert f"{week:,.0f}" in third.text


async def test_a_follow_up_in_another_thread_does_not_borrow_this_threads_period(
    offline_coach: Coach, demo_tenants: dict[str, uuid.UUID]
) -> None:
    tenant = demo_tenants["demo-cafe"]
    await offline_coach.answer(Turn(tenant_id=tenant, text="takings in march", thread=f"t-{uuid.uuid4()}"))
    alone = await offline_coach.answer(
        Turn(tenant_id=tenant, text="and the week before that?", thread=f"t-{uuid.uuid4()}")
    )
    assert not alone.tool_calls or not alone.results[0].ok or "March" not in alone.text


async def test_a_month_against_the_same_month_last_year_compares_one_month_with_one_month(
    offline_coach: Coach, demo_tenants: dict[str, uuid.UUID]
) -> None:
    reply = await offline_coach.answer(
        Turn(tenant_id=demo_tenants["demo-cafe"], text="may takings vs the same month last year?")
    )
    facts = reply.results[0].facts
    assert "2026-05-01 to 2026-05-31" in facts["period"] and "2025-05-01 to 2025-05-31" in facts["baseline"]
    may, may_before = DAILY.loc["2026-05", "revenue"].sum(), DAILY.loc["2025-05", "revenue"].sum()
    assert facts["change_pct"] == pytest.approx(100 * (may - may_before) / may_before, abs=0.01)


async def test_a_baseline_with_only_part_of_its_data_is_compared_per_day_and_says_so(
    offline_coach: Coach, demo_tenants: dict[str, uuid.UUID]
) -> None:
    assert DAILY.index.min().date().isoformat() == "2024-07-01"  # the baseline below is half before the data
    reply = await offline_coach.answer(
        Turn(
            tenant_id=demo_tenants["demo-cafe"],
            text="revenue over the last 14 days vs the fortnight before 8 july 2024",
        )
    )
    result = reply.results[0]
    assert result.ok, result.error
    assert "2024-06-24 to 2024-07-07" in result.facts["baseline"]
    assert "a day" in result.headline
    assert any("only 7 of its 14 days" in note for note in result.notes), result.notes
    now = DAILY.loc["2026-06-17":"2026-06-30", "revenue"].mean()
    before = DAILY.loc["2024-07-01":"2024-07-07", "revenue"].mean()
    assert result.facts["change_pct"] == pytest.approx(100 * (now - before) / before, abs=0.01)


async def test_a_wish_for_a_fifth_more_sales_by_a_date_becomes_a_goal_with_a_number(
    offline_coach: Coach, demo_tenants: dict[str, uuid.UUID]
) -> None:
    reply = await offline_coach.answer(
        Turn(tenant_id=demo_tenants["demo-cafe"], text="i'd love to get sales up a fifth by end of september")
    )
    assert [c["name"] for c in reply.tool_calls] == ["create_goal"], reply.text
    result = reply.results[0]
    assert result.ok, result.error
    last_year = DAILY.loc["2025-07-01":"2025-09-30", "revenue"].sum()  # the same dates a year earlier
    assert result.facts["target"] == pytest.approx(1.2 * last_year, rel=0.02)
    assert any("same days last year" in note for note in result.notes)
