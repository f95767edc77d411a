"""A logistic-regression intent classifier on the MiniLM vectors of the intent examples.

Nearest-example similarity asks "which example is this most like?"; a linear classifier asks "which words and
directions separate this intent from the others?", and so generalises better to wordings no example has (owners
rarely write like the examples). It is trained once per process on the bank's vectors (under a second: a few
hundred examples of 384 numbers), and its weights are cached on disk next to the vectors, keyed by the same hash.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from coach.offline.intents import IntentBank

C = 8.0  # inverse regularisation: the examples are few and clean, so the weights may be large
_lock = threading.Lock()
_fitted: dict[int, IntentClassifier] = {}


@dataclass(frozen=True)
class IntentClassifier:
    """Linear weights per intent (in ``IntentBank.names`` order) over normalised sentence vectors."""

    weights: np.ndarray  # (intents, 384)
    bias: np.ndarray  # (intents,)

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """Per text, the probability of each intent; shape (texts, intents), rows sum to one."""
        logits = vectors @ self.weights.T + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)


def fit(bank: IntentBank) -> IntentClassifier:
    """Train the classifier on every example of ``bank`` (balanced: an intent with few examples is not drowned)."""
    model = LogisticRegression(C=C, max_iter=2000, class_weight="balanced")
    model.fit(bank.vectors, bank.owner)
    weights = np.zeros((len(bank.names), bank.vectors.shape[1]), dtype=np.float32)
    bias = np.full(len(bank.names), -1e4, dtype=np.float32)  # an intent without examples is never chosen
    weights[model.classes_] = model.coef_
    bias[model.classes_] = model.intercept_
    return IntentClassifier(weights=weights, bias=bias)


def _key(bank: IntentBank) -> str:
    digest = hashlib.sha256(bank.vectors.tobytes())
    digest.update(bank.owner.tobytes())
    digest.update(f"{C}|{'|'.join(bank.names)}".encode())
    return digest.hexdigest()[:16]


def load_classifier(bank: IntentBank, cache_dir: Path | None = None) -> IntentClassifier:
    """The classifier for ``bank``: fitted once per process, and with ``cache_dir`` kept on disk between them."""
    with _lock:
        if id(bank) in _fitted:
            return _fitted[id(bank)]
        path = cache_dir / f"offline-classifier-{_key(bank)}.npz" if cache_dir else None
        classifier = None
        if path is not None and path.exists():
            try:
                with np.load(path) as saved:
                    classifier = IntentClassifier(weights=saved["weights"], bias=saved["bias"])
            except (OSError, ValueError, KeyError):
                classifier = None
        if classifier is None or classifier.weights.shape != (len(bank.names), bank.vectors.shape[1]):
            classifier = fit(bank)
            if path is not None:
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    np.savez(path, weights=classifier.weights, bias=classifier.bias)
                except OSError:  # a read-only home only costs the next process a second
                    pass
        _fitted[id(bank)] = classifier
        return classifier
