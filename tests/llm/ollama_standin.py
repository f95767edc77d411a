"""A stand-in for the Ollama HTTP API (``/api/chat``, ``/api/tags``, ``/api/show``), wire format only.

Shapes follow https://github.com/ollama/ollama/blob/main/docs/api.md and what the ``ollama`` Python client parses:
NDJSON chunks when ``stream`` is true (the default), tool calls as ``message.tool_calls[].function`` with
``arguments`` an object, token counts as ``prompt_eval_count``/``eval_count`` on the final (``done``) chunk.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from tests.llm.standins import CallTool, Fail, Say, Stall, StandIn, pieces


class OllamaStandIn(StandIn):
    """Serves the Ollama API from a script; ``models`` are the names ``/api/tags`` lists."""

    def __init__(self, models: tuple[str, ...] = ("llama3.1:8b",)) -> None:
        super().__init__()
        self.models = list(models)
        self.tags_delay_s = 0.0

    def reset(self) -> None:
        """Forget the script and requests; answer ``/api/tags`` at once again."""
        super().reset()
        self.tags_delay_s = 0.0

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/api/chat", self._chat),
            web.get("/api/tags", self._tags),
            web.post("/api/show", self._show),
        ]

    async def _tags(self, request: web.Request) -> web.Response:
        await self.record(request)
        if self.tags_delay_s and not await self.stall(request, self.tags_delay_s):
            return web.Response(status=408)
        return web.json_response(
            {
                "models": [
                    {
                        "name": name,
                        "model": name,
                        "modified_at": "2025-01-01T00:00:00Z",
                        "size": 4_920_753_328,
                        "digest": "46e0c10c039e019119339687c3c1757cc81b9da49709a3b3924863ba87ca666e",
                        "details": {"format": "gguf", "family": "llama", "parameter_size": "8.0B"},
                    }
                    for name in self.models
                ]
            }
        )

    async def _show(self, request: web.Request) -> web.Response:
        body = await self.record(request)
        if (body or {}).get("model") not in self.models:
            return web.json_response({"error": f"model '{(body or {}).get('model')}' not found"}, status=404)
        return web.json_response(
            {
                "modelfile": "FROM llama3.1",
                "parameters": "stop <|eot_id|>",
                "template": "{{ .Prompt }}",
                "details": {"format": "gguf", "family": "llama", "parameter_size": "8.0B"},
                "model_info": {"general.architecture": "llama", "llama.context_length": 131072},
                "capabilities": ["completion", "tools"],
            }
        )

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body = await self.record(request) or {}
        model = body.get("model", "")
        if model not in self.models:
            return web.json_response(
                {"error": f"model '{model}' not found, try pulling it first"}, status=404
            )
        reply = self.next_reply()
        if reply is None:
            return web.json_response({"error": "stand-in: no scripted reply left"}, status=400)
        if isinstance(reply, Fail):
            error = reply.message or f"stand-in failure {reply.status}"
            return web.json_response({"error": error}, status=reply.status, headers=reply.headers)
        if isinstance(reply, Stall):
            if not await self.stall(request, reply.seconds):
                return web.Response(status=408)  # the client gave up; nobody reads this
            reply = Say("too late")
        if body.get("stream", True):
            return await self._stream(request, model, reply)
        message: dict[str, Any] = {
            "role": "assistant",
            "content": reply.text if isinstance(reply, Say) else "",
        }
        if isinstance(reply, CallTool):
            message["tool_calls"] = [{"function": {"name": reply.name, "arguments": reply.arguments}}]
        return web.json_response({**_done(model, reply.usage), "message": message})

    async def _stream(self, request: web.Request, model: str, reply: Say | CallTool) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/x-ndjson"})
        await response.prepare(request)
        chunks: list[dict[str, Any]] = []
        if isinstance(reply, Say):
            for piece in pieces(reply.text):
                chunks.append({"role": "assistant", "content": piece})
        else:
            call = {"function": {"name": reply.name, "arguments": reply.arguments}}
            chunks.append({"role": "assistant", "content": "", "tool_calls": [call]})
        for message in chunks:
            line = {"model": model, "created_at": _now(), "message": message, "done": False}
            await response.write(json.dumps(line).encode() + b"\n")
        final = {**_done(model, reply.usage), "message": {"role": "assistant", "content": ""}}
        await response.write(json.dumps(final).encode() + b"\n")
        await response.write_eof()
        return response


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _done(model: str, usage: tuple[int, int] | None) -> dict[str, Any]:
    done: dict[str, Any] = {
        "model": model,
        "created_at": _now(),
        "done": True,
        "done_reason": "stop",
        "total_duration": 1_200_000,
        "load_duration": 100_000,
    }
    if usage is not None:
        done |= {
            "prompt_eval_count": usage[0],
            "prompt_eval_duration": 400_000,
            "eval_count": usage[1],
            "eval_duration": 600_000,
        }
    return done
