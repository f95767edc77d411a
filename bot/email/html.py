"""HTML mail bodies to plain text, with the quoted history that clients wrap in markup removed first.

Clients mark quoted history in HTML more reliably than in text: Gmail wraps it in ``div.gmail_quote``, Apple
Mail and Thunderbird in ``blockquote type=cite``, Yahoo in ``div.yahoo_quoted``, Thunderbird puts the
attribution in ``div.moz-cite-prefix``; Outlook, Hotmail and Windows Mail put ``div#divRplyFwdMsg``,
``div#appendonsend`` or ``hr#stopSpelling`` before the old message, which follows as siblings, so everything from
there on is dropped.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import html2text

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
QUOTE_CLASSES = (  # quoted history, and signatures the client marks as such
    "gmail_quote",
    "gmail_signature",
    "moz-signature",
    "gmail_extra",
    "yahoo_quoted",
    "moz-cite-prefix",
    "aolreplyquote",
    "protonmail_quote",
    "zmail_extra",
)
DROPPED_IDS = ("signature", "ms-outlook-mobile-signature")
REST_IDS = ("divrplyfwdmsg", "appendonsend", "stopspelling", "mail-editor-reference-message-container")
SKIPPED_TAGS = {"blockquote", "style", "script", "head", "title"}


class _QuoteFilter(HTMLParser):
    """Re-emits the HTML without quoted-history elements (and without anything after an Outlook reply header)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.skip_depth = 0  # > 0 while inside an element being dropped
        self.stack: list[str] = []
        self.done = False

    def _drops(self, tag: str, attrs: dict[str, str]) -> bool:
        classes = attrs.get("class", "").lower()
        ident = attrs.get("id", "").lower()
        if ident.startswith(REST_IDS) or (tag == "hr" and ident == "stopspelling"):
            self.done = True
            return True
        if tag in SKIPPED_TAGS:
            return True
        return (
            any(name in classes for name in QUOTE_CLASSES)
            or ident.startswith("yahoo_quoted")
            or ident in DROPPED_IDS
        )

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        values = {k.lower(): (v or "") for k, v in attrs}
        if self.skip_depth:
            if tag not in VOID:
                self.skip_depth += 1
            return
        if self._drops(tag, values):
            if tag not in VOID and not self.done:
                self.skip_depth = 1
            return
        self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        if self.done:
            return
        if self.skip_depth:
            if tag not in VOID:
                self.skip_depth -= 1
            return
        if tag not in VOID:
            self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if not self.done and not self.skip_depth:
            self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        self.handle_data(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.handle_data(f"&#{name};")


def without_quotes(html: str) -> str:
    """The HTML with quoted-history elements removed."""
    parser = _QuoteFilter()
    parser.feed(html)
    parser.close()
    return "".join(parser.out)


def to_text(html: str) -> str:
    """Readable plain text of an HTML body: no markup, no images, links as their words."""
    converter = html2text.HTML2Text()
    converter.body_width = 0
    converter.ignore_images = True
    converter.ignore_emphasis = True
    converter.ignore_links = True
    converter.ignore_tables = False
    converter.unicode_snob = True
    text = converter.handle(html)
    text = re.sub(r"\\([-*_#+.!>`\[\]()])", r"\1", text)  # html2text's markdown escapes
    text = re.sub(r"[ \t]+\n", "\n", text.replace("\u00a0", " "))
    return re.sub(r"\n{3,}", "\n\n", text).strip()
