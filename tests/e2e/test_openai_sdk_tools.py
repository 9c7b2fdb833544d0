"""Function calling, text turns and out-of-band responses with OpenAI's own Python SDK as
the client, against a real server with the embedded models."""

from __future__ import annotations

import base64
import json
from typing import Any

import jsonschema
import numpy as np
import pytest
from openai import AsyncOpenAI

from tests.conftest import ServerProcess
from tests.e2e.helpers import WEATHER_TOOL, whisper
from tests.speech import espeak, silence
from voice_agent.audio import float_to_pcm16, pcm16_to_float, resample

pytestmark = pytest.mark.e2e


def client_for(server: ServerProcess) -> AsyncOpenAI:
    return AsyncOpenAI(api_key="not-needed", websocket_base_url=f"ws://127.0.0.1:{server.port}/v1")


async def until_done(connection: Any) -> tuple[Any, list[Any]]:
    """Events up to the next `response.done` (which is returned first); errors fail."""
    events = []
    async for event in connection:
        assert event.type != "error", event
        events.append(event)
        if event.type == "response.done":
            return event, events
    raise AssertionError("the connection closed before response.done")


async def next_of(connection: Any, kind: str) -> Any:
    async for event in connection:
        if event.type == kind:
            return event
    raise AssertionError(f"the connection closed before {kind}")


async def test_a_spoken_question_calls_a_function_and_the_answer_uses_its_result(
    server: ServerProcess,
) -> None:
    async with client_for(server).realtime.connect(model="gpt-realtime") as connection:
        await connection.session.update(
            session={
                "type": "realtime",
                "tools": [WEATHER_TOOL],
                "tool_choice": {"type": "function", "name": "get_weather"},
                "audio": {"input": {"format": {"type": "audio/pcm", "rate": 24000}}},
            }
        )
        question = "What is the weather like in Paris today?"
        pcm = float_to_pcm16(np.concatenate([silence(0.3), espeak(question), silence(1.0)]))
        for offset in range(0, len(pcm), 9600):
            await connection.input_audio_buffer.append(
                audio=base64.b64encode(pcm[offset : offset + 9600]).decode()
            )
        done, events = await until_done(connection)
        assert done.response.status == "completed"
        [call] = done.response.output
        assert call.type == "function_call" and call.name == "get_weather"
        jsonschema.validate(json.loads(call.arguments), WEATHER_TOOL["parameters"])
        kinds = [event.type for event in events]
        assert "response.function_call_arguments.done" in kinds
        assert "response.output_audio.delta" not in kinds

        await connection.conversation.item.create(
            item={
                "type": "function_call_output",
                "call_id": call.call_id,
                "output": json.dumps({"forecast": "sunny"}),
            }
        )
        await connection.response.create(response={"tool_choice": "auto"})
        done, events = await until_done(connection)
        assert done.response.status == "completed"
        assert done.response.output[0].type == "message"
        audio = b"".join(
            base64.b64decode(e.delta) for e in events if e.type == "response.output_audio.delta"
        )
        heard = await whisper().transcribe(resample(pcm16_to_float(audio), 24_000, 16_000))
        assert "sunny" in heard.lower(), heard


async def test_a_typed_question_gets_a_text_answer_and_out_of_band_leaves_history(
    server: ServerProcess,
) -> None:
    async with client_for(server).realtime.connect(model="gpt-realtime") as connection:
        await connection.session.update(
            session={"type": "realtime", "output_modalities": ["text"], "turn_detection": None}
        )
        await connection.conversation.item.create(
            item={
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "What is the capital of France?"}],
            }
        )
        user_item = (await next_of(connection, "conversation.item.created")).item
        await connection.response.create()
        done, events = await until_done(connection)
        text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
        assert "Paris" in text
        assert not [e for e in events if "audio" in e.type]
        assert done.response.output[0].content[0].text == text.strip()
        created = sum(e.type == "conversation.item.created" for e in events)
        assert created == 1  # the reply

        await connection.response.create(
            response={
                "conversation": "none",
                "metadata": {"purpose": "title"},
                "instructions": "Give a title of two or three words for the request.",
                "input": [{"type": "item_reference", "id": user_item.id}],
            }
        )
        done, events = await until_done(connection)
        assert done.response.metadata == {"purpose": "title"}
        assert done.response.output[0].content[0].text.strip()
        assert not [e for e in events if e.type == "conversation.item.created"]
        # The conversation still ends with the first reply: a new turn answers after it.
        reply_id = next(item.id for item in done.response.output)
        await connection.conversation.item.retrieve(item_id=reply_id)
        error = await next_of(connection, "error")
        assert error.error.code == "item_not_found"


async def test_bad_schemas_and_unknown_call_ids_get_clear_errors(server: ServerProcess) -> None:
    async with client_for(server).realtime.connect(model="gpt-realtime") as connection:
        broken = {**WEATHER_TOOL, "parameters": {"type": "object", "required": "city"}}
        await connection.session.update(session={"type": "realtime", "tools": [broken]})
        error = (await next_of(connection, "error")).error
        assert error.code == "invalid_tool_schema" and "required" in error.message
        await connection.conversation.item.create(
            item={"type": "function_call_output", "call_id": "call_unknown", "output": "{}"}
        )
        error = (await next_of(connection, "error")).error
        assert error.param == "item.call_id" and "call_unknown" in error.message
