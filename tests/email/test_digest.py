"""The weekly digest: its numbers come from the tools (checked against the demo generator), it renders as HTML
with CID images and a text alternative, and it carries reply and unsubscribe addresses."""

from __future__ import annotations

import re
from email.message import EmailMessage
from email.utils import parseaddr

from coach.format import money
from connectors.demo.businesses import DEMO_CAFE
from connectors.demo.generator import generate
from tests.email.conftest import DEMO_END, DOMAIN, JANE, SentDigest


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
        assert image.get_payload(decode=True).startswith(b"\x89PNG")
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
