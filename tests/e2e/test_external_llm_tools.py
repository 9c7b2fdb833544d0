"""`--llm-url` with tools: the tools reach the LLM server as OpenAI's chat API has them, its
streamed `tool_calls` (several in one reply, arguments in pieces) become function call items,
the results go back to it as `tool` messages, and arguments that break the schema are refused.

The LLM server here is scripted: it stands in for vLLM or Ollama, whose choice to call is
theirs; what is tested is our server between the client and it."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.conftest import ServerProcess, start_server
from tests.e2e.helpers import WEATHER_TOOL
from voice_agent.realtime.client import (
    RealtimeConnection,
    ServerEvent,
    response_create,
    text_item,
)

pytestmark = pytest.mark.e2e


def chunk(delta: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps({"choices": [{"index": 0, "delta": delta}]}).encode() + b"\n\n"


def call_chunks(index: int, call_id: str, city: Any) -> list[bytes]:
    arguments = json.dumps({"city": city})
    head = {"index": index, "id": call_id, "type": "function"}
    return [
        chunk({"tool_calls": [{**head, "function": {"name": "get_weather", "arguments": ""}}]}),
        chunk({"tool_calls": [{"index": index, "function": {"arguments": arguments[:5]}}]}),
        chunk({"tool_calls": [{"index": index, "function": {"arguments": arguments[5:]}}]}),
    ]


class ScriptedLLMServer:
    """Calls get_weather for Paris and Rome when offered tools (for a city of 5 when asked
    to break), answers in text once it has the results; records every request."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append(body)
                last = body["messages"][-1]
                if body.get("tools") and last["role"] == "user":
                    broken = "break" in last["content"]
                    lines = call_chunks(0, "call_a", 5 if broken else "Paris")
                    lines += [] if broken else call_chunks(1, "call_b", "Rome")
                else:
                    lines = [chunk({"content": "Sunny in Paris, "}), chunk({"content": "rain."})]
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for line in [*lines, b"data: [DONE]\n\n"]:
                    self.wfile.write(line)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}/v1"
        threading.Thread(target=self._http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()


@pytest.fixture(scope="module")
def llm() -> Iterator[ScriptedLLMServer]:
    llm = ScriptedLLMServer()
    try:
        yield llm
    finally:
        llm.close()


@pytest.fixture(scope="module")
def server_with_tools_llm(llm: ScriptedLLMServer) -> Iterator[ServerProcess]:
    yield from start_server("llm-url-tools", "--llm-url", llm.url, "--llm-name", "scripted")


async def test_tools_pass_through_an_openai_compatible_llm(
    server_with_tools_llm: ServerProcess, llm: ScriptedLLMServer
) -> None:
    client = await RealtimeConnection.connect(server_with_tools_llm.ws_url)
    try:
        await client.configure({"tools": [WEATHER_TOOL], "tool_choice": "required"})
        await client.send(text_item("Weather in Paris and Rome?"))
        await client.send(response_create())
        done = await client.wait_for(ServerEvent.RESPONSE_DONE, timeout=60)
        request = llm.requests[-1]
        assert request["tool_choice"] == "required"
        assert request["tools"][0]["function"]["name"] == "get_weather"
        calls = done["response"]["output"]
        assert [(c["call_id"], json.loads(c["arguments"])) for c in calls] == [
            ("call_a", {"city": "Paris"}),
            ("call_b", {"city": "Rome"}),
        ]
        for call, result in zip(calls, ("sunny", "rain"), strict=True):
            await client.send(
                {
                    "type": "conversation.item.create",
                    "item": {
                        "type": "function_call_output",
                        "call_id": call["call_id"],
                        "output": result,
                    },
                }
            )
        await client.send(response_create(tool_choice="none"))
        done = await client.wait_for(ServerEvent.RESPONSE_DONE, count=2, timeout=60)
        assert done["response"]["status"] == "completed"
        said = done["response"]["output"][0]["content"][0]["transcript"]
        assert said == "Sunny in Paris, rain."
        messages = llm.requests[-1]["messages"]
        assert [m["role"] for m in messages[-4:]] == ["user", "assistant", "tool", "tool"]
        assert [c["id"] for c in messages[-3]["tool_calls"]] == ["call_a", "call_b"]
        assert messages[-1] == {"role": "tool", "tool_call_id": "call_b", "content": "rain"}
        assert llm.requests[-1]["tool_choice"] == "none"
    finally:
        await client.close()


async def test_arguments_that_break_the_schema_fail_the_response_with_a_reason(
    server_with_tools_llm: ServerProcess,
) -> None:
    client = await RealtimeConnection.connect(server_with_tools_llm.ws_url)
    try:
        await client.configure({"tools": [WEATHER_TOOL]})
        await client.send(text_item("Now break it."))
        await client.send(response_create())
        done = await client.wait_for(ServerEvent.RESPONSE_DONE, timeout=60)
        assert done["response"]["status"] == "failed"
        error = client.of_type(ServerEvent.ERROR)[-1]["error"]
        assert error["code"] == "invalid_function_call" and "city" in error["message"]
    finally:
        await client.close()
