"""``OfflineLLM``: a LlamaIndex function-calling LLM that needs no network and no generative model.

It plays the part of the model in the ordinary agent loop. On a user message it routes (intent similarity with
MiniLM), extracts arguments and answers with tool calls, or with a clarifying question or small talk; once the
tool results are in, it writes the answer from templates in ``prompts/offline/answers/``. Nothing else in the
system needs to know which model answered, except ``raw["provider"] == "offline"`` and a zero cost.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncGenerator, Callable, Generator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseAsyncGen,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseAsyncGen,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
    ToolCallBlock,
)
from llama_index.core.bridge.pydantic import Field, PrivateAttr
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.function_calling import FunctionCallingLLM
from llama_index.core.llms.llm import ToolSelection
from llama_index.core.tools.types import BaseTool
from platformdirs import user_cache_dir

from coach import embeddings
from coach.offline import answers
from coach.offline.arguments import extract
from coach.offline.classifier import load_classifier
from coach.offline.intents import load_bank
from coach.offline.planner import Plan, PlannedCall, plan, tool_schema
from coach.offline.router import Router

PROVIDER = "offline"
PREVIOUS_CALLS = "coach_calls"  # an assistant message's additional_kwargs key: the tool calls behind it
Embedder = Callable[[Sequence[str]], np.ndarray]


def build_router(
    *,
    embedder: Embedder = embeddings.embed,
    use_cues: bool = True,
    classifier: bool = True,
    similarity: bool = True,
) -> Router:
    """A router over the intent examples in ``prompts/offline/intents/`` (embedded and the classifier trained
    once per process; with the default embedder both are also cached on disk, so the next process starts
    faster). ``classifier=False`` or ``similarity=False`` leave one scorer out (the benchmark's comparisons)."""
    cache_dir = Path(user_cache_dir("smb-coach")) if embedder is embeddings.embed else None
    bank = load_bank(embedder, cache_dir=cache_dir)
    trained = load_classifier(bank, cache_dir=cache_dir) if classifier else None
    return Router(bank, embedder, use_cues=use_cues, classifier=trained, similarity=similarity)


def _words(messages: Sequence[ChatMessage]) -> int:
    return sum(len((m.content or "").split()) for m in messages)


def _last_user(messages: Sequence[ChatMessage]) -> int | None:
    return next((i for i in range(len(messages) - 1, -1, -1) if messages[i].role == MessageRole.USER), None)


def _tool_results(messages: Sequence[ChatMessage]) -> list[tuple[str, str]]:
    """(tool name, content) for each tool message, names taken from the assistant's calls by id."""
    names = {
        block.tool_call_id: block.tool_name
        for m in messages
        for block in m.blocks
        if isinstance(block, ToolCallBlock)
    }
    return [
        (names.get(m.additional_kwargs.get("tool_call_id"), ""), m.content or "")
        for m in messages
        if m.role == MessageRole.TOOL
    ]


def _previous_calls(messages: Sequence[ChatMessage]) -> list[PlannedCall]:
    """The tool calls recorded with the thread's previous answer (see ``PREVIOUS_CALLS``)."""
    calls: list[PlannedCall] = []
    for message in messages:
        for call in message.additional_kwargs.get(PREVIOUS_CALLS) or ():
            if (
                isinstance(call, dict)
                and isinstance(call.get("name"), str)
                and isinstance(call.get("args"), dict)
            ):
                calls.append(PlannedCall(call["name"], dict(call["args"])))
    return calls


class OfflineLLM(FunctionCallingLLM):
    """The built-in model: routes by intent similarity, fills arguments, answers from templates."""

    model: str = Field(default="offline-minilm", description="Name reported in metadata and usage.")
    use_cues: bool = Field(default=True, description="Add cue-word bonuses to embedding similarity.")
    _embedder: Embedder = PrivateAttr()
    _router: Router | None = PrivateAttr(default=None)

    def __init__(self, *, embedder: Embedder | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._embedder = embedder or embeddings.embed

    @classmethod
    def class_name(cls) -> str:
        """Name LlamaIndex uses when serialising this model."""
        return "OfflineLLM"

    @property
    def metadata(self) -> LLMMetadata:
        """A chat model that calls functions."""
        return LLMMetadata(
            context_window=32_768,
            num_output=1_024,
            is_chat_model=True,
            is_function_calling_model=True,
            model_name=self.model,
        )

    @property
    def router(self) -> Router:
        """The intent router (the examples are embedded on first use)."""
        if self._router is None:
            self._router = build_router(embedder=self._embedder, use_cues=self.use_cues)
        return self._router

    def warm_up(self) -> None:
        """Load the embedding model and embed the intent examples now rather than on the first message."""
        self.router.route("hello", offered=set())

    def plan(
        self,
        text: str,
        tools: Sequence[BaseTool],
        previous: str | None = None,
        previous_calls: Sequence[PlannedCall] = (),
    ) -> Plan:
        """What the model would do with ``text`` after ``previous`` (the thread's last question) and the calls
        that answered it (for benchmarks and debugging, and the model's own turns)."""
        return plan(self.router, text, tools, previous=previous, previous_calls=previous_calls)

    # -- the one decision every entry point shares ------------------------------------------------------------

    def _respond(
        self, messages: Sequence[ChatMessage], tools: Sequence[BaseTool], **kwargs: Any
    ) -> ChatResponse:
        offered = [t.metadata.name for t in tools if t.metadata.name]
        last = _last_user(messages)
        results = _tool_results(messages[last + 1 :] if last is not None else messages)
        details: dict[str, Any] = {}
        blocks: list[ToolCallBlock] = []
        if results:
            content = answers.final_answer(results)
        elif last is None:
            content = answers.smalltalk("hello", offered)
        else:
            text = messages[last].content or ""
            earlier = _last_user(messages[:last])
            previous = messages[earlier].content if earlier is not None else None
            before = _previous_calls(messages[earlier + 1 : last] if earlier is not None else [])
            decided = self._forced(text, tools, kwargs.get("tool_choice")) or self.plan(
                text, tools, previous, before
            )
            details = {"route": decided.kind, "scores": decided.scores}
            if not kwargs.get("allow_parallel_tool_calls", True):
                decided.calls = decided.calls[:1]
            if decided.kind == "tools" and decided.calls:
                blocks = [self._call_block(call) for call in decided.calls]
                content = ""
            elif decided.kind in ("smalltalk", "offtopic"):
                content = answers.smalltalk(text, offered, offtopic=decided.kind == "offtopic")
            else:
                content = answers.clarify(decided.candidates, decided.missing, offered)
        message = ChatMessage(role=MessageRole.ASSISTANT, blocks=[*blocks])
        if content:
            message.content = content
        completion = len(content.split()) + sum(len(str(b.tool_kwargs).split()) + 1 for b in blocks)
        prompt = _words(messages)
        raw = {
            "id": f"offline-{uuid.uuid4().hex[:12]}",
            "model": self.model,
            "provider": PROVIDER,
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            },
            "cost_usd": 0.0,
            **details,
        }
        return ChatResponse(message=message, raw=raw, delta=content or None)

    def _forced(self, text: str, tools: Sequence[BaseTool], choice: Any) -> Plan | None:
        """A plan for a tool the caller insists on (``tool_choice="name"``), arguments from the words."""
        chosen = next((t for t in tools if isinstance(choice, str) and t.metadata.name == choice), None)
        if chosen is None:
            return None
        found = extract(choice, tool_schema(chosen), text)
        if found.missing:
            return Plan("missing", missing={choice: found.missing})
        return Plan("tools", calls=[PlannedCall(choice, found.args)])

    @staticmethod
    def _call_block(call: PlannedCall) -> ToolCallBlock:
        return ToolCallBlock(
            tool_call_id=f"call_{uuid.uuid4().hex[:16]}", tool_name=call.tool, tool_kwargs=call.args
        )

    @staticmethod
    def _chunks(response: ChatResponse) -> Generator[ChatResponse, None, None]:
        """The response streamed line by line; the last chunk carries the whole message and the raw usage."""
        text = response.message.content or ""
        lines = text.splitlines(keepends=True)
        sent = ""
        for line in lines[:-1]:
            sent += line
            yield ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=sent), delta=line)
        yield ChatResponse(message=response.message, raw=response.raw, delta=lines[-1] if lines else "")

    # -- LlamaIndex entry points ------------------------------------------------------------------------------

    def _prepare_chat_with_tools(
        self,
        tools: Sequence[BaseTool],
        user_msg: str | ChatMessage | None = None,
        chat_history: list[ChatMessage] | None = None,
        verbose: bool = False,  # noqa: ARG002 - part of the LlamaIndex signature
        allow_parallel_tool_calls: bool = False,
        tool_required: bool = False,  # noqa: ARG002 - the model asks instead of forcing a call
        **kwargs: Any,
    ) -> dict[str, Any]:
        messages = list(chat_history or [])
        if user_msg is not None:
            messages.append(
                ChatMessage(role=MessageRole.USER, content=user_msg)
                if isinstance(user_msg, str)
                else user_msg
            )
        return {
            "messages": messages,
            "tools": tools,
            "allow_parallel_tool_calls": allow_parallel_tool_calls,
            **kwargs,
        }

    def get_tool_calls_from_response(
        self,
        response: ChatResponse,
        error_on_no_tool_call: bool = True,
        **kwargs: Any,  # noqa: ARG002
    ) -> list[ToolSelection]:
        """The tool calls in a response of this model."""
        calls = [
            ToolSelection(
                tool_id=b.tool_call_id or "", tool_name=b.tool_name, tool_kwargs=dict(b.tool_kwargs or {})
            )
            for b in response.message.blocks
            if isinstance(b, ToolCallBlock) and isinstance(b.tool_kwargs, dict | None)
        ]
        if not calls and error_on_no_tool_call:
            raise ValueError("Expected at least one tool call, got none.")
        return calls

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        """Answer the conversation (tool calls, a question, or the final answer)."""
        return self._respond(messages, kwargs.pop("tools", None) or [], **kwargs)

    @llm_chat_callback()
    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        """``chat`` off the event loop (embedding is CPU work)."""
        return await asyncio.to_thread(self._respond, messages, kwargs.pop("tools", None) or [], **kwargs)

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        """``chat``, streamed line by line."""
        return self._chunks(self._respond(messages, kwargs.pop("tools", None) or [], **kwargs))

    @llm_chat_callback()
    async def astream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseAsyncGen:
        """``achat``, streamed line by line."""
        response = await asyncio.to_thread(self._respond, messages, kwargs.pop("tools", None) or [], **kwargs)

        async def gen() -> AsyncGenerator[ChatResponse, None]:
            for chunk in self._chunks(response):
                yield chunk

        return gen()

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:  # noqa: ARG002
        """A plain prompt is treated as one user message without tools."""
        response = self._respond([ChatMessage(role=MessageRole.USER, content=prompt)], [])
        return CompletionResponse(text=response.message.content or "", raw=response.raw)

    @llm_completion_callback()
    async def acomplete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        """``complete`` off the event loop."""
        return await asyncio.to_thread(self.complete, prompt, formatted, **kwargs)

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        """``complete`` as a one-chunk stream."""
        response = self.complete(prompt, formatted, **kwargs)

        def gen() -> Generator[CompletionResponse, None, None]:
            yield CompletionResponse(text=response.text, delta=response.text, raw=response.raw)

        return gen()

    @llm_completion_callback()
    async def astream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseAsyncGen:
        """``acomplete`` as a one-chunk stream."""
        response = await self.acomplete(prompt, formatted, **kwargs)

        async def gen() -> AsyncGenerator[CompletionResponse, None]:
            yield CompletionResponse(text=response.text, delta=response.text, raw=response.raw)

        return gen()
