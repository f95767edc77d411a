"""Quote stripping side by side: our ``extract_reply`` against email-reply-parser and mail-parser-reply, on the
reply corpus in ``tests/email/replies`` (one .eml per mail client, with the expected new text).

    .venv/bin/pip install email-reply-parser   # the comparison library (not a dependency of the project)
    .venv/bin/python benchmarks/email_quotes.py
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.email.reply import body_text, extract_reply, parse_message  # noqa: E402

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "email" / "replies"


def _plain(raw: bytes) -> str:
    """What a library that reads text gets: the text part, or the HTML converted (no quote-aware HTML cleaning)."""
    message = parse_message(raw)
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return body_text(message)
    if part.get_content_type() == "text/html":
        from bot.email.html import to_text

        return to_text(str(part.get_content()))
    return str(part.get_content())


def contenders() -> dict[str, Callable[[bytes], str]]:
    """Name -> function from raw message to the new text."""
    found: dict[str, Callable[[bytes], str]] = {"smb-coach extract_reply": extract_reply}
    try:
        from email_reply_parser import EmailReplyParser

        found["email-reply-parser"] = lambda raw: EmailReplyParser.parse_reply(_plain(raw)).strip()
    except ImportError:
        print("email-reply-parser is not installed: pip install email-reply-parser")
    try:
        from mailparser_reply import EmailReplyParser as MailParserReply

        parser = MailParserReply(languages=["en", "de", "fr", "es", "ru"])
        found["mail-parser-reply"] = lambda raw: parser.parse_reply(text=_plain(raw)).strip()
    except ImportError:
        pass
    return found


def main() -> None:
    """Print a table: one row per client, one column per library, and each library's score."""
    expected: dict[str, str] = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
    libraries = contenders()
    scores = dict.fromkeys(libraries, 0)
    print(f"{'client':24}" + "".join(f"{name:>26}" for name in libraries))
    for client, want in sorted(expected.items()):
        raw = (CORPUS / f"{client}.eml").read_bytes()
        cells = []
        for name, extract in libraries.items():
            try:
                right = extract(raw) == want
            except Exception:  # noqa: BLE001 - a library crashing on a message counts as wrong
                right = False
            scores[name] += right
            cells.append("right" if right else "WRONG")
        print(f"{client:24}" + "".join(f"{c:>26}" for c in cells))
    print(f"{'score':24}" + "".join(f"{f'{scores[n]}/{len(expected)}':>26}" for n in libraries))


if __name__ == "__main__":
    main()
