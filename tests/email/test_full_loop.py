"""Digest out, a reply in over SMTP, the coach's answer out again in the same thread with the right numbers."""

from __future__ import annotations

from email.utils import parseaddr

import pytest

from bot.email.inbound import InboundServer
from bot.email.sender import deliver_due
from coach.format import money
from connectors.demo.businesses import DEMO_CAFE
from connectors.demo.generator import generate
from storage.database import Database
from storage.settings import Settings
from tests.email.conftest import DEMO_END, JANE, People, SentDigest
from tests.email.sink import Sink
from tests.email.wire import as_reply, reply_address, send
from tests.llm.ollama_standin import OllamaStandIn
from tests.llm.standins import CallTool, Say

QUESTIONS = {
    "gmail": "How did revenue do last week compared with the week before?",
    "gmail_html_only": "Which day was the weakest last week, and why?",
    "outlook_desktop": "Can you forecast revenue for the next 4 weeks?",
    "gmail_with_attachment": "Here is our supplier price list. What would a 5% price rise do to revenue?",
}


def last_week_revenue() -> str:
    daily = generate(DEMO_CAFE, end=DEMO_END).daily
    return money(float(daily.loc["2026-06-22":"2026-06-28", "revenue"].sum()), "USD")


@pytest.mark.parametrize("client", sorted(QUESTIONS))
async def test_a_reply_is_answered_in_the_same_thread_with_the_numbers(
    client: str,
    db: Database,
    people: People,
    sent_digest: SentDigest,
    inbound: InboundServer,
    sink: Sink,
    settings: Settings,
    ollama: OllamaStandIn,
) -> None:
    digest = sent_digest.received.message  # type: ignore[attr-defined]
    expected = last_week_revenue()
    ollama.script(
        CallTool("metric_summary", {"metric": "revenue", "period": "last week"}),
        Say(f"Revenue last week was {expected}."),
    )
    raw = as_reply(client, digest, sender=f"Jane Owner <{JANE}>")
    before = len(sink.to(JANE))

    await send(inbound.port, raw, to=reply_address(digest))
    await deliver_due(db, settings, tenant_ids=[people.cafe])

    answers = sink.to(JANE)[before:]
    assert len(answers) == 1
    answer = answers[0].message
    sent = raw.decode(errors="replace")
    reply_id = sent.split("Message-ID: ", 1)[1].split("\r\n", 1)[0]
    assert answer["In-Reply-To"] == reply_id
    assert digest["Message-ID"] in answer["References"] and reply_id in answer["References"]
    assert answer["Subject"] == "Re: Your week at Demo Café"
    assert answer["Auto-Submitted"] == "auto-replied"
    assert parseaddr(answer["Reply-To"])[1].startswith("reply+")
    plain = answer.get_body(preferencelist=("plain",))
    assert plain is not None
    text = plain.get_content()
    assert f"Revenue last week was {expected}." in text
    assert ("price-list.pdf" in text) == (client == "gmail_with_attachment")
    question = [m for m in ollama.received("/api/chat")[-2].body["messages"] if m["role"] == "user"]
    assert question[-1]["content"] == QUESTIONS[client]  # quoted history and signature never reach the model
    assert any(m["content"] == "(weekly digest)" for m in question[:-1])  # the thread's memory has the digest
