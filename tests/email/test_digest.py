"""The weekly digest: its numbers come from the tools (checked against the demo generator), it renders as HTML
with CID images and a text alternative, and it carries reply and unsubscribe addresses."""

from __future__ import annotations

import re
from datetime import date
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

import pandas as pd
import pytest

from analytics.forecast import Forecast, engine, forecast
from analytics.forecast.memo import forget_all, series_key
from coach.digest import compose_digest
from coach.format import money
from coach.tools.context import ToolContext
from coach.tools.data import column_for
from coach.tools.forecasting import forecast_options
from connectors.demo.businesses import DEMO_CAFE
from connectors.demo.generator import generate
from storage.database import Database
from storage.goals.service import GoalCreate, create_goal, update_goal
from tests.coach.conftest import TODAY
from tests.email.conftest import DEMO_END, DOMAIN, JANE, People, SentDigest


def week(metric: str, start: str, end: str) -> float:
    daily = generate(DEMO_CAFE, end=DEMO_END).daily
    return float(daily.loc[start:end, metric].sum())


def parts(message: EmailMessage) -> tuple[str, str, list[EmailMessage]]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    images = [p for p in message.walk() if p.get_content_type() == "image/png"]
    return text.get_content(), html.get_content(), images  # type: ignore[return-value]


def test_headline_figures_match_the_demo_data_week_over_week(sent_digest: SentDigest) -> None:
    text, html, _ = parts(sent_digest.received.message)  # type: ignore[attr-defined]
    revenue = money(week("revenue", "2026-06-22", "2026-06-28"), "USD")
    before = week("revenue", "2026-06-15", "2026-06-21")
    change = (week("revenue", "2026-06-22", "2026-06-28") - before) / before
    orders = f"{week('orders', '2026-06-22', '2026-06-28'):,.0f}"
    for body in (text, html):
        assert revenue in body and orders in body
        assert f"{100 * change:+.1f}%" in body
    assert "22-28 Jun 2026" in sent_digest.received.message["Subject"]  # type: ignore[attr-defined]


def test_forecast_goal_driver_and_action_come_from_the_tool_results(sent_digest: SentDigest) -> None:
    text, _, _ = parts(sent_digest.received.message)  # type: ignore[attr-defined]
    assert re.search(
        r"Revenue next week \(6-12 Jul 2026\): about \$[\d,]+ total \(80% range \$[\d,]+ to \$[\d,]+\)", text
    )
    assert "AT RISK: Revenue $250,000 in June and July" in text
    assert "The biggest driver of the change was" in text
    assert "ONE THING TO DO" in text and "get back on track" in text
    assert "just reply to this email" in text.lower()


def test_every_image_is_inline_with_a_cid_the_html_uses_and_alt_text(sent_digest: SentDigest) -> None:
    message = sent_digest.received.message  # type: ignore[attr-defined]
    _, html, images = parts(message)
    assert len(images) >= 6  # four sparklines, the forecast and the drivers
    for image in images:
        cid = image["Content-ID"].strip("<>")
        assert f'src="cid:{cid}"' in html
        assert image.get_content_disposition() == "inline"
        payload = image.get_payload(decode=True)
        assert isinstance(payload, bytes) and payload.startswith(b"\x89PNG")
    alts = re.findall(r'<img [^>]*alt="([^"]+)"', html)
    assert len(alts) == len(images) and all(len(a) > 15 for a in alts)
    assert "<style" not in html and 'style="' in html  # inline CSS only


def test_it_is_addressed_for_replies_and_unsubscribing(sent_digest: SentDigest) -> None:
    message = sent_digest.received.message  # type: ignore[attr-defined]
    assert sent_digest.received.rcpt_tos == [JANE]  # type: ignore[attr-defined]
    reply_to = parseaddr(message["Reply-To"])[1]
    local, _, domain = reply_to.partition("@")
    assert domain == DOMAIN and local.startswith("reply+") and len(local) <= 64
    unsubscribe = message["List-Unsubscribe"]
    assert (
        f"@{DOMAIN}?subject=unsubscribe>" in unsubscribe
        and "https://coach.example/unsubscribe?token=" in unsubscribe
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"].endswith(f"@{DOMAIN}>")


async def test_next_weeks_forecast_is_the_first_days_of_the_goals_forecast_made_once(
    db: Database, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[tuple[str | None, int, bool]] = []  # (series, horizon, whole ensemble?)
    real = engine._forecast

    def counted(series: pd.Series, horizon: int, **options: Any) -> Forecast:
        made.append((series_key(series), horizon, options["members"] is None))
        return real(series, horizon, **options)

    monkeypatch.setattr(engine, "_forecast", counted)
    forget_all()
    tenant = await db.system.tenant("demo-cafe")
    ctx = ToolContext(db=db, tenant=tenant, user_id=None, today=TODAY)
    async with db.tenant_session(people.cafe) as session:  # a second revenue goal, ending sooner
        july = await create_goal(
            session=session,
            goal=GoalCreate(
                title="Revenue $100,000 by mid July",
                metric="revenue",
                target_value=100_000,
                deadline=date(2026, 7, 15),
                start_date=date(2026, 6, 16),
                user_id=people.jane,
            ),
        )
    try:
        digest = await compose_digest(ctx)
    finally:
        async with db.tenant_session(people.cafe) as session:
            await update_goal(session=session, goal_id=july.id, status="archived")
    assert digest is not None and len(digest.goals) >= 2

    # Data to 30 Jun, goals to 15 and 31 Jul (other tests may add later ones): one ensemble forecast of revenue,
    # to the furthest deadline, answers every revenue goal and next week (6-12 Jul).
    revenue = column_for(await ctx.frame(), "revenue", "").asfreq("D")
    (steps,) = [h for key, h, ensemble in made if key == series_key(revenue) and ensemble]
    assert steps >= 31
    count = len(made)
    month = forecast(revenue, steps, **forecast_options(ctx))  # remembered: nothing is computed again
    assert len(made) == count
    facts = {r.tool: r.facts for r in digest.results}["forecast_metric"]
    assert facts["expected"] == pytest.approx(
        float(month.point.loc["2026-07-06":"2026-07-12"].sum()), abs=0.01
    )
