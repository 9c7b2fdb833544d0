"""Function calling with the embedded LLM: calls forced by a grammar are well-formed for
their schema, 'auto' routes by meaning, and a function's result is answered from."""

from __future__ import annotations

import json

import jsonschema
import pytest

from voice_agent.engines.base import FunctionCall, FunctionTool, Message, ToolChoice
from voice_agent.engines.prompting import reply
from voice_agent.models.llm import LlamaConfig, LlamaCppLLM
from voice_agent.realtime.protocol import SessionConfig

INSTRUCTIONS = SessionConfig().instructions
WEATHER = FunctionTool(
    "get_weather",
    "Get the current weather for a city.",
    {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "days": {"type": "integer", "minimum": 1, "maximum": 7},
        },
        "required": ["city", "unit", "days"],
        "additionalProperties": False,
    },
)
CLOCK = FunctionTool("get_time", "Get the current local time.", {"type": "object"})
TOOLS = (WEATHER, CLOCK)


@pytest.fixture(scope="module")
def llm() -> LlamaCppLLM:
    return LlamaCppLLM(LlamaConfig())


async def answer(llm: LlamaCppLLM, history: list[Message], choice: ToolChoice) -> list:
    deltas = reply(llm, INSTRUCTIONS, history, 0.0, None, True, TOOLS, choice)
    return [delta async for delta in deltas]


@pytest.mark.parametrize(
    "choice", [ToolChoice("required"), ToolChoice("function", "get_weather")], ids=str
)
async def test_a_forced_call_fits_its_schema(llm: LlamaCppLLM, choice: ToolChoice) -> None:
    said = await answer(llm, [Message("user", "Will it be warm in Rome this week?")], choice)
    assert len(said) == 1 and isinstance(said[0], FunctionCall)
    call = said[0]
    assert call.name == "get_weather" and call.call_id.startswith("call_")
    jsonschema.validate(json.loads(call.arguments), WEATHER.parameters)


async def test_auto_calls_only_what_a_request_needs(llm: LlamaCppLLM) -> None:
    said = await answer(llm, [Message("user", "What time is it?")], ToolChoice())
    assert [d.name for d in said if isinstance(d, FunctionCall)] == ["get_time"]
    said = await answer(llm, [Message("user", "What is the capital of France?")], ToolChoice())
    assert all(isinstance(d, str) for d in said) and "Paris" in "".join(said)
    said = await answer(llm, [Message("user", "What time is it?")], ToolChoice("none"))
    assert said and all(isinstance(d, str) for d in said)


async def test_a_function_result_is_answered_from(llm: LlamaCppLLM) -> None:
    call = FunctionCall("call_1", "get_weather", '{"city": "Paris", "unit": "celsius", "days": 1}')
    history = [
        Message("user", "What's the weather like in Paris?"),
        Message("assistant", "", call),
        Message("tool", '{"forecast": "sunny"}', call_id="call_1"),
    ]
    said = await answer(llm, history, ToolChoice())  # auto: a result is not called again
    assert all(isinstance(d, str) for d in said) and "sunny" in "".join(said).lower()
