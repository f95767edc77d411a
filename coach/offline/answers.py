"""The offline model's words: final answers written from tool results, clarifying questions, small talk.

Every template renders data the tools returned (headline, table rows, notes, sources) and fixed wording with no
figures, so every number in an answer comes from the tool JSON. Tool content is parsed as ``ToolResult`` data and
never interpreted: text inside it that looks like an instruction is just text to quote.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import ValidationError

from coach.format import money
from coach.tools.result import ToolResult
from prompts.loader import environment, render

ANSWERS = "offline/answers"
ROW_LIMITS = {"optimize_inventory": 25, "plan_staffing": 60, "list_goals": 20, "allocate_budget": 10}
SUPPORTING_LINES = 3  # after the lead: more than three and the owner stops reading
DEFAULT_ROW_LIMIT = 6


def cell(value: Any) -> str:
    """A table value as text: thousands separators, at most the decimals the tool gave, lists joined."""
    if isinstance(value, bool) or value is None:
        return {True: "yes", False: "no", None: "-"}[value]
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"
    if isinstance(value, list):
        return ", ".join(cell(v) for v in value)
    return str(value)


def row_text(row: dict[str, Any]) -> str:
    """One table row as ``key: value`` pairs."""
    return ", ".join(
        f"{key.replace('_', ' ')}: {cell(value)}" for key, value in row.items() if value is not None
    )


def parse_result(content: str, tool_name: str) -> ToolResult:
    """The ToolResult in a tool message, or a failed one when the content is not ToolResult JSON."""
    try:
        data = json.loads(content)
        if isinstance(data, dict):
            data.setdefault("tool", tool_name)
            return ToolResult.model_validate(data)
    except (ValueError, ValidationError):
        pass
    return ToolResult(
        tool=tool_name or "tool",
        ok=False,
        error=f"I ran {(tool_name or 'a tool').replace('_', ' ')} but could not read its answer.",
    )


def _template(tool: str) -> str:
    name = f"{ANSWERS}/{tool}.md.j2"
    return name if name in environment().list_templates() else f"{ANSWERS}/generic.md.j2"


def helpers(currency: str) -> dict[str, Callable[..., str]]:
    """What the answer templates format figures with: the tenant's money, whole percentages, counts."""
    return {
        "money": lambda value: money(float(value), currency),
        "pct": lambda value: f"{float(value):.0%}",
        "count": lambda value: f"{float(value):,.0f}",
    }


def result_text(result: ToolResult) -> str:
    """One tool result in words: a lead, at most three supporting lines, the plan's rows, one Source line."""
    if not result.ok:
        return render(f"{ANSWERS}/error.md.j2", r=result)
    limit = ROW_LIMITS.get(result.tool, DEFAULT_ROW_LIMIT)
    return render(
        _template(result.tool),
        r=result,
        table=result.table[:limit],
        rows=[row_text(row) for row in result.table[:limit]],
        more_rows=len(result.table) > limit,
        sources=list(dict.fromkeys(f"{s.tool}: {s.data} ({s.method})" for s in result.sources)),
        **helpers(str(result.facts.get("currency") or "USD")),
    )


def final_answer(results: Iterable[tuple[str, str]]) -> str:
    """The answer to a turn from its tool results, given as (tool name, message content) pairs."""
    sections = [result_text(parse_result(content, name)).strip() for name, content in results]
    return "\n\n".join(s for s in sections if s) or "I have nothing to report for that."


SMALLTALK_KINDS: tuple[tuple[str, str], ...] = (
    ("thanks", r"\b(?:thanks?|thank you|ty|cheers|appreciated|nice one|great work|perfect)\b"),
    ("bye", r"\b(?:bye|goodbye|see you|later|good night)\b"),
    ("identity", r"\b(?:who|what) are you\b|\b(?:bot|robot|human|real person)\b"),
    ("help", r"\bwhat can you\b|\bhelp\b|\bwhat do you do\b"),
    ("greeting", r"\b(?:hi|hello|hey|yo|morning|afternoon|evening|how are you)\b"),
)


def smalltalk(text: str, offered: list[str], *, offtopic: bool = False) -> str:
    """A friendly reply without tools: greeting, thanks, who I am, what I can do, or a polite off-topic no."""
    low = text.lower()
    kind = "offtopic" if offtopic else next((k for k, p in SMALLTALK_KINDS if re.search(p, low)), "ack")
    return render("offline/smalltalk.md.j2", kind=kind, tools=offered).strip()


def clarify(candidates: list[str], missing: dict[str, list[str]], offered: list[str]) -> str:
    """A short question: which of the likeliest things the owner meant, or the argument a tool still needs."""
    return render("offline/clarify.md.j2", candidates=candidates, missing=missing, tools=offered).strip()
