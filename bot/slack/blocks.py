"""Block Kit for the coach's words: a headline, the numbers, sources in a context block, and buttons; the digest."""

from __future__ import annotations

import json
import re
from typing import Any

from coach.core import Reply
from coach.digest import Digest, render_markdown
from coach.tools.result import Source, ToolResult

Block = dict[str, Any]
SECTION_LIMIT = 2900  # Slack refuses section text over 3,000 characters
TEXT_LIMIT = 3900  # the plain-text fallback shown in notifications
PLACEHOLDER = ":hourglass_flowing_sand: Looking at your numbers…"
APOLOGY = (
    ":warning: Sorry, something went wrong on my side while answering. "
    "The team has been told; please try again in a minute."
)
NUMBER_TOOLS = (
    "metric_summary",
    "forecast_metric",
    "explain_change",
    "what_if",
    "goal_progress",
    "create_goal",
)
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_HEADING = re.compile(r"^#{1,6}\s*(.+)$", re.MULTILINE)
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_SOURCE_LINE = re.compile(r"^\s*Sources?:.*$", re.MULTILINE)


def escape(text: str) -> str:
    """Text with Slack's three control characters escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(markdown: str) -> str:
    """The coach's Markdown as Slack mrkdwn: bold, headings and links converted, control characters escaped."""
    text = escape(markdown)
    text = _LINK.sub(lambda m: f"<{m.group(2)}|{m.group(1)}>", text)
    text = _HEADING.sub(lambda m: f"*{m.group(1).strip()}*", text)
    return _BOLD.sub(lambda m: f"*{m.group(1)}*", text)


def pieces(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """``text`` cut at paragraph (else line, else hard) boundaries into parts of at most ``limit`` characters."""
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = max(rest.rfind("\n\n", 0, limit), rest.rfind("\n", 0, limit))
        cut = cut if cut > limit // 2 else limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return [*parts, rest] if rest else parts


def section(text: str) -> Block:
    """A mrkdwn section."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:SECTION_LIMIT]}}


def button(label: str, action_id: str, value: dict[str, Any] | str, *, style: str | None = None) -> Block:
    """A button whose value (JSON for dicts) comes back in the action payload."""
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "action_id": action_id,
        "value": value if isinstance(value, str) else json.dumps(value, separators=(",", ":")),
    }
    if style:
        element["style"] = style
    return element


def sources_context(sources: list[Source]) -> Block | None:
    """Where the numbers came from, small print under the answer."""
    if not sources:
        return None
    lines = [f"_{escape(s.tool)}_: {escape(s.data)}; {escape(s.method)}" for s in sources[:5]]
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": ("Sources: " + " · ".join(lines))[:SECTION_LIMIT]}],
    }


def numbers_block(results: list[ToolResult]) -> Block | None:
    """The key figures: each number-giving tool's one-line headline."""
    lines = [f"• {mrkdwn(r.headline)}" for r in results if r.ok and r.tool in NUMBER_TOOLS and r.headline]
    return section("\n".join(lines[:4])) if lines else None


def follow_up_buttons(results: list[ToolResult]) -> Block | None:
    """Buttons that fit the answer: explain a metric's change, show its chart."""
    for result in results:
        if result.ok and result.tool == "metric_summary":
            metric, period = _metric_words(result), _period_words(result)
            return {
                "type": "actions",
                "elements": [
                    button("Explain this", "explain_this", {"metric": metric, "period": period}),
                    button(
                        "Show chart",
                        "show_chart",
                        chart_request("metric_summary", metric=metric, period=period),
                    ),
                ],
            }
    return None


def chart_request(tool: str, **args: str) -> dict[str, Any]:
    """The value of a "Show chart" button: which tool to run again for its chart."""
    return {"tool": tool, "args": args}


def _metric_words(result: ToolResult) -> str:
    metric = str(result.facts.get("metric", "revenue"))
    dimension = str(result.facts.get("dimension") or "")
    return dimension.partition(":")[2] if dimension.startswith("channel:") else metric.replace("_", " ")


def _period_words(result: ToolResult) -> str:
    period = str(result.facts.get("period", "last week"))
    return period.split(" (", 1)[0] if period else "last week"


def streaming_text(text: str) -> str:
    """What the placeholder shows while the answer is still being written."""
    shown = text if len(text) <= TEXT_LIMIT else "…" + text[-TEXT_LIMIT:]
    return mrkdwn(shown) + " …"


def answer_blocks(reply: Reply) -> tuple[str, list[Block]]:
    """The finished answer: (fallback text, blocks) with headline, body, numbers, sources and buttons."""
    body = _SOURCE_LINE.sub("", reply.text).strip() or reply.text.strip()
    headline, _, rest = body.partition("\n")
    blocks: list[Block] = [section(f"*{mrkdwn(headline.strip())}*")]
    blocks += [section(mrkdwn(part)) for part in pieces(rest)]
    results = [r for r in reply.results if r.ok]
    for extra in (numbers_block(results), sources_context(reply.sources), follow_up_buttons(results)):
        if extra is not None:
            blocks.append(extra)
    return body[:TEXT_LIMIT], blocks[:50]


def result_blocks(result: ToolResult, *, buttons: list[Block] | None = None) -> tuple[str, list[Block]]:
    """A tool result on its own (slash commands and buttons): headline, notes or error, sources, buttons."""
    if not result.ok:
        message = result.error or "I could not do that."
        if result.suggestions:
            message += " Did you mean: " + ", ".join(result.suggestions) + "?"
        return message, [section(mrkdwn(message))]
    blocks = [section(mrkdwn(result.headline))]
    if result.notes:
        blocks.append(section("\n".join(f"• {mrkdwn(n)}" for n in result.notes[:5])))
    context = sources_context(result.sources)
    if context is not None:
        blocks.append(context)
    if buttons:
        blocks.append({"type": "actions", "elements": buttons[:25]})
    return result.headline[:TEXT_LIMIT], blocks


def goal_list_blocks(result: ToolResult) -> tuple[str, list[Block]]:
    """The goals, numbered, each with "Mark done" and "Snooze nudge 1 week" buttons."""
    if not result.ok or not result.table:
        return result_blocks(result)
    blocks: list[Block] = [section(f"*{mrkdwn(result.headline.split(':', 1)[0])}*")]
    for row in result.table[:20]:
        text = f"*{row['number']}.* {mrkdwn(str(row['title']))} _({row['status'].replace('_', ' ')})_"
        blocks.append(section(text))
        if row["status"] in ("created", "in_progress"):
            goal = str(row["id"])
            buttons = [button("Snooze nudge 1 week", "goal_snooze", goal)]
            if row["status"] == "in_progress":  # the lifecycle completes only goals in progress
                buttons.insert(0, button("Mark done", "goal_mark_done", goal, style="primary"))
            blocks.append({"type": "actions", "elements": buttons})
    context = sources_context(result.sources)
    if context is not None:
        blocks.append(context)
    return result.headline[:TEXT_LIMIT], blocks[:50]


def usage_blocks(usage: str, problem: str | None = None) -> tuple[str, list[Block]]:
    """How to use a command, with examples (after what was wrong, when known)."""
    text = f"{problem}\n\n{usage}" if problem else usage
    return text, [section(part) for part in pieces(text)]


def digest_blocks(digest: Digest) -> tuple[str, list[Block]]:
    """The weekly digest as a DM: (fallback text, blocks), one section per part of it and its sources below."""
    text = escape(render_markdown(digest)).strip()  # the template's own text has nothing to escape
    blocks = [section(part) for paragraph in text.split("\n\n") for part in pieces(paragraph)]
    context = sources_context(digest.sources)
    if context is not None:
        blocks.append(context)
    stop = {"type": "actions", "elements": [button("Stop the weekly digest", "digest_stop", "stop")]}
    return text[:TEXT_LIMIT], [*blocks[:49], stop]
