"""Process counters in the Prometheus text format (no client library: a few counters and sums are enough)."""

from __future__ import annotations

import threading
from collections import defaultdict

HELP = {
    "http_requests_total": ("counter", "HTTP requests served, by route and status."),
    "slack_events_total": ("counter", "Slack events received, by type."),
    "slack_events_duplicate_total": (
        "counter",
        "Slack event deliveries skipped as already handled (retries).",
    ),
    "slack_events_ignored_total": (
        "counter",
        "Slack messages not for the coach (bots, edits, other threads).",
    ),
    "slack_answers_total": ("counter", "Answers posted in Slack."),
    "slack_answer_failures_total": ("counter", "Answers that failed and were replaced by an apology."),
    "slack_commands_total": ("counter", "Slash commands received, by command."),
    "slack_actions_total": ("counter", "Button presses received, by action."),
    "slack_users_created_total": ("counter", "Slack users met for the first time."),
    "slack_answer_seconds": ("summary", "Time from a Slack message to its finished answer."),
    "http_request_seconds": (
        "summary",
        "Time to serve an HTTP request (for Slack: until the acknowledgement).",
    ),
}


def _labels(labels: dict[str, str] | None) -> str:
    if not labels:
        return ""
    inner = ",".join(
        f'{k}="{str(v).replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
        for k, v in sorted(labels.items())
    )
    return "{" + inner + "}"


class Metrics:
    """Counters and summaries (sum and count) keyed by name and labels; safe from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, dict[str, float]] = defaultdict(dict)

    def inc(self, name: str, labels: dict[str, str] | None = None, by: float = 1.0) -> None:
        """Add ``by`` to a counter."""
        key = _labels(labels)
        with self._lock:
            self._values[name][key] = self._values[name].get(key, 0.0) + by

    def observe(self, name: str, value: float) -> None:
        """Record one observation of a summary (its sum and count)."""
        self.inc(f"{name}_sum", by=value)
        self.inc(f"{name}_count")

    def value(self, name: str, labels: dict[str, str] | None = None) -> float:
        """The current value of a counter (0 if never touched)."""
        with self._lock:
            return self._values.get(name, {}).get(_labels(labels), 0.0)

    def render(self) -> str:
        """Everything in the Prometheus text exposition format (version 0.0.4)."""
        lines: list[str] = []
        with self._lock:
            snapshot = {name: dict(series) for name, series in self._values.items()}
        for name, (kind, help_text) in HELP.items():
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
            names = [f"{name}_sum", f"{name}_count"] if kind == "summary" else [name]
            for series_name in names:
                series = snapshot.pop(series_name, {}) or {"": 0.0}
                lines += [f"{series_name}{key} {value:g}" for key, value in sorted(series.items())]
        for name, series in sorted(snapshot.items()):
            lines += [f"{name}{key} {value:g}" for key, value in sorted(series.items())]
        return "\n".join(lines) + "\n"
