"""What every coach tool returns: a structured, grounded result the answer is written from."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Source(BaseModel):
    """Where a number came from: which tool, over which data, by which method."""

    tool: str
    data: str  # e.g. "revenue, daily, 2024-11-25 to 2026-11-24 (business_metrics)"
    method: str  # e.g. "backtested ensemble (ETS 40%, LightGBM 35%, ...)"


class Chart(BaseModel):
    """A picture for the owner: the words that describe it, and its PNG bytes, drawn when first needed.

    Built with ``png=`` (bytes already drawn) or ``draw=`` (a function that draws them): a chart that no
    gateway shows, such as those of the tool results a digest only quotes, costs nothing.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    title: str
    alt: str
    draw: Callable[[], bytes] = Field(repr=False, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _drawn(cls, data: Any) -> Any:
        if isinstance(data, dict) and "png" in data:
            png = bytes(data["png"])
            data = {**{k: v for k, v in data.items() if k != "png"}, "draw": lambda: png}
        return data

    @cached_property
    def png(self) -> bytes:
        """The picture as PNG bytes (drawn once, on first use)."""
        return self.draw()


class ToolResult(BaseModel):
    """A tool's answer. ``headline`` is one plain sentence with the key numbers already formatted; ``facts`` holds
    the raw numbers; ``table`` optional rows; ``notes`` explanations and caveats; ``error`` a friendly message when
    the tool could not answer (then ``ok`` is False and ``suggestions`` may list alternatives)."""

    tool: str
    ok: bool = True
    headline: str = ""
    facts: dict[str, Any] = Field(default_factory=dict)
    table: list[dict[str, Any]] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)
    charts: list[Chart] = Field(default_factory=list, exclude=True)  # never sent to the model
    error: str | None = None
    suggestions: list[str] = Field(default_factory=list)
    needs: str | None = None  # what to ask the owner when an argument is missing (a clarifying question)

    def for_model(self) -> str:
        """The JSON the language model reads (data, never instructions)."""
        return self.model_dump_json(exclude={"charts"}, exclude_defaults=False)
