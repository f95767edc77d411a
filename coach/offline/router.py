"""Deciding what a message asks for: which tools (one per clause of a compound question), small talk, or a
clarifying question when nothing matches well enough."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from coach.offline.classifier import IntentClassifier
from coach.offline.intents import NON_TOOL_INTENTS, STRONG_CUES, Embedder, IntentBank
from coach.offline.phrases import clean, correct

THRESHOLD = 0.50  # below this the best intent is a guess: ask instead
CLEAR_LEAD = 0.15  # ... unless it leads the runner-up by this much and scores at least LEAD_FLOOR
LEAD_FLOOR = 0.40
CLAUSE_THRESHOLD = 0.56  # a clause of a compound question must be this clear to add a tool of its own
CLASSIFIER_WEIGHT = 0.5  # how far the classifier's probability moves a score (0.5 -> +-0.25 at the extremes)
SWITCH_THRESHOLD = 0.70  # a follow-up's own words must be this clear to leave the previous answer's tool
QUESTION_START = (
    r"(?:what|what's|whats|how|why|when|which|who|where|should|can|could|would|will|do|does|did|is|are|tell|show"
    r"|give|make|set|mark|plan|forecast|suggest|list|create|let's|lets|then|predict|archive|compare|split|order"
    r"|remind|pull|check)"
)
SPLIT = re.compile(
    rf"(?:[?!;]+|\.\s+|\s+[+&]\s+|,?\s+(?:and|also|plus|then)\s+(?:also\s+)?(?={QUESTION_START}\b)"
    r"|,\s+(?=(?:also|and|then)\b))"
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


# words that point back at the previous question's period or subject ("the week before that", "same time
# last year?", "how about that goal")
POINTS_BACK = re.compile(
    r"\b(?:before|after) (?:that|then)\b|\bsame (?:time|month|week|period|days?) (?:last year|a year ago)\b"
    r"|\bthe one before\b|\bthat (?:week|month|day|period|goal|one|channel|product)\b|\binstead\b"
)


def is_follow_up(text: str) -> bool:
    """A short message that only makes sense with the previous question ("and last month?", "what about orders",
    "the week before that?")."""
    words = clean(text).rstrip("?.!").split()
    joined = " ".join(words)
    return (len(words) <= 6 and bool(FOLLOW_UP.match(joined))) or (
        len(words) <= 9 and bool(POINTS_BACK.search(joined))
    )


class Router:
    """Scores messages against the intent bank; only tools in ``offered`` are ever chosen."""

    def __init__(
        self,
        bank: IntentBank,
        embedder: Embedder,
        *,
        use_cues: bool = True,
        classifier: IntentClassifier | None = None,
        similarity: bool = True,
    ) -> None:
        self.bank = bank
        self.embedder = embedder
        self.use_cues = use_cues
        self.classifier = classifier
        self.similarity = similarity or classifier is None
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
        """Per text and intent: example similarity, moved up or down by how sure the classifier is (a confident
        0.9 adds 0.2, an unsure 0.3 takes 0.1 away), plus the cue-word bonus."""
        vectors = self._vectors(texts)
        scores = (
            self.bank.similarity(vectors)
            if self.similarity
            else np.full((len(texts), len(self.bank.names)), 0.5, dtype=np.float32)
        )
        if self.classifier is not None:
            scores = scores + CLASSIFIER_WEIGHT * (self.classifier.probabilities(vectors) - 0.5)
        return scores + self.bank.cues(texts) if self.use_cues else scores

    def _best(self, row: np.ndarray, allowed: list[int]) -> tuple[str, float, list[str]]:
        order = sorted(allowed, key=lambda i: -row[i])
        names = [self.bank.names[i] for i in order]
        return names[0], float(row[order[0]]), names[1:3]

    def _strongly_cued(self, text: str, name: str) -> bool:
        """Whether ``text`` carries a decisive cue for intent ``name`` ("why" for explain_change)."""
        return name in STRONG_CUES and re.search(STRONG_CUES[name], text) is not None

    def route(
        self,
        text: str,
        *,
        offered: set[str],
        previous: str | None = None,
        previous_tools: Sequence[str] = (),
        follow_up: bool = False,
    ) -> Route:
        """What ``text`` asks for, given the tools on offer, the previous user message and the tools that
        answered it, if any (a follow-up keeps that tool unless its own words clearly ask for another).

        In a thread, a short message that would otherwise get a clarifying question ("vs Q3 last year?", "just
        the pastries", "ok but i only have 1000") is read as a follow-up of the previous question."""
        allowed = [i for i, name in enumerate(self.bank.names) if name in offered or name in NON_TOOL_INTENTS]
        original = text
        follow_up = previous is not None and (follow_up or is_follow_up(text))
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
            own_row = self._scores([text])[0]
            own, own_score, _ = self._best(own_row, allowed)
            decided = own_score >= SWITCH_THRESHOLD or self._strongly_cued(text, own)
            if own in NON_TOOL_INTENTS and own_score >= SWITCH_THRESHOLD:
                return Route(own, scores=summary)  # "actually nvm, who won the game last night"
            if previous_tools:
                keep = own == previous_tools[0] or not decided or own in NON_TOOL_INTENTS
                best, score = (previous_tools[0], max(score, THRESHOLD)) if keep else (own, own_score)
            elif decided and own not in NON_TOOL_INTENTS:
                best, score = own, max(own_score, THRESHOLD)
        picked: list[Choice] = []
        for row, clause in zip(scores[1:], clauses, strict=False) if len(clauses) > 1 else []:
            name, clause_score, _ = self._best(row, allowed)
            if name not in NON_TOOL_INTENTS and clause_score >= CLAUSE_THRESHOLD:
                picked.append(Choice(name, clause_score, clause))
        if len({c.tool for c in picked}) >= 2:
            return Route("tools", choices=picked, scores=summary)
        runner_up = max((float(scores[0][i]) for i in allowed if self.bank.names[i] != best), default=0.0)
        if score < THRESHOLD and score >= LEAD_FLOOR and score - runner_up >= CLEAR_LEAD and not follow_up:
            score = THRESHOLD  # a modest score far ahead of every other reading is not a guess
        if score < THRESHOLD and previous is not None and not follow_up and len(text.split()) <= 10:
            return self.route(
                original, offered=offered, previous=previous, previous_tools=previous_tools, follow_up=True
            )
        if score < THRESHOLD:
            return Route(
                "clarify",
                candidates=[n for n in (best, *others) if n not in NON_TOOL_INTENTS][:2],
                scores=summary,
            )
        if best in NON_TOOL_INTENTS:
            return Route(best, scores=summary)
        return Route("tools", choices=[Choice(best, score, whole)], scores=summary, follow_up=follow_up)
