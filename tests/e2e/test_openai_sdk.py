"""OpenAI's own Python SDK, pointed at this server, works unchanged."""

from __future__ import annotations

import base64

import numpy as np
import pytest
from openai import AsyncOpenAI

from tests.conftest import ServerProcess
from tests.speech import espeak, silence
from voice_agent.audio import float_to_pcm16
from voice_agent.evaluation import word_error_rate

pytestmark = pytest.mark.e2e


async def test_openai_sdk_realtime_conversation(server: ServerProcess) -> None:
    client = AsyncOpenAI(
        api_key="not-needed", websocket_base_url=f"ws://127.0.0.1:{server.port}/v1"
    )
    question = "What is the biggest ocean on Earth?"
    async with client.realtime.connect(model="gpt-realtime") as connection:
        await connection.session.update(
            session={
                "type": "realtime",
                "output_modalities": ["audio"],
                "audio": {"input": {"format": {"type": "audio/pcm", "rate": 24000}}},
            }
        )
        pcm = float_to_pcm16(np.concatenate([silence(0.3), espeak(question), silence(1.0)]))
        for offset in range(0, len(pcm), 9600):  # 200 ms per event, sent as fast as it goes
            await connection.input_audio_buffer.append(
                audio=base64.b64encode(pcm[offset : offset + 9600]).decode()
            )
        types: list[str] = []
        audio_bytes = 0
        transcript = ""
        async for event in connection:
            types.append(event.type)
            if event.type == "response.output_audio.delta":
                audio_bytes += len(base64.b64decode(event.delta))
            elif event.type == "conversation.item.input_audio_transcription.completed":
                transcript = event.transcript
            elif event.type == "response.done":
                assert event.response.status == "completed"
                break
            assert event.type != "error", event
    assert types[0] == "session.created"
    assert "session.updated" in types and "input_audio_buffer.speech_stopped" in types
    assert word_error_rate(question, transcript) <= 0.25, transcript
    assert audio_bytes > 24_000  # over half a second of reply
