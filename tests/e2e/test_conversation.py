"""A real server process and a real WebSocket client speaking at real-time pace."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from tests.conftest import ServerProcess
from tests.e2e.helpers import whisper
from tests.speech import espeak, silence
from voice_agent.audio import resample
from voice_agent.evaluation import word_error_rate
from voice_agent.realtime.client import (
    RealtimeConnection,
    ServerEvent,
    commit,
    response_create,
    response_id,
    text_item,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

# Waits are on events; their limits only catch hangs, as long as a loaded 2-core machine may
# take to start a reply (over a minute, seen here).
HANG_GUARD_S = 240

QUESTION = "What is the largest planet?"


async def test_spoken_question_gets_a_spoken_answer(server: ServerProcess) -> None:
    client = await RealtimeConnection.connect(server.ws_url + "?model=gpt-realtime")
    try:
        created = await client.wait_for(ServerEvent.SESSION_CREATED)
        assert created["session"]["model"] == "gpt-realtime"
        await client.stream(np.concatenate([silence(0.5), espeak(QUESTION), silence(1.2)]))
        done = await client.wait_for(ServerEvent.RESPONSE_DONE, timeout=HANG_GUARD_S)
        assert done["response"]["status"] == "completed"

        heard = (await client.wait_for(ServerEvent.INPUT_TRANSCRIPT_DONE))["transcript"]
        assert word_error_rate(QUESTION, heard) <= 0.2, heard

        reply = done["response"]["id"]
        said = client.response_text(reply)
        assert said.strip()
        reply_audio = client.response_audio(reply)
        assert len(reply_audio) / 24_000 > 0.5
        assert float(np.sqrt(np.mean(reply_audio**2))) > 0.01
        heard_reply = await whisper().transcribe(resample(reply_audio, 24_000, 16_000))
        assert word_error_rate(said, heard_reply) <= 0.35, (said, heard_reply)
        assert done["response"]["output"][0]["content"][0]["transcript"] == said

        metrics = await client.wait_for(ServerEvent.TURN_METRICS)
        waits = metrics["durations_ms"]
        assert waits["total_to_first_audio"] > 0  # no reply audio before the turn ended
        stages = waits["asr"] + waits["llm_first_token"] + waits["tts_first_audio"]
        assert stages == pytest.approx(waits["total_to_first_audio"], abs=0.5)
        for key in ("speech_stopped_at", "transcript_final_at", "first_token_at"):
            assert metrics[key] is not None
    finally:
        await client.close()


async def test_speaking_over_the_reply_interrupts_it(server: ServerProcess) -> None:
    client = await RealtimeConnection.connect(server.ws_url)
    try:
        await client.configure(
            {"instructions": "You tell long, detailed stories of at least five sentences."}
        )
        await client.stream(
            np.concatenate(
                [silence(0.3), espeak("Tell me a long story about a brave knight."), silence(0.8)]
            )
        )
        first = await client.wait_for(ServerEvent.AUDIO_DELTA, timeout=HANG_GUARD_S)
        reply = first["response_id"]
        # Once half a second of the reply has arrived, the user talks over it while its audio
        # is still streaming.
        await client.wait(
            lambda: True if len(client.response_audio(reply)) >= 12_000 else None,
            HANG_GUARD_S,
            "0.5 s of reply audio",
        )
        await client.stream(np.concatenate([espeak("Stop. What time is it?"), silence(1.0)]))
        done = await _wait_done(client, reply)
        assert done["response"]["status"] == "cancelled"
        assert done["response"]["status_details"]["reason"] == "turn_detected"

        done_index = client.events.index(done)
        late = [
            e
            for e in client.events[done_index:]
            if e["type"] == ServerEvent.AUDIO_DELTA and e["response_id"] == reply
        ]
        assert late == [], "audio of a cancelled response arrived after its response.done"

        # The history keeps only what was sent, a prefix of what the engine had written.
        full_text = client.response_text(reply)
        kept = done["response"]["output"][0]["content"][0]["transcript"]
        sent_s = len(client.response_audio(reply)) / 24_000
        assert full_text.startswith(kept)
        assert kept, "some of the reply had been sent"
        # Roughly the words of the audio that was sent (Piper speaks ~2-4 words a second).
        assert len(kept.split()) <= 5 * sent_s + 3

        # The second question is answered, and the model saw the truncated history.
        second = await client.wait_for(ServerEvent.RESPONSE_DONE, count=2, timeout=HANG_GUARD_S)
        assert second["response"]["status"] == "completed"
        transcripts = [e["transcript"] for e in client.of_type(ServerEvent.INPUT_TRANSCRIPT_DONE)]
        assert "time" in transcripts[-1].lower()
    finally:
        await client.close()


async def _wait_done(client: RealtimeConnection, reply: str, timeout: float = HANG_GUARD_S) -> dict:
    def done() -> dict | None:
        events = client.of_type(ServerEvent.RESPONSE_DONE)
        return next((e for e in events if response_id(e) == reply), None)

    return await client.wait(done, timeout, f"{ServerEvent.RESPONSE_DONE} of {reply}")


async def test_manual_turns_at_16khz_with_the_ga_session_shape(server: ServerProcess) -> None:
    client = await RealtimeConnection.connect(server.ws_url)
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
        await client.send(commit())
        await client.send(response_create())
        done = await client.wait_for(ServerEvent.RESPONSE_DONE, timeout=HANG_GUARD_S)
        assert client.of_type(ServerEvent.SPEECH_STARTED) == []
        heard = (await client.wait_for(ServerEvent.INPUT_TRANSCRIPT_DONE))["transcript"]
        assert word_error_rate(question, heard) <= 0.2, heard
        reply = client.response_audio(done["response"]["id"])
        said = client.response_text(done["response"]["id"])
        heard_reply = await whisper().transcribe(reply)  # already 16 kHz
        assert word_error_rate(said, heard_reply) <= 0.35, (said, heard_reply)
    finally:
        await client.close()


async def test_beta_client_gets_beta_event_names(server: ServerProcess) -> None:
    client = await RealtimeConnection.connect(server.ws_url, headers={"OpenAI-Beta": "realtime=v1"})
    try:
        updated = await client.configure({"input_audio_format": "pcm16", "turn_detection": None})
        assert updated["session"]["turn_detection"] is None
        assert updated["session"]["input_audio_format"] == "pcm16"
        await client.send(text_item("Say hello."))
        await client.send(response_create())
        await client.wait_for(ServerEvent.RESPONSE_DONE, timeout=HANG_GUARD_S)
        assert client.of_type(ServerEvent.BETA_AUDIO_DELTA)
        assert client.of_type(ServerEvent.BETA_TRANSCRIPT_DONE)
        assert not client.of_type(ServerEvent.AUDIO_DELTA)
    finally:
        await client.close()


async def test_two_sessions_talk_at_once(server: ServerProcess) -> None:
    questions = ["What color is the sky?", "Tell me a large animal."]
    clients = [await RealtimeConnection.connect(server.ws_url) for _ in questions]
    try:
        spoken = [np.concatenate([silence(0.3), espeak(q), silence(1.0)]) for q in questions]

        async def turn(client: RealtimeConnection, speech: np.ndarray) -> tuple[str, dict]:
            await client.wait_for(ServerEvent.SESSION_CREATED)
            await client.stream(speech)
            done = await client.wait_for(ServerEvent.RESPONSE_DONE, timeout=120)
            heard = (await client.wait_for(ServerEvent.INPUT_TRANSCRIPT_DONE))["transcript"]
            return heard, done

        results = await asyncio.gather(*(turn(c, s) for c, s in zip(clients, spoken, strict=True)))
        for (heard, done), speech, client in zip(results, spoken, clients, strict=True):
            # Each session heard its own audio, unmixed: the same as Whisper hears that audio
            # alone on this machine. Not against the question's text: int8 numerics differ
            # between CPUs, and CI once heard "large animal" as "lot of Jannimals".
            alone = await whisper().transcribe(resample(speech, 24_000, 16_000))
            assert word_error_rate(alone, heard) <= 0.25, (alone, heard)
            assert done["response"]["status"] == "completed"
            assert len(client.response_audio(done["response"]["id"])) > 0
    finally:
        for client in clients:
            await client.close()
