"""Function calling, text-only replies and responses with their own settings, through the
session with a scripted engine (the engine's choice to call is the LLM's business, tested
with the real models in tests/models and tests/e2e)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from tests.realtime_client import text_item
from tests.unit.test_session import CLAUSES, Harness, ScriptedEngine
from voice_agent.engines.base import EngineEvent, FunctionCall, ReplyStarted, ReplyText, Turn
from voice_agent.realtime.protocol import SessionConfig

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "The weather in a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}


class CallingEngine(ScriptedEngine):
    """Calls every offered tool it must call, once each, then stops; answers otherwise."""

    async def respond(self, turn: Turn) -> AsyncIterator[EngineEvent]:
        self.turns.append(turn)
        yield ReplyStarted()
        allowed = turn.tool_choice.allowed(turn.tools)
        last = turn.history[-1] if turn.history else None
        if allowed and turn.tool_choice.mode != "auto" and last and last.role != "tool":
            for index, tool in enumerate(allowed):
                yield FunctionCall(f"call_{index}", tool.name, json.dumps({"city": "Paris"}))
            return
        if not turn.speak:  # text as an LLM streams it: pieces of words, spaces in them
            written = " ".join(CLAUSES)
            for start in range(0, len(written), 4):
                yield ReplyText(written[start : start + 4])
            return
        for text in CLAUSES:
            yield self.clause(text)


async def test_a_required_call_is_an_output_item_and_its_result_gets_a_spoken_answer() -> None:
    h = Harness(CallingEngine())
    try:
        await h.send({"type": "session.update", "session": {"tools": [WEATHER]}})
        updated = await h.until("session.updated")
        assert updated["session"]["tools"][0]["name"] == "get_weather"
        assert updated["session"]["tool_choice"] == "auto"
        await h.send(text_item("What's the weather in Paris?"))
        await h.send({"type": "response.create", "response": {"tool_choice": "required"}})
        done = await h.until("response.done")
        call = done["response"]["output"][0]
        assert call["type"] == "function_call" and call["name"] == "get_weather"
        assert json.loads(call["arguments"]) == {"city": "Paris"}
        arguments = h.of_type("response.function_call_arguments.done")[0]
        assert arguments["call_id"] == call["call_id"] and arguments["output_index"] == 0
        assert "response.output_audio.delta" not in h.types()
        # The call is in the conversation; its result answers it, and the reply is spoken.
        await h.send(
            {
                "type": "conversation.item.create",
                "item": {
                    "type": "function_call_output",
                    "call_id": call["call_id"],
                    "output": '{"forecast": "sunny"}',
                },
            }
        )
        created = await h.until("conversation.item.created", count=3)
        assert created["item"]["type"] == "function_call_output"
        await h.send({"type": "response.create"})
        done = await h.until("response.done", count=2)
        assert done["response"]["output"][0]["type"] == "message"
        history = h.engine.turns[1].history
        assert [item.role for item in history] == ["user", "assistant", "tool"]
        assert history[1].call is not None and history[1].call.call_id == call["call_id"]
        assert history[2].text == '{"forecast": "sunny"}'
        await h.send({"type": "conversation.item.retrieve", "item_id": call["id"]})
        retrieved = await h.until("conversation.item.retrieved")
        assert retrieved["item"]["call_id"] == call["call_id"]
    finally:
        await h.close()


async def test_several_calls_of_one_response_get_their_own_output_indexes() -> None:
    tools = [WEATHER, {**WEATHER, "name": "get_forecast"}]
    h = Harness(CallingEngine(), SessionConfig(engine="cascade", turn_detection=None))
    try:
        await h.send({"type": "session.update", "session": {"tools": tools}})
        await h.text_turn("Weather and forecast for Paris?")
        done = await h.until("response.done")
        assert [item["type"] for item in done["response"]["output"]] == ["message"]  # auto
        await h.send({"type": "response.create", "response": {"tool_choice": "required"}})
        done = await h.until("response.done", count=2)
        names = [item["name"] for item in done["response"]["output"]]
        assert names == ["get_weather", "get_forecast"]
        added = h.of_type("response.output_item.added")
        assert [event["output_index"] for event in added[-2:]] == [0, 1]
    finally:
        await h.close()


async def test_text_modality_streams_text_and_no_audio() -> None:
    h = Harness(CallingEngine())
    try:
        await h.send({"type": "session.update", "session": {"output_modalities": ["text"]}})
        assert (await h.until("session.updated"))["session"]["output_modalities"] == ["text"]
        await h.text_turn("Hello?")
        done = await h.until("response.done")
        assert done["response"]["output_modalities"] == ["text"]
        text = " ".join(CLAUSES)
        deltas = [event["delta"] for event in h.of_type("response.output_text.delta")]
        assert deltas[:2] == ["Firs", "t cl"] and "".join(deltas) == text
        assert h.of_type("response.output_text.done")[0]["text"] == text
        assert done["response"]["output"][0]["content"] == [{"type": "output_text", "text": text}]
        assert not any("audio" in kind for kind in h.types() if kind.startswith("response."))
        assert h.engine.turns[0].speak is False
    finally:
        await h.close()


async def test_an_out_of_band_response_leaves_the_conversation_as_it_was() -> None:
    h = Harness(CallingEngine())
    try:
        await h.send(text_item("Remember the number seven."))
        await h.until("conversation.item.created")
        before = [item.id for item in h.session.conversation.items]
        await h.send(
            {
                "type": "response.create",
                "response": {
                    "conversation": "none",
                    "output_modalities": ["text"],
                    "metadata": {"topic": "summary"},
                    "instructions": "Summarise.",
                    "max_output_tokens": 20,
                    "input": [
                        {"type": "item_reference", "id": before[0]},
                        {
                            "type": "message",
                            "role": "user",
                            "content": [{"type": "input_text", "text": "Summarise that."}],
                        },
                    ],
                },
            }
        )
        done = await h.until("response.done")
        assert done["response"]["metadata"] == {"topic": "summary"}
        assert done["response"]["output"][0]["content"][0]["type"] == "output_text"
        assert [item.id for item in h.session.conversation.items] == before
        assert len(h.of_type("conversation.item.created")) == 1  # only the user's
        turn = h.engine.turns[0]
        assert [item.text for item in turn.history] == [
            "Remember the number seven.",
            "Summarise that.",
        ]
        assert (turn.instructions, turn.max_output_tokens) == ("Summarise.", 20)
    finally:
        await h.close()


async def test_bad_tools_and_unknown_calls_get_clear_errors() -> None:
    h = Harness(CallingEngine())
    try:
        bad_schema = {**WEATHER, "parameters": {"type": "object", "properties": {"city": 5}}}
        await h.send({"type": "session.update", "session": {"tools": [bad_schema]}})
        error = h.of_type("error")[-1]["error"]
        assert error["code"] == "invalid_tool_schema" and "properties" in error["message"]
        for tools in ([{**WEATHER, "name": "no spaces"}], [WEATHER, WEATHER], "get_weather"):
            await h.send({"type": "session.update", "session": {"tools": tools}})
            assert h.of_type("error")[-1]["error"]["code"] == "invalid_value"
        await h.send({"type": "session.update", "session": {"tool_choice": "sometimes"}})
        assert h.of_type("error")[-1]["error"]["param"] == "session.tool_choice"
        choice = {"type": "function", "name": "get_time"}
        await h.send({"type": "response.create", "response": {"tool_choice": choice}})
        assert "not among the tools" in h.of_type("error")[-1]["error"]["message"]
        output = {"type": "function_call_output", "call_id": "call_nope", "output": "{}"}
        await h.send({"type": "conversation.item.create", "item": output})
        error = h.of_type("error")[-1]["error"]
        assert error["param"] == "item.call_id" and "call_nope" in error["message"]
        assert h.session.conversation.items == [] and h.of_type("session.updated") == []
        await h.send(
            {
                "type": "response.create",
                "response": {"input": [{"type": "item_reference", "id": "x"}]},
            }
        )
        assert h.of_type("error")[-1]["error"]["code"] == "item_not_found"
        await h.text_turn("Still there?")  # the session works after all that
        assert (await h.until("response.done"))["response"]["status"] == "completed"
    finally:
        await h.close()


async def test_the_server_answers_calls_of_its_own_functions_and_replies() -> None:
    from voice_agent.turns.server_tools import CLOCK, server_time

    config = SessionConfig(engine="cascade", tools=(CLOCK,))
    h = Harness(CallingEngine(), config, server_functions={CLOCK.name: (CLOCK, server_time)})
    try:
        await h.send(text_item("What time is it?"))
        await h.send({"type": "response.create", "response": {"tool_choice": "required"}})
        first = await h.until("response.done")
        call = first["response"]["output"][0]
        assert call["name"] == "get_server_time"
        result = (await h.until("conversation.item.created", count=3))["item"]
        assert result["type"] == "function_call_output" and result["call_id"] == call["call_id"]
        assert "time" in json.loads(result["output"])
        second = await h.until("response.done", count=2)  # asked for by the server itself
        assert second["response"]["output"][0]["type"] == "message"
        assert h.engine.turns[1].history[-1].role == "tool"
    finally:
        await h.close()


class AlwaysCallingEngine(ScriptedEngine):
    """A model that calls whatever it is offered, even after a result."""

    async def respond(self, turn: Turn) -> AsyncIterator[EngineEvent]:
        self.turns.append(turn)
        yield ReplyStarted()
        for index, tool in enumerate(turn.tools):
            yield FunctionCall(f"call_{len(self.turns)}_{index}", tool.name, "{}")


async def test_server_functions_are_answered_a_bounded_number_of_times_and_only_their_own() -> None:
    from voice_agent.engines.base import FunctionTool
    from voice_agent.turns.server_tools import CLOCK, MAX_SERVER_ROUNDS, server_time

    functions = {CLOCK.name: (CLOCK, server_time)}
    h = Harness(AlwaysCallingEngine(), SessionConfig(tools=(CLOCK,)), server_functions=functions)
    try:
        await h.text_turn("What time is it?")
        await h.until("response.done", count=1 + MAX_SERVER_ROUNDS)
        await h.send(text_item("Still there?"))  # the session is not stuck in a loop
        assert h.session.response is None
        assert len(h.engine.turns) == 1 + MAX_SERVER_ROUNDS
        assert all(turn.tool_choice.mode == "auto" for turn in h.engine.turns[1:])
    finally:
        await h.close()
    # A client's own function of the same name is the client's to answer.
    mine = FunctionTool(CLOCK.name, "The client's clock.")
    h = Harness(AlwaysCallingEngine(), SessionConfig(tools=(mine,)), server_functions=functions)
    try:
        await h.text_turn("What time is it?")
        done = await h.until("response.done")
        assert done["response"]["output"][0]["type"] == "function_call"
        assert h.session.response is None and len(h.engine.turns) == 1
        assert not [
            e
            for e in h.of_type("conversation.item.created")
            if e["item"]["type"] == "function_call_output"
        ]
    finally:
        await h.close()
