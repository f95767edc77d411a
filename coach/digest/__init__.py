"""The weekly digest: composed from the coach's tools, rendered for email (HTML and text) and Slack."""

from coach.digest.compose import Digest, GoalLine, MetricLine, compose_digest
from coach.digest.render import render_html, render_markdown, render_text

__all__ = [
    "Digest",
    "GoalLine",
    "MetricLine",
    "compose_digest",
    "render_html",
    "render_markdown",
    "render_text",
]
