"""Intent examples (``prompts/offline/intents/<intent>.txt``) embedded once, and how a message scores on each.

An intent's score for a text is a blend of its best and its three best example similarities (cosine, since the
vectors are normalised), plus a small bonus when the text carries a cue word for it ("why" for explain_change,
"rota" for plan_staffing). The embeddings do the work; cues break near-ties that MiniLM gets wrong, such as "what
will sales be" (forecast) against "what were sales" (summary), which differ by one word.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from coach import embeddings
from coach.offline.phrases import find_periods
from coach.vocabulary import mentioned_metrics
from prompts.loader import ROOT

INTENTS_DIR = ROOT / "offline" / "intents"
NON_TOOL_INTENTS = ("smalltalk", "offtopic")
CUE_BONUS = 0.12
STRONG_CUE_BONUS = 0.2
STRUCTURE_BONUS = 0.08
AHEAD = (
    r"\b(?:next|coming|upcoming|will|going to|gonna|ahead|future|expect\w*|forecast\w*|predict\w*|until|by)\b"
)
PAST = r"\b(?:did|was|were|had|came|got|made|took|sold|last|ago|yesterday|so far)\b"
Embedder = Callable[[Sequence[str]], np.ndarray]

# Cue words per intent: generic domain words owners use for one kind of question and rarely for the others.
# (Written from the tools' purpose, not from benchmark questions; see docs/offline-model.md.)
CUE_WORDS: dict[str, tuple[str, ...]] = {
    "metric_summary": (
        r"how (?:much|many)\b[\w ]{0,24}\b(?:did|were|was)",
        r"how (?:busy|quiet|good) (?:were|was)",
        r"how (?:were|was|did)",
        r"total",
        r"so far",
        r"what (?:was|were)",
        r"compared? (?:to|with)",
        r"vs",
    ),
    "list_metrics": (
        r"metrics",
        r"what (?:data|numbers|stats|figures|information)",
        r"data (?:do|have)",
        r"dataset",
    ),
    "forecast_metric": (
        r"forecast\w*",
        r"predict\w*",
        r"projections?",
        r"outlook",
        r"expect\w*",
        r"will (?:we|sales|revenue|it)",
        r"going to (?:be|have|look)",
        r"next (?:week|month|quarter|year|\d+)",
        r"coming",
        r"ahead",
    ),
    "explain_change": (
        r"why",
        r"what caused",
        r"causes?d?",
        r"what happened",
        r"behind the",
        r"driv(?:ing|ers?)",
        r"explain\w*",
        r"reasons?",
        r"(?:dip|drop|slump|spike|jump|fall|fell|decline|dropped)s?",
    ),
    "what_if": (
        r"what if",
        r"what happens if",
        r"what would",
        r"if (?:we|i)",
        r"simulat\w*",
        r"impact of",
        r"worth (?:it|raising|adding|opening)",
        r"scenario",
        r"suppose",
    ),
    "optimize_inventory": (
        r"order",
        r"reorder\w*",
        r"restock\w*",
        r"stock",
        r"purchase order",
        r"suppliers?",
        r"run(?:ning)? (?:out|low)",
        r"buy",
        r"inventory",
    ),
    "plan_staffing": (
        r"rota",
        r"roster",
        r"schedule",
        r"shifts?",
        r"staffing",
        r"staff plan",
        r"overstaffed",
        r"understaffed",
    ),
    "allocate_budget": (
        r"split",
        r"allocat\w*",
        r"divide",
        r"mix",
        r"channels?",
        r"across",
        r"rebalance",
        r"ad budget",
    ),
    "create_goal": (
        r"set (?:a|up a|me a|us a)",
        r"new (?:goal|target)",
        r"create (?:a )?(?:goal|target)",
        r"aim for",
        r"goal of",
    ),
    "list_goals": (r"(?:show|list|what are)\b.*\bgoals", r"what (?:targets|goals)", r"archived"),
    "update_goal": (
        r"mark",
        r"archive",
        r"change the\b.*\b(?:goal|target)",
        r"deadline",
        r"extend",
        r"postpone",
    ),
    "goal_progress": (r"on track", r"progress", r"at risk", r"how close", r"behind", r"achievable"),
    "search_history": (
        r"talk(?:ed)? about",
        r"discuss\w*",
        r"you (?:said|told|tell)",
        r"last time",
        r"history",
        r"remind me",
    ),
    "benchmark_compare": (
        r"industry",
        r"benchmarks?",
        r"similar",
        r"peers?",
        r"typical",
        r"normal",
        r"sector",
        r"competitors?",
    ),
    "smalltalk": (
        r"^(?:hi|hello|hey|thanks|thank you|bye|good (?:morning|afternoon|evening))",
        r"who are you",
        r"what can you",
    ),
}
CUES: dict[str, str] = {name: r"\b(?:" + "|".join(words) + r")\b" for name, words in CUE_WORDS.items()}

# Cues that on their own nearly settle the question (a "what if" is a scenario whatever it mentions).
STRONG_CUES: dict[str, str] = {
    "what_if": r"\bwhat if\b|\bwhat happens if\b|\bwhat would happen\b|\bsimulate\b"
    r"|\b(?:impact|effect) of (?:a |an )?(?:\d+(?:\.\d+)?% )?(?:price|prices|marketing|ad) "
    r"(?:rise|increase|cut|drop|change)",
    "explain_change": r"\bwhy\b|\bhow come\b",
    "forecast_metric": r"\bforecast|\bpredict",
    "benchmark_compare": r"\bindustry\b|\bbenchmark",
    "search_history": r"\bhistory\b|\b(?:past|previous|earlier) (?:chats?|conversations?)\b"
    r"|\byou (?:said|told me|suggested|mentioned|recommended)\b|\bwe (?:discussed|talked about|decided)\b",
    # finishing a goal: "tick it off", "we smashed the revenue one, close it", "goal 3 is done"
    "update_goal": r"\btick (?:it|that|them) off\b|\bclose (?:it|that|the \w+ (?:one|goal))\b"
    r"|\b(?:goal|target) #?\d\b.*\b(?:is|are) (?:done|complete|finished|hit)\b|\bwe (?:smashed|nailed|hit|reached)\b",
    "goal_progress": r"\bon (?:track|target)\b|\b(?:gonna|going to) (?:hit|make|reach)\b.*\b(?:goal|target)"
    r"|\bhow'?s (?:the |our |my )?[\w ]{0,20}(?:goal|target|one|thing) (?:going|doing|looking|tracking)",
}


@dataclass(frozen=True)
class IntentBank:
    """Every intent's example vectors, stacked, with the intent each row belongs to."""

    names: tuple[str, ...]
    owner: np.ndarray  # (examples,) index into names
    vectors: np.ndarray  # (examples, 384)
    vocabulary: frozenset[str] = frozenset()  # every word of the examples, for spelling correction

    def similarity(self, vectors: np.ndarray) -> np.ndarray:
        """Per text and intent: 0.5 * best example + 0.5 * mean of the best three; shape (texts, intents)."""
        sims = vectors @ self.vectors.T
        scores = np.zeros((len(vectors), len(self.names)), dtype=np.float32)
        for index in range(len(self.names)):
            block = np.sort(sims[:, self.owner == index], axis=1)[:, ::-1]
            scores[:, index] = 0.5 * block[:, 0] + 0.5 * block[:, :3].mean(axis=1)
        return scores

    def cues(self, texts: Sequence[str]) -> np.ndarray:
        """The cue-word bonus per text and intent (strong cues outrank ordinary ones); shape (texts, intents)."""
        bonus = np.zeros((len(texts), len(self.names)), dtype=np.float32)
        for row, text in enumerate(texts):
            for column, name in enumerate(self.names):
                if name in STRONG_CUES and re.search(STRONG_CUES[name], text):
                    bonus[row, column] = STRONG_CUE_BONUS
                elif name in CUES and re.search(CUES[name], text):
                    bonus[row, column] = CUE_BONUS
            for name, extra in structure_bonus(text).items():
                if name in self.names:
                    bonus[row, self.names.index(name)] += extra
        return bonus


def structure_bonus(text: str) -> dict[str, float]:
    """Tense and shape: a metric over a past period reads as a summary, a coming period as a forecast.

    MiniLM hardly separates "how many customers did we get" from "how many customers will we get", so the
    time words decide: only past references (and no look-ahead) count against a forecast, and the reverse.
    """
    ahead = re.search(AHEAD, text)
    past = find_periods(text) or re.search(PAST, text)
    bonus: dict[str, float] = {}
    if ahead and not past:
        bonus["metric_summary"] = -STRUCTURE_BONUS
        if mentioned_metrics(text):
            bonus["forecast_metric"] = STRUCTURE_BONUS
    if past and not ahead:
        bonus["forecast_metric"] = -STRUCTURE_BONUS
        if mentioned_metrics(text) and not re.search(CUES["explain_change"], text):
            bonus["metric_summary"] = STRUCTURE_BONUS
    return bonus


def read_examples(directory: Path = INTENTS_DIR) -> dict[str, list[str]]:
    """Intent name -> example lines (blank lines and ``#`` comments skipped)."""
    examples = {}
    for path in sorted(directory.glob("*.txt")):
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
        examples[path.stem] = [line for line in lines if line and not line.startswith("#")]
    return examples


_banks: dict[tuple[Path, int], IntentBank] = {}
_banks_lock = threading.Lock()


def _cached_vectors(lines: list[str], embedder: Embedder, cache_dir: Path | None) -> np.ndarray:
    """Example vectors from ``cache_dir`` when the same examples were embedded before, else computed and saved."""
    if cache_dir is None:
        return embedder(lines)
    digest = hashlib.sha256("\n".join([embeddings.MODEL_NAME, *lines]).encode()).hexdigest()[:16]
    path = cache_dir / f"offline-intents-{digest}.npy"
    if path.exists():
        vectors = np.load(path)
        if vectors.shape == (len(lines), embeddings.DIMENSIONS):
            return vectors
    vectors = embedder(lines)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
    except OSError:  # a read-only home only costs the next process a few seconds
        pass
    return vectors


def load_bank(embedder: Embedder, directory: Path = INTENTS_DIR, cache_dir: Path | None = None) -> IntentBank:
    """The bank for ``directory`` and ``embedder``, embedded once per process and shared by every model.

    With ``cache_dir`` (only for the default MiniLM embedder) the vectors are also kept on disk between processes.
    """
    key = (directory, id(embedder))
    with _banks_lock:
        if key not in _banks:
            examples = read_examples(directory)
            names = tuple(examples)
            owner = np.array([i for i, name in enumerate(names) for _ in examples[name]])
            vectors = _cached_vectors(
                [line for name in names for line in examples[name]], embedder, cache_dir
            )
            words = {w for lines in examples.values() for line in lines for w in re.findall(r"[a-z']+", line)}
            _banks[key] = IntentBank(names=names, owner=owner, vectors=vectors, vocabulary=frozenset(words))
        return _banks[key]
