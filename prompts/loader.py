"""One Jinja2 environment over the files in ``prompts/``: ``render`` for templates, ``read`` for plain text."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

ROOT = Path(__file__).resolve().parent


@cache
def environment() -> Environment:
    """The shared environment: undefined names fail loudly; HTML is escaped, text and markdown are not."""
    return Environment(
        loader=FileSystemLoader(ROOT),
        undefined=StrictUndefined,
        autoescape=select_autoescape(
            enabled_extensions=("html", "htm", "html.j2"), default_for_string=False, default=False
        ),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def render(name: str, **context: Any) -> str:
    """The template ``prompts/<name>`` rendered with ``context``."""
    return environment().get_template(name).render(**context)


def read(name: str) -> str:
    """The text of ``prompts/<name>`` as stored (no templating)."""
    path = (ROOT / name).resolve()
    if ROOT not in path.parents:
        raise ValueError(f"{name!r} is outside prompts/")
    return path.read_text(encoding="utf-8")
