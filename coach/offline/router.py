"""Deciding what a message asks for: which tools (one per clause of a compound question), small talk, or a
clarifying question when nothing matches well enough."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from coach.offline.intents import NON_TOOL_INTENTS, Embedder, IntentBank
from coach.offline.phrases import clean, correct

THRESHOLD = 0.50  # below this the best intent is a guess: ask instead
CLAUSE_THRESHOLD = 0.56  # a clause of a compound question must be this clear to add a tool of its own
QUESTION_START = (
    r"(?:what|what's|whats|how|why|when|which|who|where|should|can|could|would|will|do|does|did|is|are|tell|show"
    r"|give|make|set|mark|plan|forecast|suggest|list|create|let's|lets|then|predict)"
)
SPLIT = re.compile(
    rf"(?:[?!;]+|\.\s+|,?\s+(?:and|also|plus|then)\s+(?:also\s+)?(?={QUESTION_START}\b)|,\s+(?=(?:also|and|then)\b))"
)
FOLLOW_UP = re.compile(
    r"^(?:and|what about|how about|same for|same but|and for|and in|and the|or|then|now|ok and|what if it was)\b"
)


@dataclass(frozen=True)
class Choice:
    """One tool picked for one clause, with how sure the router was."""

    tool: str
    score: float
    clause: str


@dataclass
class Route:
    """The router's decision: ``tools`` (choices), ``smalltalk``, ``offtopic`` or ``clarify``."""

    kind: str
    choices: list[Choice] = field(default_factory=list)
    candidates: list[str] = field(default_factory=list)  # for ``clarify``: the likeliest tools
    scores: dict[str, float] = field(default_factory=dict)
    follow_up: bool = False


def split_clauses(text: str) -> list[str]:
    """The separate questions in a compound message ("why did sales drop and what should I order?")."""
    parts = [p.strip(" ,.") for p in SPLIT.split(clean(text))]
    parts = [re.sub(r"^(?:also|and|then|plus)\s+", "", p) for p in parts]
    return [p for p in parts if len(p.split()) >= 2] or [clean(text)]


def is_follow_up(text: str) -> bool:
    """A short message that only makes sense with the previous question ("and last month?", "what about orders")."""
    words = clean(text).rstrip("?.!").split()
    return len(words) <= 6 and bool(FOLLOW_UP.match(" ".join(words)))


class Router:
    """Scores messages against the intent bank; only tools in ``offered`` are ever chosen."""

    def __init__(self, bank: IntentBank, embedder: Embedder, *, use_cues: bool = True) -> None:
        self.bank = bank
        self.embedder = embedder
        self.use_cues = use_cues
        self._memo: dict[str, np.ndarray] = {}

    def prime(self, texts: list[str]) -> None:
        """Embed many messages (and their clauses) in one batch ahead of routing them (for evaluations)."""
        cleaned = [correct(clean(t), self.bank.vocabulary) for t in texts]
        pending = list(dict.fromkeys([*cleaned, *(c for t in cleaned for c in split_clauses(t))]))
        self._memo.update(zip(pending, self.embedder(pending), strict=True))

    def _vectors(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in texts if t not in self._memo]
        if len(missing) == len(texts):
            return self.embedder(texts)
        fresh = dict(zip(missing, self.embedder(missing), strict=True)) if missing else {}
        return np.stack([self._memo[t] if t in self._memo else fresh[t] for t in texts])

    def _scores(self, texts: list[str]) -> np.ndarray:
        scores = self.bank.similarity(self._vectors(texts))
        return scores + self.bank.cues(texts) if self.use_cues else scores

    def _best(self, row: np.ndarray, allowed: list[int]) -> tuple[str, float, list[str]]:
        order = sorted(allowed, key=lambda i: -row[i])
        names = [self.bank.names[i] for i in order]
        return names[0], float(row[order[0]]), names[1:3]

    def route(self, text: str, *, offered: set[str], previous: str | None = None) -> Route:
        """What ``text`` asks for, given the tools on offer and the previous user message, if any."""
        allowed = [i for i, name in enumerate(self.bank.names) if name in offered or name in NON_TOOL_INTENTS]
        follow_up = previous is not None and is_follow_up(text)
        text = correct(clean(text), self.bank.vocabulary)
        whole = f"{clean(previous)} ; {text}" if follow_up and previous else text
        clauses = split_clauses(whole) if not follow_up else [whole]
        texts = [whole, *clauses] if len(clauses) > 1 else [whole]
        scores = self._scores(texts)
        best, score, others = self._best(scores[0], allowed)
        summary = {self.bank.names[i]: round(float(scores[0][i]), 3) for i in allowed}
        if follow_up and previous:
            # the previous question decides the tool; the new words only change its arguments
            best, score, others = self._best(self._scores([clean(previous)])[0], allowed)
        picked: list[Choice] = []
        for row, clause in zip(scores[1:], clauses, strict=False) if len(clauses) > 1 else []:
            name, clause_score, _ = self._best(row, allowed)
            if name not in NON_TOOL_INTENTS and clause_score >= CLAUSE_THRESHOLD:
                picked.append(Choice(name, clause_score, clause))
        if len({c.tool for c in picked}) >= 2:
            return Route("tools", choices=picked, scores=summary)
        if score < THRESHOLD:
            return Route(
                "clarify",
                candidates=[n for n in (best, *others) if n not in NON_TOOL_INTENTS][:2],
                scores=summary,
            )
        if best in NON_TOOL_INTENTS:
            return Route(best, scores=summary)
        return Route("tools", choices=[Choice(best, score, whole)], scores=summary, follow_up=follow_up)
