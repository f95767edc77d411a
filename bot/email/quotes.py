"""Cutting quoted history and signatures off the text of a reply.

The new text of a reply is what comes before the first sign of the old message: an attribution line ("On <date>,
<name> wrote:" in its many client and language forms, possibly wrapped over two or three lines), a separator
("-----Original Message-----", Outlook's underscores, "-------- Original message --------"), a block of
"From:/Sent:/To:/Subject:" headers, or a run of ``>`` lines. Then a signature is cut: the RFC 3676 ``-- `` line,
the mobile "Sent from my ..." lines, and a short closing block after "Thanks," and the like.
"""

from __future__ import annotations

import re

WROTE = re.compile(
    r"(wrote|writes|a écrit|schrieb|escribió|escreveu|ha scritto|schreef|skrev|kirjoitti|napisał|"
    r"пишет|написал|написала|написал\(а\)|寫道|写道|が書きました)\s*:?\s*$",
    re.IGNORECASE,
)
ATTRIBUTION_START = re.compile(
    r"^\s*(on|le|am|el|em|il|op|den|w dniu|в|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|"
    r"(понедельник|вторник|среда|четверг|пятница|суббота|воскресенье)\b)",
    re.IGNORECASE,
)
# mail.ru: "Понедельник, 6 июля 2026, 9:00 +03:00 от Smb Coach <reply+...>:"
# Yandex:  "06.07.2026, 09:00, "Smb Coach" <reply+...>:"
ADDRESS_COLON = re.compile(r"(^|\s)(от\s.*)?<[^<>@\s]+@[^<>\s]+>\s*:\s*$", re.IGNORECASE)
DATE_HINT = re.compile(
    r"\d{1,2}:\d{2}|\d{4}|(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|янв|фев|мар|апр|ма|июн|июл|авг|сен|"
    r"окт|ноя|дек)",
    re.IGNORECASE,
)
SEPARATOR = re.compile(
    r"^\s*(-{2,}\s*(original message|original message|message d'origine|ursprüngliche nachricht|"
    r"mensaje original|исходное сообщение|пересылаемое сообщение|forwarded message)\s*-{2,}|"
    r"_{10,}|begin forwarded message:)\s*$",
    re.IGNORECASE,
)
HEADER = re.compile(
    r"^\s*\*?(from|von|de|da|van|от|кому|to|an|à|para|a|sent|gesendet|envoyé|enviado|inviato|отправлено|date|"
    r"datum|fecha|дата|subject|betreff|objet|asunto|oggetto|тема|cc)\*?\s*:",
    re.IGNORECASE,
)
FROM_HEADER = re.compile(r"^\s*\*?(from|von|de|da|van|от)\*?\s*:", re.IGNORECASE)
SIGNATURE_LINE = re.compile(
    r"^\s*(sent from my .{0,40}|sent from (yahoo mail|outlook|mail for windows|aol|samsung|the all new aol).*|"
    r"sent with .{0,30}|get outlook for .{0,20}|sent via .{0,40}|sent from mobile|"
    r"envoyé de mon .{0,20}|von meinem .{0,30} gesendet|enviado desde mi .{0,20}|inviato da .{0,30}|"
    r"отправлено (из|с) .{0,40}|с уважением,?|"
    r"-{2,}\s*|—\s*)\s*$",
    re.IGNORECASE,
)
VALEDICTION = re.compile(
    r"^\s*(thanks|thank you|many thanks|thanks so much|thanks again|cheers|best|best wishes|best regards|"
    r"kind regards|regards|warm regards|all the best|sincerely|ta|speak soon)\s*[,!.]?\s*$",
    re.IGNORECASE,
)
MAX_CLOSING_LINES = 6


def _unquoted(line: str) -> str:
    return line.lstrip(" >").strip()


def _is_attribution(lines: list[str], at: int) -> int:
    """How many lines (1-3) the attribution starting at ``at`` spans, or 0 when there is none.

    A wrapped attribution has no blank line inside and its first line already looks like one (it starts like
    "On ..." or holds a date or time), so a question followed by an attribution is not taken for one.
    """
    if at >= len(lines):  # past the end: an empty body, or nothing before the quote but blank lines
        return 0
    first = _unquoted(lines[at])
    if not first:
        return 0
    for span in (1, 2, 3):
        if at + span > len(lines):
            break
        parts = [_unquoted(line) for line in lines[at : at + span]]
        if not all(parts):
            break
        joined = " ".join(parts)
        if len(joined) > 300:
            break
        opening = ATTRIBUTION_START.match(first) or DATE_HINT.search(first)
        if span > 1 and not opening:
            break
        if WROTE.search(joined) and (opening or "@" in joined):
            return span
        if ADDRESS_COLON.search(joined) and DATE_HINT.search(joined):
            return span
    return 0


def _is_header_block(lines: list[str], at: int) -> bool:
    """A From: line followed within a few lines by at least two more header lines (an Outlook-style quote)."""
    if not FROM_HEADER.match(lines[at]):
        return False
    following = [line for line in lines[at + 1 : at + 8] if line.strip()]
    return sum(1 for line in following[:5] if HEADER.match(line)) >= 2


def _quote_start(lines: list[str]) -> int:
    """Index of the first line of quoted history (``len(lines)`` when there is none)."""
    for at, line in enumerate(lines):
        if SEPARATOR.match(line) or _is_attribution(lines, at) or _is_header_block(lines, at):
            return at
        if line.lstrip().startswith(">") and all(
            not rest.strip() or rest.lstrip().startswith(">") for rest in lines[at:]
        ):
            return at  # a trailing block of > lines with no attribution
    return len(lines)


def _signature_start(lines: list[str]) -> int:
    """Index where the signature begins (``len(lines)`` when there is none)."""
    for at, line in enumerate(lines):
        if at > 0 and (line.rstrip("\n") in ("-- ", "--") or SIGNATURE_LINE.match(line)):
            return at
    for at, line in enumerate(lines):
        rest = [r for r in lines[at + 1 :] if r.strip()]
        if (
            at > 0
            and VALEDICTION.match(line)
            and len(rest) <= MAX_CLOSING_LINES
            and all(len(r.strip()) <= 60 and not r.rstrip().endswith("?") for r in rest)
        ):
            return at
    return len(lines)


def strip_quoted(text: str) -> str:
    """The new part of a reply's text: quoted history, quote lines and signature removed."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = _quote_start(lines)
    if any(line.strip() for line in lines[:start]):
        lines = lines[:start]
    else:  # bottom-posted: the new text follows the quote; drop the attribution and keep what is not quoted
        lines = lines[start + max(_is_attribution(lines, start), 0) :]
    lines = [line for line in lines if not line.lstrip().startswith(">")]  # inline quotes between answers
    lines = lines[: _signature_start(lines)]
    kept = "\n".join(line.rstrip() for line in lines)
    return re.sub(r"\n{3,}", "\n\n", kept).strip()
