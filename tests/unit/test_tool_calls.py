"""The sans-I/O parts of function calling: tool schemas checked, call histories as a chat
API accepts them, streamed calls assembled and checked."""

from __future__ import annotations

import pytest

from voice_agent.engines.base import EngineError, FunctionCall, FunctionTool, Message
from voice_agent.models.tool_calls import StreamedCalls, check_arguments, openai_messages, paired
from voice_agent.realtime.protocol import ProtocolError
from voice_agent.realtime.tools import parse_tools

CITY = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
WEATHER = FunctionTool("get_weather", "", CITY)


def call(call_id: str) -> Message:
    return Message("assistant", "", FunctionCall(call_id, "get_weather", '{"city": "Oslo"}'))


def result(call_id: str) -> Message:
    return Message("tool", "cold", call_id=call_id)


@pytest.mark.parametrize(
    "parameters",
    [
        {"type": "object", "properties": {"city": 5}},  # not a schema
        {"type": "object", "$schema": 5},  # validator_for chokes on it
        {"type": "object", "properties": {"a": {"$ref": "#/$defs/nowhere"}}, "required": ["a"]},
        {"type": "string"},  # arguments are an object
    ],
)
def test_a_tool_schema_that_cannot_work_is_refused(parameters: dict) -> None:
    with pytest.raises(ProtocolError) as refused:
        parse_tools([{"type": "function", "name": "f", "parameters": parameters}], "tools")
    assert refused.value.code == "invalid_tool_schema"


def test_each_result_follows_its_call_and_loose_ends_are_left_out() -> None:
    user, later = Message("user", "Weather in Oslo and Rome?"), Message("user", "And now?")
    history = [
        user,
        call("a"),
        call("b"),
        later,
        result("b"),
        result("a"),
        result("zzz"),
        call("c"),
    ]
    assert paired(history) == [user, call("a"), call("b"), result("a"), result("b"), later]
    wire = openai_messages(paired(history))
    assert [c["id"] for c in wire[1]["tool_calls"]] == ["a", "b"]  # one assistant message
    assert [m.get("tool_call_id") for m in wire[2:]] == ["a", "b", None]


def test_streamed_calls_are_assembled_by_index_and_checked() -> None:
    streamed = StreamedCalls()
    streamed.add(
        [{"index": 0, "id": "x", "function": {"name": "get_weather", "arguments": '{"ci'}}]
    )
    streamed.add([{"index": 0, "function": {"arguments": 'ty": "Rome"}'}}])
    assert streamed.calls((WEATHER,)) == [FunctionCall("x", "get_weather", '{"city": "Rome"}')]
    for name, arguments, says in (
        ("get_weather", '{"city": 7}', "city: 7 is not of type 'string'"),
        ("get_weather", "{", "do not fit its schema"),
        ("get_time", "{}", "unknown function 'get_time'"),
    ):
        with pytest.raises(EngineError, match=says):
            check_arguments((WEATHER,), name, arguments)
