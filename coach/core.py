"""The Coach: one turn in (tenant, user, channel, thread, text), one grounded reply out.

Slack, email and the CLI all call ``Coach.answer`` (or ``Coach.stream``). Behind it a LlamaIndex FunctionAgent
runs with tools bound to the turn's tenant, on the provider the router picks; a provider that fails or stalls
falls through to the next, and finally to the built-in offline model.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from llama_index.core.agent.workflow import AgentOutput, AgentStream, FunctionAgent
from llama_index.core.base.llms.types import ChatMessage, MessageRole
from llama_index.core.llms.function_calling import FunctionCallingLLM
from sqlalchemy.ext.asyncio import AsyncSession

from coach.grounding import ungrounded
from coach.language import looks_english
from coach.llm import LLMRouter, estimate_cost, usage_from_response
from coach.llm.router import Candidate
from coach.offline.llm import PREVIOUS_CALLS, OfflineLLM
from coach.periods import today_in
from coach.tools.context import FrameCache, ToolContext
from coach.tools.registry import build_tools
from coach.tools.result import Chart, Source, ToolResult
from prompts.loader import render
from storage.coaching.service import record_turn, spend_this_month, thread_history
from storage.database import Database, TenantInfo
from storage.errors import TenantNotFound
from storage.settings import Settings

log = logging.getLogger(__name__)
MAX_CHARS = 4000
HISTORY_TURNS = 6
TextSink = Callable[[str], Awaitable[None]]
Embedder = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class Turn:
    """One message to the coach. ``thread`` groups turns into a conversation (Slack thread, email thread, CLI)."""

    tenant_id: uuid.UUID
    text: str
    channel: str = "cli"
    thread: str = ""
    user_id: uuid.UUID | None = None


@dataclass
class Reply:
    """The coach's answer with what it is made of: charts, sources, tool calls, provider, tokens, time and cost."""

    text: str
    provider: str
    charts: list[Chart] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    results: list[ToolResult] = field(default_factory=list)
    tokens: int = 0
    latency_ms: int = 0
    cost_usd: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """The reply as the CLI's ``--json`` prints it."""
        return {
            "answer": self.text,
            "tool_calls": [{"name": c["name"], "args": c["args"]} for c in self.tool_calls],
            "sources": [s.model_dump() for s in self.sources],
            "charts": [{"title": c.title, "alt": c.alt} for c in self.charts],
            "provider": self.provider,
            "tokens": self.tokens,
            "latency_ms": self.latency_ms,
            "cost_usd": round(self.cost_usd, 6),
        }


class ReplyStream:
    """Text chunks of an answer as they come (``async for chunk in stream``); ``reply`` once it is complete."""

    def __init__(self, coach: Coach, turn: Turn) -> None:
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self.reply: Reply | None = None

        async def run() -> None:
            try:
                self.reply = await coach.answer(turn, on_text=self._queue.put)
            finally:
                await self._queue.put(None)

        self._task = asyncio.ensure_future(run())

    def __aiter__(self) -> AsyncIterator[str]:
        return self._chunks()

    async def _chunks(self) -> AsyncIterator[str]:
        while (chunk := await self._queue.get()) is not None:
            yield chunk
        await self._task  # re-raise what the turn raised, if anything


class Coach:
    """Answers turns for any tenant; everything tenant-specific is bound per turn."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        offline: FunctionCallingLLM,
        router: LLMRouter | None = None,
        embed: Embedder | None = None,
        today: date | None = None,
        provider_timeout_s: float = 90.0,
    ) -> None:
        self.db = db
        self.settings = settings
        self.router = router or LLMRouter(settings, offline=offline)
        self.offline = offline
        self.embed = embed
        self.today = today
        self.provider_timeout_s = provider_timeout_s
        self.frames = FrameCache()
        self._tenants: dict[uuid.UUID, TenantInfo] = {}

    async def aclose(self) -> None:
        """Release the providers' connection pools (call once at shutdown)."""
        await self.router.aclose()

    async def tenant(self, tenant_id: uuid.UUID) -> TenantInfo:
        """The tenant's details (cached)."""
        if tenant_id not in self._tenants:
            self._tenants = {t.id: t for t in await self.db.system.list_tenants()}
        if tenant_id not in self._tenants:
            raise TenantNotFound(f"No business with id {tenant_id}.")
        return self._tenants[tenant_id]

    def stream(self, turn: Turn) -> ReplyStream:
        """The answer as async text chunks; the finished ``Reply`` is on the stream's ``reply`` afterwards."""
        return ReplyStream(self, turn)

    async def answer(self, turn: Turn, *, on_text: TextSink | None = None, remember: bool = True) -> Reply:
        """Answer one turn: guard the input, run the agent with fallback, ground the figures, remember the turn
        (``remember=False``: the caller stores it with ``remember`` in its own transaction)."""
        started = time.perf_counter()
        tenant = await self.tenant(turn.tenant_id)
        text = turn.text.strip()
        early = self._guard(text)
        if early is not None:
            reply = Reply(text=early, provider="none")
        else:
            capped = text[:MAX_CHARS]
            reply = await self._run(turn, tenant, capped, on_text)
            if len(text) > MAX_CHARS:
                reply.text = f"(I read the first {MAX_CHARS:,} characters of your message.)\n\n" + reply.text
        reply.latency_ms = int((time.perf_counter() - started) * 1000)
        if remember:
            async with self.db.tenant_session(tenant.id) as session:
                await self.remember(turn, reply, session=session)
        if early is not None and on_text is not None:
            await on_text(reply.text)
        return reply

    @staticmethod
    def _guard(text: str) -> str | None:
        if not text:
            return render("coach/empty.md")
        if not looks_english(text):
            return render("coach/not_english.md")
        return None

    async def _run(self, turn: Turn, tenant: TenantInfo, text: str, on_text: TextSink | None) -> Reply:
        today = self.today or today_in(tenant.timezone)
        ctx = ToolContext(
            db=self.db,
            tenant=tenant,
            user_id=turn.user_id,
            today=today,
            thread_key=turn.thread,
            embed=self.embed,
            frames=self.frames,
        )
        tools = build_tools(ctx)
        history = await self._history(tenant, turn.thread)
        async with self.db.tenant_session(tenant.id) as session:
            spend = await spend_this_month(session=session, timezone=tenant.timezone)
        hard = await self._is_hard(text, history, tools, spend)
        system = render(
            "coach_system.md",
            business=tenant.name,
            industry=tenant.industry,
            timezone=tenant.timezone,
            currency=tenant.currency,
            today=today.isoformat(),
        )
        last_error: BaseException | None = None
        for candidate in self.router.candidates(tenant_spend_this_month_usd=spend, hard=hard):
            ctx.calls.clear()
            try:
                answer, tokens_in, tokens_out = await asyncio.wait_for(
                    self._agent_turn(candidate, tools, system, text, history, on_text),
                    self.provider_timeout_s,
                )
            except Exception as error:  # noqa: BLE001 - any provider failure falls through to the next
                last_error = error
                self.router.record_failure(candidate.name, error)
                log.warning("provider %s failed for %s: %s", candidate.name, tenant.slug, error)
                continue
            self.router.record_success(candidate.name)
            results = [c.result for c in ctx.calls]
            answer = self._grounded(answer, text, results)
            return Reply(
                text=answer,
                provider=candidate.name,
                charts=[chart for r in results for chart in r.charts],
                sources=_unique([s for r in results for s in r.sources]),
                tool_calls=[{"name": c.name, "args": c.args, "ok": c.result.ok} for c in ctx.calls],
                results=results,
                tokens=tokens_in + tokens_out,
                cost_usd=estimate_cost(candidate.spec, tokens_in, tokens_out),
            )
        log.error("every provider failed for %s: %s", tenant.slug, last_error)
        return Reply(text=render("coach/unavailable.md"), provider="none")

    async def _is_hard(self, text: str, history: list[ChatMessage], tools: list, spend: float) -> bool:
        """Whether to send the turn to the stronger model first: several tools expected, a long context, multi-step
        reasoning, or the local router unsure which tool fits. Planned only when there is a cloud model to send
        the turn to (OpenAI allowed for this tenant's budget), so local-only installs never pay for it."""
        history_chars = sum(len(m.content or "") for m in history)
        if self.settings.llm_provider != "auto" or not self.router.openai_allowed(spend):
            return False
        expected, unsure = 1, False
        if isinstance(self.offline, OfflineLLM):
            plan = await asyncio.to_thread(self.offline.plan, text, tools)
            expected = len(plan.calls) if plan.kind == "tools" else 1
            unsure = plan.kind in ("clarify", "missing")
        return unsure or self.router.is_hard(text, history_chars, expected)

    async def _agent_turn(
        self,
        candidate: Candidate,
        tools: list,
        system: str,
        text: str,
        history: list[ChatMessage],
        on_text: TextSink | None,
    ) -> tuple[str, int, int]:
        agent = FunctionAgent(tools=tools, llm=candidate.llm, system_prompt=system)
        handler = agent.run(user_msg=text, chat_history=history)
        tokens_in = tokens_out = 0
        async for event in handler.stream_events():
            if isinstance(event, AgentStream) and event.delta and on_text is not None:
                await on_text(event.delta)
            elif isinstance(event, AgentOutput):
                used_in, used_out = usage_from_response(candidate.spec, event.raw)
                tokens_in += used_in
                tokens_out += used_out
        result = await handler
        return str(result.response.content or ""), tokens_in, tokens_out

    @staticmethod
    def _grounded(answer: str, question: str, results: list[ToolResult]) -> str:
        """The answer, or (when it states figures no tool gave) an answer composed from the tool results alone."""
        evidence = [question, *(r.for_model() for r in results)]
        missing = ungrounded(answer, evidence)
        if not missing:
            return answer
        log.warning("answer stated figures no tool gave (%s); composing from tool results", missing[:5])
        return render("coach/from_results.md", results=[r.model_dump() for r in results])

    async def _history(self, tenant: TenantInfo, thread: str) -> list[ChatMessage]:
        if not thread:
            return []
        async with self.db.tenant_session(tenant.id) as session:
            past = await thread_history(session=session, thread_key=thread, limit=HISTORY_TURNS)
        messages: list[ChatMessage] = []
        for turn in past:
            messages.append(ChatMessage(role=MessageRole.USER, content=turn.question))
            # the calls behind the answer let a follow-up ("and the week before that?") build on its arguments;
            # under a key of our own, which the OpenAI and Ollama clients do not send
            calls = [c for c in turn.tool_calls if c.get("ok", True)]
            extra = {PREVIOUS_CALLS: calls} if calls else {}
            messages.append(
                ChatMessage(role=MessageRole.ASSISTANT, content=turn.answer, additional_kwargs=extra)
            )
        return messages

    async def remember(self, turn: Turn, reply: Reply, *, session: AsyncSession) -> None:
        """Store the turn in thread memory (with its embedding) in the caller's transaction of ``turn``'s tenant,
        so it is kept exactly when what it caused (an answer queued, an event claimed) is."""
        embedding = None
        if self.embed is not None and turn.text.strip():
            vector = await asyncio.to_thread(self.embed, [turn.text.strip()[:MAX_CHARS]])
            embedding = [float(x) for x in vector[0]]
        await record_turn(
            session=session,
            user_id=turn.user_id,
            channel=turn.channel,
            thread_key=turn.thread,
            question=turn.text[:MAX_CHARS],
            answer=reply.text,
            embedding=embedding,
            tool_calls=[{"name": c["name"], "args": c["args"], "ok": c["ok"]} for c in reply.tool_calls],
            provider=reply.provider,
            tokens=reply.tokens,
            latency_ms=reply.latency_ms,
            cost_usd=reply.cost_usd,
        )


def _unique(sources: list[Source]) -> list[Source]:
    seen: dict[tuple[str, str, str], Source] = {}
    for source in sources:
        seen.setdefault((source.tool, source.data, source.method), source)
    return list(seen.values())
