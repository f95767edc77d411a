"""The search_history tool: earlier conversations with the coach, found by meaning (pgvector, this tenant only)."""

from __future__ import annotations

import asyncio

from coach.tools.base import ToolError
from coach.tools.context import ToolContext
from coach.tools.result import Source, ToolResult
from coach.tools.schemas import SearchHistoryArgs
from storage.coaching.service import search_turns, set_search_effort


async def search_history_tool(ctx: ToolContext, args: SearchHistoryArgs) -> ToolResult:
    """Past questions and answers closest in meaning to the query."""
    if ctx.embed is None:
        raise ToolError("Searching past conversations is not available right now.")
    vector = await asyncio.to_thread(ctx.embed, [args.query])
    async with ctx.db.tenant_session(ctx.tenant.id) as session:
        await set_search_effort(session=session)
        found = await search_turns(session=session, embedding=[float(x) for x in vector[0]], limit=args.limit)
    if not found:
        return ToolResult(
            tool="search_history",
            headline=f"I found nothing earlier about '{args.query}'.",
            facts={"matches": 0},
            sources=[Source(tool="search_history", data="past conversations", method="semantic search")],
        )
    rows = [
        {
            "when": t.created_at.date().isoformat(),
            "channel": t.channel,
            "question": t.question,
            "answer": t.answer[:400],
            "similarity": round(t.similarity or 0.0, 3),
        }
        for t in found
    ]
    first = found[0]
    return ToolResult(
        tool="search_history",
        headline=f"{len(found)} earlier conversation(s) about '{args.query}'; the closest, on "
        f'{first.created_at:%-d %b %Y}: "{first.question}"',
        facts={"matches": len(found)},
        table=rows,
        notes=["Past answers are quoted as they were given at the time; figures may have changed since."],
        sources=[
            Source(
                tool="search_history",
                data="past conversations of this business",
                method="all-MiniLM-L6-v2 embeddings, cosine similarity (pgvector HNSW)",
            )
        ],
    )
