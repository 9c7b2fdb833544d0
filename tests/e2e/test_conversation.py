"""A real server process and a real WebSocket client speaking at real-time pace."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from tests.conftest import ServerProcess
from tests.e2e.helpers import whisper
from tests.realtime_client import RealtimeClient, text_item
from tests.speech import espeak, silence
from voice_agent.audio import resample
from voice_agent.evaluation import word_error_rate

pytestmark = pytest.mark.e2e

QUESTION = "What is the largest planet?"


def reply_text(client: RealtimeClient, response_id: str) -> str:
    return "".join(
        e["delta"]
        for e in client.of_type("response.output_audio_transcript.delta")
        if e["response_id"] == response_id
    )


async def test_spoken_question_gets_a_spoken_answer(server: ServerProcess) -> None:
    client = await RealtimeClient.connect(server.ws_url + "?model=gpt-realtime")
    try:
        created = await client.wait_for("session.created")
        assert created["session"]["model"] == "gpt-realtime"
        await client.stream(np.concatenate([silence(0.5), espeak(QUESTION), silence(1.2)]))
        done = await client.wait_for("response.done", timeout=90)
        assert done["response"]["status"] == "completed"

        heard = (await client.wait_for("conversation.item.input_audio_transcription.completed"))[
            "transcript"
        ]
        assert word_error_rate(QUESTION, heard) <= 0.2, heard

        response_id = done["response"]["id"]
        said = reply_text(client, response_id)
        assert said.strip()
        reply_audio = client.response_audio(response_id)
        assert len(reply_audio) / 24_000 > 0.5
        assert float(np.sqrt(np.mean(reply_audio**2))) > 0.01
        heard_reply = await whisper().transcribe(resample(reply_audio, 24_000, 16_000))
        assert word_error_rate(said, heard_reply) <= 0.35, (said, heard_reply)
        assert done["response"]["output"][0]["content"][0]["transcript"] == said

        metrics = await client.wait_for("voice_agent.turn.metrics")
        waits = metrics["durations_ms"]
        assert waits["total_to_first_audio"] > 0  # no reply audio before the turn ended
        stages = waits["asr"] + waits["llm_first_token"] + waits["tts_first_audio"]
        assert stages == pytest.approx(waits["total_to_first_audio"], abs=0.5)
        for key in ("speech_stopped_at", "transcript_final_at", "first_token_at"):
            assert metrics[key] is not None
    finally:
        await client.close()


async def test_speaking_over_the_reply_interrupts_it(server: ServerProcess) -> None:
    client = await RealtimeClient.connect(server.ws_url)
    try:
        await client.configure(
            {"instructions": "You tell long, detailed stories of at least five sentences."}
        )
        await client.stream(
            np.concatenate(
                [silence(0.3), espeak("Tell me a long story about a brave knight."), silence(0.8)]
            )
        )
        first = await client.wait_for("response.output_audio.delta", timeout=90)
        response_id = first["response_id"]
        await asyncio.sleep(0.5)
        # The user talks over the reply while its audio is still streaming.
        await client.stream(np.concatenate([espeak("Stop. What time is it?"), silence(1.0)]))
        done = await _wait_done(client, response_id)
        assert done["response"]["status"] == "cancelled"
        assert done["response"]["status_details"]["reason"] == "turn_detected"

        done_index = client.events.index(done)
        late = [
            e
            for e in client.events[done_index:]
            if e["type"] == "response.output_audio.delta" and e["response_id"] == response_id
        ]
        assert late == [], "audio of a cancelled response arrived after its response.done"

        # The history keeps only what was sent, a prefix of what the engine had written.
        full_text = reply_text(client, response_id)
        kept = done["response"]["output"][0]["content"][0]["transcript"]
        sent_s = len(client.response_audio(response_id)) / 24_000
        assert full_text.startswith(kept)
        assert kept, "some of the reply had been sent"
        # Roughly the words of the audio that was sent (Piper speaks ~2-4 words a second).
        assert len(kept.split()) <= 5 * sent_s + 3

        # The second question is answered, and the model saw the truncated history.
        second = await client.wait_for("response.done", count=2, timeout=90)
        assert second["response"]["status"] == "completed"
        transcripts = [
            e["transcript"]
            for e in client.of_type("conversation.item.input_audio_transcription.completed")
        ]
        assert "time" in transcripts[-1].lower()
    finally:
        await client.close()


async def _wait_done(client: RealtimeClient, response_id: str, timeout: float = 60.0) -> dict:
    for _ in range(int(timeout / 0.05)):
        for event in client.of_type("response.done"):
            if event["response"]["id"] == response_id:
                return event
        await asyncio.sleep(0.05)
    raise AssertionError(f"no response.done for {response_id}")


async def test_manual_turns_at_16khz_with_the_ga_session_shape(server: ServerProcess) -> None:
    client = await RealtimeClient.connect(server.ws_url)
    try:
        updated = await client.configure(
            {
                "type": "realtime",
                "audio": {
                    "input": {
                        "format": {"type": "audio/pcm", "rate": 16000},
                        "turn_detection": None,
                    },
                    "output": {"format": {"type": "audio/pcm", "rate": 16000}},
                },
            }
        )
        assert updated["session"]["audio"]["input"]["turn_detection"] is None
        question = "How many legs does a spider have?"
        await client.stream(espeak(question, 16_000), rate=16_000, realtime=False)
        await client.send({"type": "input_audio_buffer.commit"})
        await client.send({"type": "response.create"})
        done = await client.wait_for("response.done", timeout=90)
        assert client.of_type("input_audio_buffer.speech_started") == []
        heard = (await client.wait_for("conversation.item.input_audio_transcription.completed"))[
            "transcript"
        ]
        assert word_error_rate(question, heard) <= 0.2, heard
        reply = client.response_audio(done["response"]["id"])
        said = reply_text(client, done["response"]["id"])
        heard_reply = await whisper().transcribe(reply)  # already 16 kHz
        assert word_error_rate(said, heard_reply) <= 0.35, (said, heard_reply)
    finally:
        await client.close()


async def test_beta_client_gets_beta_event_names(server: ServerProcess) -> None:
    client = await RealtimeClient.connect(server.ws_url, headers={"OpenAI-Beta": "realtime=v1"})
    try:
        updated = await client.configure({"input_audio_format": "pcm16", "turn_detection": None})
        assert updated["session"]["turn_detection"] is None
        assert updated["session"]["input_audio_format"] == "pcm16"
        await client.send(text_item("Say hello."))
        await client.send({"type": "response.create"})
        await client.wait_for("response.done", timeout=90)
        assert client.of_type("response.audio.delta")
        assert client.of_type("response.audio_transcript.done")
        assert not client.of_type("response.output_audio.delta")
    finally:
        await client.close()


async def test_two_sessions_talk_at_once(server: ServerProcess) -> None:
    questions = ["What color is the sky?", "Tell me a large animal."]
    clients = [await RealtimeClient.connect(server.ws_url) for _ in questions]
    try:

        async def turn(client: RealtimeClient, question: str) -> tuple[str, dict]:
            await client.wait_for("session.created")
            await client.stream(np.concatenate([silence(0.3), espeak(question), silence(1.0)]))
            done = await client.wait_for("response.done", timeout=120)
            heard = (
                await client.wait_for("conversation.item.input_audio_transcription.completed")
            )["transcript"]
            return heard, done

        results = await asyncio.gather(
            *(turn(c, q) for c, q in zip(clients, questions, strict=True))
        )
        for (heard, done), question, client in zip(results, questions, clients, strict=True):
            assert word_error_rate(question, heard) <= 0.25, heard
            assert done["response"]["status"] == "completed"
            assert len(client.response_audio(done["response"]["id"])) > 0
    finally:
        for client in clients:
            await client.close()
