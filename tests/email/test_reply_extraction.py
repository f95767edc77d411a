"""``extract_reply`` on replies written by the common mail clients: only the new text is left."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.email.reply import attachments, automatic_reason, extract_reply, parse_message, read_mail

REPLIES = Path(__file__).parent / "replies"
EXPECTED: dict[str, str] = json.loads((REPLIES / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("client", sorted(EXPECTED))
def test_the_new_text_is_extracted(client: str) -> None:
    assert extract_reply((REPLIES / f"{client}.eml").read_bytes()) == EXPECTED[client]


def test_the_corpus_covers_the_clients_the_issue_names() -> None:
    named = {
        "gmail",
        "outlook_desktop",
        "apple_mail",
        "iphone",
        "android_gmail",
        "thunderbird",
        "yahoo",
        "aol",
        "hotmail",
        "windows_mail",
        "mail_ru",
        "yandex",
    }
    assert named <= set(EXPECTED)


def test_an_attachment_is_listed_but_not_part_of_the_text() -> None:
    message = parse_message((REPLIES / "gmail_with_attachment.eml").read_bytes())
    assert [(a.filename, a.content_type) for a in attachments(message)] == [
        ("price-list.pdf", "application/pdf")
    ]
    assert "PDF" not in extract_reply(message.as_bytes())


def test_a_plain_question_without_history_is_kept_whole() -> None:
    raw = b"From: a@b.example\r\nTo: c@d.example\r\nSubject: hi\r\n\r\n"
    raw += b"What were sales on Friday?\r\n\r\nAnd Saturday?\r\n"
    assert extract_reply(raw) == "What were sales on Friday?\n\nAnd Saturday?"


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("Auto-Submitted: auto-replied", "Auto-Submitted: auto-replied"),
        ("Precedence: bulk", "Precedence: bulk"),
        ("Precedence: junk", "Precedence: junk"),
        ("X-Autoreply: yes", "auto-reply header"),
    ],
)
def test_automatic_mail_is_recognised(header: str, reason: str) -> None:
    raw = f"From: a@b.example\r\nTo: c@d.example\r\n{header}\r\nSubject: Out of office\r\n\r\nI am away.\r\n"
    assert automatic_reason(parse_message(raw.encode())) == reason


def test_a_person_writing_is_not_automatic() -> None:
    raw = b"From: a@b.example\r\nTo: c@d.example\r\nAuto-Submitted: no\r\nSubject: Q\r\n\r\nHow was June?\r\n"
    assert automatic_reason(parse_message(raw)) is None


@pytest.mark.parametrize(
    "body",
    [b"", b"\r\n\r\n", b"> the digest, quoted\r\n> and nothing else\r\n"],
    ids=["empty", "blank lines", "quote only"],
)
def test_a_reply_with_no_new_text_extracts_to_nothing(body: bytes) -> None:
    raw = b"From: a@b.example\r\nTo: c@d.example\r\nSubject: Re: Your week\r\n\r\n" + body
    assert extract_reply(raw) == ""


def test_a_subject_whose_encoded_word_holds_line_breaks_is_read_as_one_line() -> None:
    raw = b"From: a@b.example\r\nTo: c@d.example\r\nSubject: =?utf-8?q?Sales=0D=0Aquestion=09now?=\r\n\r\nHi?\r\n"
    assert read_mail(raw).subject == "Sales question now"
