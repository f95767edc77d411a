"""A stand-in for the OpenAI API (``/v1/chat/completions``, ``/v1/models``), wire format only.

Shapes follow https://platform.openai.com/docs/api-reference/chat and what the ``openai`` SDK parses: a JSON
``chat.completion`` or, with ``stream``, SSE ``data:`` lines of ``chat.completion.chunk`` ending in ``[DONE]``; tool
call arguments are a JSON string, streamed in pieces under ``delta.tool_calls[].function.arguments``; errors are
``{"error": {"message", "type", "param", "code"}}``.
"""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import web

from tests.llm.standins import CallTool, Fail, Say, Stall, StandIn, pieces

ERRORS: dict[int, tuple[str, str | None, str]] = {
    400: ("invalid_request_error", None, "Bad request."),
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests."),
    500: ("server_error", None, "The server had an error while processing your request."),
    503: ("server_error", None, "The engine is currently overloaded."),
}


def error_body(status: int, message: str = "") -> dict[str, Any]:
    """OpenAI's error JSON for ``status``."""
    kind, code, default = ERRORS.get(status, ("server_error", None, "Error."))
    return {"error": {"message": message or default, "type": kind, "param": None, "code": code}}


class OpenAIStandIn(StandIn):
    """Serves the OpenAI API from a script; only ``Authorization: Bearer <api_key>`` is accepted."""

    def __init__(
        self, api_key: str = "sk-standin-key", models: tuple[str, ...] = ("gpt-4o-mini", "gpt-4o")
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.models = list(models)

    @property
    def base_url(self) -> str:
        """What a client takes as its API base (``.../v1``)."""
        return f"{self.root_url}/v1"

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/v1/chat/completions", self._chat), web.get("/v1/models", self._models)]

    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {self.api_key}"

    async def _models(self, request: web.Request) -> web.Response:
        await self.record(request)
        if not self._authorised(request):
            return web.json_response(error_body(401), status=401)
        data = [
            {"id": m, "object": "model", "created": 1_715_367_049, "owned_by": "system"} for m in self.models
        ]
        return web.json_response({"object": "list", "data": data})

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body = await self.record(request) or {}
        if not self._authorised(request):
            return web.json_response(error_body(401), status=401)
        reply = self.next_reply()
        if reply is None:
            return web.json_response(error_body(400, "stand-in: no scripted reply left"), status=400)
        if isinstance(reply, Fail):
            return web.json_response(
                error_body(reply.status, reply.message), status=reply.status, headers=reply.headers
            )
        if isinstance(reply, Stall):
            if not await self.stall(request, reply.seconds):
                return web.Response(status=408)  # the client gave up; nobody reads this
            reply = Say("too late")
        model = body.get("model", "")
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            return await self._stream(request, model, reply, include_usage=include_usage)
        message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None}
        if isinstance(reply, Say):
            message["content"] = reply.text
        else:
            arguments = json.dumps(reply.arguments)
            message["tool_calls"] = [
                {
                    "id": reply.call_id,
                    "type": "function",
                    "function": {"name": reply.name, "arguments": arguments},
                }
            ]
        choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": _finish(reply)}
        return web.json_response(
            {**_envelope(model, "chat.completion"), "choices": [choice], "usage": _usage(reply.usage)}
        )

    async def _stream(
        self, request: web.Request, model: str, reply: Say | CallTool, *, include_usage: bool
    ) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        chunk_id = f"chatcmpl-{time.time_ns()}"
        deltas: list[dict[str, Any]] = []
        if isinstance(reply, Say):
            deltas.append({"role": "assistant", "content": "", "refusal": None})
            deltas.extend({"content": piece} for piece in pieces(reply.text))
        else:
            function = {"name": reply.name, "arguments": ""}
            start = {"index": 0, "id": reply.call_id, "type": "function", "function": function}
            deltas.append({"role": "assistant", "content": None, "tool_calls": [start], "refusal": None})
            for piece in pieces(json.dumps(reply.arguments)):
                deltas.append({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
        finishes: list[str | None] = [None] * len(deltas)
        deltas.append({})
        finishes.append(_finish(reply))
        for delta, finish in zip(deltas, finishes, strict=True):
            chunk = {
                **_envelope(model, "chat.completion.chunk", chunk_id),
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
            }
            if include_usage:
                chunk["usage"] = None
            await _send(response, chunk)
        if include_usage:
            await _send(
                response,
                {
                    **_envelope(model, "chat.completion.chunk", chunk_id),
                    "choices": [],
                    "usage": _usage(reply.usage),
                },
            )
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response


async def _send(response: web.StreamResponse, chunk: dict[str, Any]) -> None:
    await response.write(f"data: {json.dumps(chunk)}\n\n".encode())


def _envelope(model: str, kind: str, chunk_id: str | None = None) -> dict[str, Any]:
    return {
        "id": chunk_id or f"chatcmpl-{time.time_ns()}",
        "object": kind,
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "fp_standin",
    }


def _finish(reply: Say | CallTool) -> str:
    return "stop" if isinstance(reply, Say) else "tool_calls"


def _usage(usage: tuple[int, int] | None) -> dict[str, int] | None:
    if usage is None:
        return None
    return {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": usage[0] + usage[1]}
