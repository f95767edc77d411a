"""The real LlamaIndex Ollama and OpenAI clients drive a FunctionAgent through a tool call over the wire."""

from __future__ import annotations

from typing import cast

import pytest
from llama_index.core.agent.workflow import AgentOutput, FunctionAgent
from llama_index.core.llms.function_calling import FunctionCallingLLM
from llama_index.core.tools import FunctionTool

from coach.llm.providers import build_ollama, build_openai
from storage.settings import Settings
from tests.llm.conftest import make_settings
from tests.llm.ollama_standin import OllamaStandIn
from tests.llm.openai_standin import OpenAIStandIn
from tests.llm.standins import CallTool, Say

SYSTEM_PROMPT = "You are a business coach. Use tools for numbers."


def revenue_tool(calls: list[str]) -> FunctionTool:
    """A tool that records each month it is asked about and returns a fixed revenue."""

    def monthly_revenue(month: str) -> str:
        """Revenue of the business in one month (YYYY-MM)."""
        calls.append(month)
        return f"Revenue in {month} was $12,345."

    return FunctionTool.from_defaults(fn=monthly_revenue)


async def run_agent(
    llm: FunctionCallingLLM, tool: FunctionTool, *, streaming: bool
) -> tuple[str, list[AgentOutput]]:
    """Run the agent on one question; the final text and every step's output."""
    agent = FunctionAgent(tools=[tool], llm=llm, system_prompt=SYSTEM_PROMPT, streaming=streaming)
    handler = agent.run(user_msg="What was revenue in March 2025?")
    outputs = [event async for event in handler.stream_events() if isinstance(event, AgentOutput)]
    result = cast(AgentOutput, await handler)
    return str(result.response.content), outputs


@pytest.mark.parametrize("streaming", [False, True], ids=["json", "ndjson-stream"])
async def test_ollama_agent_calls_the_tool_and_answers_from_its_result(
    llm_settings: Settings, ollama: OllamaStandIn, streaming: bool
) -> None:
    ollama.script(CallTool("monthly_revenue", {"month": "2025-03"}), Say("March revenue was $12,345."))
    calls: list[str] = []

    answer, _ = await run_agent(build_ollama(llm_settings), revenue_tool(calls), streaming=streaming)

    assert answer == "March revenue was $12,345."
    assert calls == ["2025-03"]
    first, second = ollama.received("/api/chat")
    assert first.body["stream"] is streaming
    assert first.body["model"] == "llama3.1:8b"
    assert first.body["options"]["num_ctx"] == llm_settings.ollama_context_window
    [tool_spec] = first.body["tools"]
    assert tool_spec["function"]["name"] == "monthly_revenue"
    assert tool_spec["function"]["parameters"]["required"] == ["month"]
    assert first.body["messages"][0] == {"role": "system", "content": SYSTEM_PROMPT}
    assert second.body["messages"][-2]["tool_calls"] == [
        {"function": {"name": "monthly_revenue", "arguments": {"month": "2025-03"}}}
    ]
    assert second.body["messages"][-1] == {"role": "tool", "content": "Revenue in 2025-03 was $12,345."}
    assert ollama.received("/api/show") == []  # the context window is configured, never asked for


@pytest.mark.parametrize("streaming", [False, True], ids=["json", "sse-stream"])
async def test_openai_agent_calls_the_tool_and_answers_from_its_result(
    llm_settings: Settings, openai_api: OpenAIStandIn, streaming: bool
) -> None:
    openai_api.script(
        CallTool("monthly_revenue", {"month": "2025-03"}, call_id="call_abc123"),
        Say("March revenue was $12,345."),
    )
    calls: list[str] = []

    answer, _ = await run_agent(build_openai(llm_settings), revenue_tool(calls), streaming=streaming)

    assert answer == "March revenue was $12,345."
    assert calls == ["2025-03"]
    first, second = openai_api.received("/v1/chat/completions")
    assert first.headers["Authorization"] == "Bearer sk-standin-key"
    assert first.body["model"] == "gpt-4o-mini"
    assert first.body.get("stream", False) is streaming
    assert ("stream_options" in first.body) is streaming
    assert first.body["tool_choice"] == "auto"
    [tool_spec] = first.body["tools"]
    assert tool_spec["type"] == "function"
    assert tool_spec["function"]["name"] == "monthly_revenue"
    assert tool_spec["function"]["parameters"]["properties"]["month"]["type"] == "string"
    assistant, tool_result = second.body["messages"][-2:]
    assert assistant["tool_calls"][0]["id"] == "call_abc123"
    assert assistant["tool_calls"][0]["function"] == {
        "name": "monthly_revenue",
        "arguments": '{"month": "2025-03"}',
    }
    assert tool_result == {
        "role": "tool",
        "content": "Revenue in 2025-03 was $12,345.",
        "tool_call_id": "call_abc123",
    }


async def test_openai_compatible_server_with_a_model_llamaindex_does_not_know_still_calls_tools(
    ollama: OllamaStandIn, openai_api: OpenAIStandIn
) -> None:
    settings = make_settings(ollama, openai_api, openai_model="acme-70b-instruct")
    openai_api.script(CallTool("monthly_revenue", {"month": "2025-04"}), Say("April: $12,345."))
    calls: list[str] = []
    llm = build_openai(settings)

    answer, _ = await run_agent(llm, revenue_tool(calls), streaming=True)

    assert answer == "April: $12,345."
    assert calls == ["2025-04"]
    assert llm.metadata.is_function_calling_model and llm.metadata.context_window > 0
    assert "/v1/completions" not in {
        r.path for r in openai_api.received()
    }  # chat API, not legacy completions
