"""From a routed message to concrete tool calls with arguments, or to what to ask the owner."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from llama_index.core.tools.types import BaseTool

from coach.offline.arguments import Extraction, extract, merge
from coach.offline.router import Choice, Route, Router


@dataclass(frozen=True)
class PlannedCall:
    """A tool to call and the arguments to call it with."""

    tool: str
    args: dict[str, Any]


@dataclass
class Plan:
    """What the model will do with a user message: ``tools``, ``smalltalk``, ``offtopic``, ``clarify`` or
    ``missing`` (a tool was chosen but a required argument is not in the message)."""

    kind: str
    calls: list[PlannedCall] = field(default_factory=list)
    candidates: list[str] = field(default_factory=list)
    missing: dict[str, list[str]] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)


def tool_schema(tool: BaseTool) -> dict[str, Any]:
    """The JSON schema of a tool's arguments (empty when it takes none)."""
    try:
        return tool.metadata.get_parameters_dict()
    except (AttributeError, ValueError):
        return {"properties": {}, "required": []}


RUNNER_UP_GAP = 0.12  # a runner-up this close that needs nothing more is the likelier reading


def _complete_runner_up(
    route: Route, choice: Choice, offered: dict[str, BaseTool]
) -> tuple[Choice, Extraction] | None:
    """When the best tool lacks a required argument ("am I gonna make my revenue goal": create_goal without a
    number), the second-best tool if it scores nearly as well and has everything it needs (goal_progress)."""
    ranked = sorted(
        ((name, score) for name, score in route.scores.items() if name in offered and name != choice.tool),
        key=lambda item: -item[1],
    )
    if not ranked or choice.score - ranked[0][1] > RUNNER_UP_GAP:
        return None
    name = ranked[0][0]
    other = extract(name, tool_schema(offered[name]), choice.clause)
    if other.missing or not set(other.args) - other.defaulted:  # a reading the words say something to
        return None
    return Choice(name, ranked[0][1], choice.clause), other


def plan(
    router: Router,
    text: str,
    tools: Sequence[BaseTool],
    previous: str | None = None,
    previous_calls: Sequence[PlannedCall] = (),
) -> Plan:
    """Route ``text`` over the offered ``tools`` and extract each chosen tool's arguments from its clause.

    A follow-up ("and the week before that?") builds on the arguments the previous answer's call was made with
    when the thread remembers them (``previous_calls``), else on the previous question's words."""
    offered = {t.metadata.name: t for t in tools if t.metadata.name}
    asked_before = [c.tool for c in previous_calls if c.tool in offered]
    route: Route = router.route(text, offered=set(offered), previous=previous, previous_tools=asked_before)
    if route.kind != "tools":
        return Plan(route.kind, candidates=route.candidates, scores=route.scores)
    calls: list[PlannedCall] = []
    missing: dict[str, list[str]] = {}
    for choice in route.choices:
        schema = tool_schema(offered[choice.tool])
        earlier = next((c for c in previous_calls if c.tool == choice.tool), None)
        if route.follow_up and earlier is not None:
            found: Extraction = merge(
                Extraction(args=earlier.args, missing=[]), extract(choice.tool, schema, text)
            )
        elif route.follow_up and previous is not None:
            found = merge(extract(choice.tool, schema, previous), extract(choice.tool, schema, text))
        else:
            found = extract(choice.tool, schema, choice.clause)
        if found.missing and len(route.choices) == 1 and not route.follow_up:
            alternative = _complete_runner_up(route, choice, offered)
            if alternative is not None:
                choice, found = alternative
        if found.missing:
            missing[choice.tool] = found.missing
            continue
        if PlannedCall(choice.tool, found.args) not in calls:
            calls.append(PlannedCall(choice.tool, found.args))
    if missing:
        return Plan("missing", calls=calls, missing=missing, scores=route.scores)
    return Plan("tools", calls=calls, scores=route.scores)
