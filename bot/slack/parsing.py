"""Reading slash-command arguments into tool arguments; anything unreadable becomes a usage message."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

GOAL_USAGE = (
    "*/goal* keeps your goals:\n"
    "• `/goal add revenue 90000 by end of March` (a metric, a number and a deadline)\n"
    "• `/goal add 2,500 customers in December`\n"
    "• `/goal list` (or `/goal list all`)\n"
    "• `/goal done 2` · `/goal archive 3`\n"
    "• `/goal update 1 target 95000` · `/goal update 1 by end of April`"
)
METRICS_USAGE = (
    "*/metrics* shows your numbers:\n"
    "• `/metrics` (an overview of last week)\n"
    "• `/metrics revenue` · `/metrics orders last month` · `/metrics average ticket since 1 March`"
)
FORECAST_USAGE = (
    "*/forecast* looks ahead:\n"
    "• `/forecast revenue` (next 4 weeks) · `/forecast customers next month` · `/forecast orders 8 weeks`"
)
COACH_USAGE = (
    "*/coach* asks the coach anything about your business:\n"
    "• `/coach how were sales last week?` · `/coach what should I order this week?`"
)
USAGE = {"/goal": GOAL_USAGE, "/metrics": METRICS_USAGE, "/forecast": FORECAST_USAGE, "/coach": COACH_USAGE}
LIST_FILTERS = {"": "active", "active": "active", "all": "all", "done": "completed", "completed": "completed",
                "archived": "archived", "in progress": "in_progress"}  # fmt: skip
NUMBER = re.compile(r"(?<![\w.])[$£€]?\s?(\d[\d,]*(?:\.\d+)?)\s?([kKmM])?(?![\w.])")
DEADLINES = (
    re.compile(r"\b(?:by|before|until|till|deadline|due)\s+(.+)$", re.IGNORECASE),
    re.compile(r"\b(?:in|within)\s+(.+)$", re.IGNORECASE),
)
PERIOD_START = re.compile(
    r"\b(?:last|this|past|previous|since|from|yesterday|today|in|during|for|ytd|mtd|q[1-4]|\d{4}-\d{2}|"
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:tember)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b",
    re.IGNORECASE,
)
HORIZON_START = re.compile(r"\b(?:next|for|over|through|until|till|to|in|\d+)\b", re.IGNORECASE)
GOAL_FILLER = re.compile(
    r"\b(?:goal|of|reach|hit|get|to|a|an|the|our|my|at least|target|per|make)\b", re.IGNORECASE
)


class UsageError(Exception):
    """The command's arguments cannot be read; the message says what was wrong."""


@dataclass(frozen=True)
class ToolRequest:
    """A tool to run with its arguments (what a slash command asks for)."""

    tool: str
    args: dict[str, Any] = field(default_factory=dict)


def _number(raw: str, suffix: str | None) -> float:
    value = float(raw.replace(",", ""))
    return value * {"k": 1e3, "m": 1e6}.get((suffix or "").lower(), 1.0)


def _goal_number(words: list[str], verb: str) -> str:
    if not words or not re.fullmatch(r"#?\d{1,3}", words[0]):
        raise UsageError(f"`/goal {verb}` needs the goal's number from `/goal list`, e.g. `/goal {verb} 2`.")
    return words[0].lstrip("#")


def parse_goal_add(text: str) -> dict[str, Any]:
    """``revenue 90000 by end of March`` -> create_goal arguments (the SMART checks happen in the tool)."""
    deadline_match = DEADLINES[0].search(text) or DEADLINES[1].search(text)
    if deadline_match is None:
        raise UsageError("Your goal needs a deadline, e.g. `by end of March` or `in 8 weeks`.")
    head = text[: deadline_match.start()]
    number = NUMBER.search(head)
    if number is None:
        raise UsageError("Your goal needs a number to reach, e.g. `revenue 90000 by end of March`.")
    metric = " ".join(GOAL_FILLER.sub(" ", NUMBER.sub(" ", head)).split())
    if not metric:
        raise UsageError("Which metric is the goal about? e.g. `revenue`, `customers`, `orders`.")
    return {
        "metric": metric,
        "target": _number(number.group(1), number.group(2)),
        "deadline": deadline_match.group(1).strip(" ."),
    }


def parse_goal_update(words: list[str]) -> dict[str, Any]:
    """``1 target 95000 by end of April`` -> update_goal arguments."""
    goal = _goal_number(words, "update")
    rest = " ".join(words[1:])
    args: dict[str, Any] = {"goal": goal}
    deadline_match = re.search(r"\b(?:by|deadline|until|till|due)\s+(.+)$", rest, re.IGNORECASE)
    if deadline_match:
        args["deadline"] = deadline_match.group(1).strip(" .")
        rest = rest[: deadline_match.start()]
    number = NUMBER.search(rest)
    if number:
        args["target"] = _number(number.group(1), number.group(2))
    if len(args) == 1:
        raise UsageError("What should change? Give a new target, a new deadline, or both.")
    return args


def parse_goal(text: str) -> ToolRequest:
    """The tool call a ``/goal`` command asks for."""
    words = text.split()
    verb = words[0].lower() if words else ""
    rest = words[1:]
    if verb == "add":
        if not rest:
            raise UsageError("`/goal add` needs the goal itself.")
        return ToolRequest("create_goal", parse_goal_add(" ".join(rest)))
    if verb == "list":
        status = LIST_FILTERS.get(" ".join(rest).lower())
        if status is None:
            raise UsageError("`/goal list` takes nothing, or `all`, `completed` or `archived`.")
        return ToolRequest("list_goals", {"status": status})
    if verb in ("done", "complete", "completed"):
        return ToolRequest("update_goal", {"goal": _goal_number(rest, "done"), "status": "completed"})
    if verb == "archive":
        return ToolRequest("update_goal", {"goal": _goal_number(rest, "archive"), "status": "archived"})
    if verb == "update":
        return ToolRequest("update_goal", parse_goal_update(rest))
    raise UsageError(f"I don't know `/goal {verb}`." if verb else "")


def _split(text: str, starts: re.Pattern[str]) -> tuple[str, str]:
    match = starts.search(text)
    if match is None:
        return text.strip(), ""
    return text[: match.start()].strip(), text[match.start() :].strip()


def parse_metrics(text: str) -> ToolRequest | None:
    """The tool call ``/metrics <metric> [period]`` asks for; None for the overview (no arguments)."""
    if not text.strip():
        return None
    metric, period = _split(text, PERIOD_START)
    if not metric:
        raise UsageError("Name a metric first, e.g. `/metrics revenue last month`.")
    return ToolRequest("metric_summary", {"metric": metric, "period": period or "last week"})


def parse_forecast(text: str) -> ToolRequest:
    """The tool call ``/forecast <metric> [horizon]`` asks for."""
    metric, horizon = _split(text, HORIZON_START)
    if not metric:
        raise UsageError("Name the metric to forecast, e.g. `/forecast revenue next month`.")
    if horizon and re.fullmatch(r"\d+", horizon):
        horizon += " weeks"
    return ToolRequest("forecast_metric", {"metric": metric, "horizon": horizon or "next 4 weeks"})
