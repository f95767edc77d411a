"""Rendering a digest through the templates in ``prompts/digest``: HTML mail, its plain-text twin, Slack text."""

from __future__ import annotations

from coach.digest.compose import Digest
from prompts.loader import render


def render_html(digest: Digest, *, spark_cids: list[str], chart_cids: list[str], unsubscribe_url: str) -> str:
    """HTML with inline CSS; images by ``cid:`` (one per metric sparkline, one per chart, in order)."""
    return render(
        "digest/digest.html",
        **digest.context(),
        sparks=list(zip(digest.metrics, spark_cids, strict=True)),
        charts=list(zip(digest.charts, chart_cids, strict=True)),
        unsubscribe_url=unsubscribe_url,
    )


def render_text(digest: Digest, *, unsubscribe_url: str) -> str:
    """The plain-text alternative (sparklines as characters)."""
    return render("digest/digest.txt", **digest.context(), unsubscribe_url=unsubscribe_url)


def render_markdown(digest: Digest) -> str:
    """The same content for a Slack DM (Slack mrkdwn)."""
    return render("digest/digest.slack.md", **digest.context())
