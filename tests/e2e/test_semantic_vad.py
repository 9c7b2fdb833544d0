"""semantic_vad end to end: a real server (Silero VAD, Smart Turn, the cascade) and spoken
audio at real-time pace. No test here reads a clock: a turn that must not end yet is shown
not to have ended by an event the server answers only after all audio sent before it."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import ServerProcess
from tests.speech import espeak, silence
from voice_agent.bench.corpus import speech_bounds
from voice_agent.realtime.client import RealtimeConnection, ServerEvent

pytestmark = pytest.mark.e2e

SEMANTIC = {"turn_detection": {"type": "semantic_vad", "eagerness": "medium"}}
SERVER_VAD = {"turn_detection": {"type": "server_vad", "silence_duration_ms": 500}}


def spoken(text: str) -> np.ndarray:
    """`text` in espeak-ng's voice without its leading and trailing silence (24 kHz)."""
    audio = espeak(text)
    start, end = speech_bounds(audio)
    return audio[int(start * 24_000) : int(end * 24_000)]


async def connect(server: ServerProcess, session: dict) -> RealtimeConnection:
    client = await RealtimeConnection.connect(server.ws_url)
    await client.configure(session)
    return client


async def after_all_audio_sent(client: RealtimeConnection, session: dict) -> None:
    """Return once the server has acted on every event sent so far: it handles a session's
    events in order, so its answer to this update comes after all of them."""
    await client.configure(session)


async def test_a_finished_question_ends_its_turn_before_server_vad_would(
    server: ServerProcess,
) -> None:
    # 350 ms of silence after the question: less than server_vad's 500 ms.
    question = np.concatenate(
        [silence(0.3), spoken("What is the capital of France?"), silence(0.35)]
    )
    waiting = await connect(server, SERVER_VAD)
    semantic = await connect(server, SEMANTIC)
    try:
        await waiting.stream(question)
        await semantic.stream(question)
        stopped = await semantic.wait_for(ServerEvent.SPEECH_STOPPED, timeout=60)
        started = semantic.of_type(ServerEvent.SPEECH_STARTED)[0]
        assert stopped["audio_end_ms"] > started["audio_start_ms"] + 1000
        done = await semantic.wait_for(ServerEvent.RESPONSE_DONE, timeout=90)
        assert done["response"]["status"] == "completed"
        heard = (await semantic.wait_for(ServerEvent.INPUT_TRANSCRIPT_DONE))["transcript"]
        assert "capital" in heard.lower()

        await after_all_audio_sent(waiting, SERVER_VAD)
        assert waiting.of_type(ServerEvent.SPEECH_STARTED)  # it heard the question...
        assert not waiting.of_type(ServerEvent.SPEECH_STOPPED)  # ...and is still waiting
    finally:
        await waiting.close()
        await semantic.close()


async def test_a_sentence_paused_mid_list_is_not_cut_at_its_pause(server: ServerProcess) -> None:
    paused = np.concatenate(
        [
            silence(0.3),
            spoken("My favourite colours are red, green, and"),
            silence(0.9),
            spoken("blue."),
            # Smart Turn is unsure of espeak's flat "...and blue." too, so this turn may end
            # only at medium eagerness's 4 s limit; the test is about the pause before it.
            silence(4.3),
        ]
    )
    cut = await connect(server, SERVER_VAD)
    semantic = await connect(server, SEMANTIC)
    try:
        await semantic.stream(paused)
        await cut.stream(paused)
        done = await semantic.wait_for(ServerEvent.RESPONSE_DONE, timeout=90)
        assert done["response"]["status"] == "completed"
        assert len(semantic.of_type(ServerEvent.SPEECH_STOPPED)) == 1
        heard = (await semantic.wait_for(ServerEvent.INPUT_TRANSCRIPT_DONE))["transcript"]
        assert "green" in heard.lower() and "blue" in heard.lower(), heard

        # server_vad's 500 ms ends the same audio's turn at the pause, and again after "blue".
        await cut.wait_for(ServerEvent.SPEECH_STOPPED, count=2, timeout=90)
        first = cut.of_type(ServerEvent.SPEECH_STOPPED)[0]
        assert (
            first["audio_end_ms"] < semantic.of_type(ServerEvent.SPEECH_STOPPED)[0]["audio_end_ms"]
        )
    finally:
        await cut.close()
        await semantic.close()
