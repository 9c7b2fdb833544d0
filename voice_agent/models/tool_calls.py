"""Function calling for the chat LLMs: how tools and calls are written into a prompt, and
how a call is made well-formed.

The embedded SmolLM2-135M was not trained to call functions, so it is not asked to write a
call freely. When it must call one (`tool_choice` 'required' or a named function) it writes
the call under a grammar built from the tools' JSON schemas (llama.cpp's JSON-schema
grammars), so the arguments always parse and fit the schema. With 'auto', `ToolRouter`
decides whether the request needs a function; README's "Function calling" gives how often it
chooses right. An OpenAI-compatible server gets the tools as they are and calls them itself;
its arguments are checked against the schema before they reach the client.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import jsonschema
import numpy as np

from voice_agent.engines.base import EngineError, FunctionCall, FunctionTool, Message, ToolChoice


def new_call_id() -> str:
    return "call_" + secrets.token_hex(8)


def tools_prompt(tools: tuple[FunctionTool, ...]) -> str:
    """What the system prompt adds so the LLM knows the functions and how results look."""
    lines = "\n".join(
        f"- {tool.name}: {tool.description or 'no description'} Arguments: "
        f"{json.dumps(tool.parameters.get('properties', {}))}"
        for tool in tools
    )
    return (
        f"\n\nYou can call these functions:\n{lines}\n"
        "After a function's result, answer the user from that result."
    )


class ToolRouter:
    """'auto' for the embedded LLM: the tool whose name and description are nearest the
    user's request in meaning (all-MiniLM-L6-v2 sentence embeddings), if near enough.

    SmolLM2-135M cannot make this choice itself: asked to name the function a request needs
    (or none), or asked yes or no per function, it chose right on 18 and 7 of 36 requests,
    about a coin's worth (scripts/tool_choice.py). The embeddings' nearest tool was right for
    every request that needed one; `THRESHOLD` was set on that script's first suite and is
    checked on its second (README, "Function calling").
    """

    THRESHOLD = 0.25

    def __init__(self) -> None:
        self._embedder: Any = None
        self._known: dict[str, np.ndarray] = {}

    def _embed(self, text: str) -> np.ndarray:
        if self._embedder is None:  # loaded only once a session offers tools
            from voice_agent.models.sentences import SentenceEmbedder

            self._embedder = SentenceEmbedder()
        if text not in self._known:
            if len(self._known) > 1024:
                self._known.clear()
            self._known[text] = self._embedder.embed(text)
        return self._known[text]

    def needed(self, request: str, tools: tuple[FunctionTool, ...]) -> tuple[FunctionTool, ...]:
        """The one tool `request` needs, or none."""
        if not tools or not request.strip():
            return ()
        asked = self._embed(request)
        scores = [float(np.dot(asked, self._embed(_about(tool)))) for tool in tools]
        best = int(np.argmax(scores))
        return (tools[best],) if scores[best] >= self.THRESHOLD else ()


def _about(tool: FunctionTool) -> str:
    return f"{tool.name.replace('_', ' ')}: {tool.description}"


def call_schema(tools: tuple[FunctionTool, ...]) -> dict[str, Any]:
    """JSON schema of what the embedded LLM writes to call: one call of an allowed tool,
    `{"name": ..., "arguments": {...}}`. One: given room for more, SmolLM2-135M adds calls
    nobody asked for ("the weather in Paris" also called get_time)."""
    one_of_each = [
        {
            "type": "object",
            "properties": {"name": {"const": tool.name}, "arguments": tool.parameters},
            "required": ["name", "arguments"],
        }
        for tool in tools
    ]
    return one_of_each[0] if len(one_of_each) == 1 else {"anyOf": one_of_each}


def call_from_json(text: str, tools: tuple[FunctionTool, ...]) -> FunctionCall:
    """The call in what the embedded LLM wrote under `call_schema`'s grammar."""
    try:
        call = json.loads(text)
    except json.JSONDecodeError as exc:  # only if generation stopped at the token limit
        raise EngineError(
            "invalid_function_call", f"the LLM's function call is cut short: {exc}"
        ) from None
    arguments = json.dumps(call["arguments"])
    check_arguments(tools, call["name"], arguments)
    return FunctionCall(new_call_id(), call["name"], arguments)


def check_arguments(tools: tuple[FunctionTool, ...], name: str, arguments: str) -> None:
    """Refuse a call of an unknown function or with arguments its schema does not allow."""
    tool = next((tool for tool in tools if tool.name == name), None)
    if tool is None:
        raise EngineError("invalid_function_call", f"the LLM called an unknown function {name!r}")
    try:
        jsonschema.validate(json.loads(arguments), tool.parameters)
    except json.JSONDecodeError as exc:
        message = exc.msg
    except jsonschema.ValidationError as exc:
        message = f"{exc.json_path.removeprefix('$.')}: {exc.message}"
    except Exception as exc:  # e.g. a $ref the schema cannot resolve
        message = f"the schema cannot be applied ({exc})"
    else:
        return
    raise EngineError(
        "invalid_function_call",
        f"the LLM's arguments for {name!r} do not fit its schema: {message}",
    )


def paired(messages: list[Message]) -> list[Message]:
    """The messages with the results of each run of calls right after it (in call order),
    and calls nobody answered (a cancelled response, a client still working) and results of
    calls not shown left out: a chat API refuses a call not followed by its result."""
    results = {m.call_id: m for m in messages if m.role == "tool" and m.call_id}
    out: list[Message] = []
    index = 0
    while index < len(messages):
        calls = []
        while index < len(messages) and messages[index].call is not None:
            calls.append(messages[index])
            index += 1
        if calls:  # the calls of one response
            answered = [m for m in calls if m.call and m.call.call_id in results]
            out += answered + [results[m.call.call_id] for m in answered if m.call]
            continue
        if messages[index].role != "tool":
            out.append(messages[index])
        index += 1
    return out


def llama_messages(messages: list[Message]) -> list[dict[str, str]]:
    """Chat messages for the embedded LLM: a call is written as the JSON it would write, a
    result as a 'tool' message (SmolLM2 answered from it best in that role)."""
    wire = []
    for message in paired(messages):
        if message.call is not None:
            call = {"name": message.call.name, "arguments": json.loads(message.call.arguments)}
            wire.append({"role": "assistant", "content": json.dumps(call)})
        else:
            wire.append({"role": message.role, "content": message.text})
    return wire


def openai_messages(messages: list[Message]) -> list[dict[str, Any]]:
    """Chat messages in OpenAI's `/chat/completions` shape, calls and results included."""
    wire: list[dict[str, Any]] = []
    for message in paired(messages):
        if message.call is not None:
            call = message.call
            entry = {
                "id": call.call_id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments},
            }
            if wire and wire[-1]["role"] == "assistant" and wire[-1].get("tool_calls"):
                wire[-1]["tool_calls"].append(entry)  # several calls of one response
            else:
                wire.append({"role": "assistant", "content": None, "tool_calls": [entry]})
        elif message.role == "tool":
            wire.append({"role": "tool", "tool_call_id": message.call_id, "content": message.text})
        else:
            wire.append({"role": message.role, "content": message.text})
    return wire


def openai_tools(tools: tuple[FunctionTool, ...]) -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "function": {
                "name": tool.name,
                "description": tool.description,
                "parameters": tool.parameters,
            },
        }
        for tool in tools
    ]


def openai_tool_choice(choice: ToolChoice) -> str | dict[str, Any]:
    if choice.mode == "function":
        return {"type": "function", "function": {"name": choice.name}}
    return choice.mode


class StreamedCalls:
    """Tool calls assembled from an OpenAI-compatible stream's `tool_calls` deltas."""

    def __init__(self) -> None:
        self._calls: dict[int, dict[str, str]] = {}

    def add(self, deltas: list[dict[str, Any]]) -> None:
        for delta in deltas:
            call = self._calls.setdefault(
                int(delta.get("index", len(self._calls))), {"id": "", "name": "", "arguments": ""}
            )
            call["id"] = delta.get("id") or call["id"]
            function = delta.get("function") or {}
            call["name"] += function.get("name") or ""
            call["arguments"] += function.get("arguments") or ""

    def calls(self, tools: tuple[FunctionTool, ...]) -> list[FunctionCall]:
        calls = []
        for _, call in sorted(self._calls.items()):
            arguments = call["arguments"] or "{}"
            check_arguments(tools, call["name"], arguments)
            calls.append(FunctionCall(call["id"] or new_call_id(), call["name"], arguments))
        return calls
