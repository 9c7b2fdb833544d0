"""The turn state machine against a scripted fake engine and an energy-based fake VAD.

The fakes stand in for the models, not for the thing under test: the session's event
flow, barge-in, stale-audio dropping and history truncation are all real.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import pytest

from tests.realtime_client import text_item
from voice_agent.engines.base import EngineError, ReplyAudio, ReplyRequest, ReplyTextStarted
from voice_agent.models.workers import ModelWorker
from voice_agent.realtime.protocol import SessionConfig, TurnDetection
from voice_agent.turns.session import AudioSink, Session, SessionLimits

RATE = 24_000
CLAUSE_S = 0.5
CLAUSES = ["First clause here.", "Second clause here.", "Third clause here."]


class LoudnessVAD:
    """Scores a window 1.0 when it is loud: enough to drive turn logic with synthetic audio."""

    def new_state(self) -> None:
        return None

    def __call__(self, window: np.ndarray, state: object) -> float:
        return 1.0 if float(np.sqrt(np.mean(window**2))) > 0.05 else 0.0


class ScriptedEngine:
    name = "cascade"

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.requests: list[ReplyRequest] = []
        self.transcribed_seconds: list[float] = []

    async def transcribe(self, audio16k: np.ndarray) -> str:
        self.transcribed_seconds.append(len(audio16k) / 16_000)
        await asyncio.sleep(0.01)
        return "hello there"

    async def reply(self, request: ReplyRequest) -> AsyncIterator[Any]:
        self.requests.append(request)
        if self.fail:
            raise EngineError("llm_unavailable", "cannot reach the LLM server")
        await asyncio.sleep(0.01)
        yield ReplyTextStarted()
        for text in CLAUSES:
            yield ReplyAudio(np.full(int(16_000 * CLAUSE_S), 0.1, np.float32), 16_000, text)

    async def warm_up(self) -> None: ...

    async def close(self) -> None: ...


class Harness:
    def __init__(
        self,
        engine: ScriptedEngine,
        config: SessionConfig | None = None,
        lead_ms: int = 100,
        audio_sink: AudioSink | None = None,
    ):
        self.events: list[dict[str, Any]] = []
        self.worker = ModelWorker("vad-test")
        self.engine = engine
        self.session = Session(
            engines={"cascade": engine},
            vad_model=LoudnessVAD(),
            vad_worker=self.worker,
            emit=self._emit,
            config=config,
            limits=SessionLimits(output_lead_ms=lead_ms, output_chunk_ms=100),
            audio_sink=audio_sink,
        )

    async def _emit(self, event: dict[str, Any]) -> None:
        self.events.append(event)

    async def send(self, event: dict[str, Any]) -> None:
        await self.session.handle(event)

    async def audio(self, seconds: float, loud: bool) -> None:
        """Append `seconds` of synthetic audio in 20 ms events (instantly, not real time)."""
        n = int(RATE * 0.02)  # 20 ms: a whole number of 200 Hz periods, so chunks join smoothly
        chunk = (0.3 * np.sin(2 * np.pi * 200 * np.arange(n) / RATE)).astype(np.float32)
        chunk *= 1.0 if loud else 0.0
        pcm = (chunk * 32767).astype("<i2").tobytes()
        for _ in range(round(seconds / 0.02)):
            await self.send(
                {"type": "input_audio_buffer.append", "audio": base64.b64encode(pcm).decode()}
            )

    async def text_turn(self, text: str) -> None:
        await self.send(text_item(text))
        await self.send({"type": "response.create"})

    def types(self) -> list[str]:
        return [e["type"] for e in self.events]

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == kind]

    async def until(self, kind: str, count: int = 1, timeout: float = 10.0) -> dict[str, Any]:
        async def poll() -> dict[str, Any]:
            while len(self.of_type(kind)) < count:
                await asyncio.sleep(0.005)
            return self.of_type(kind)[count - 1]

        return await asyncio.wait_for(poll(), timeout)

    async def close(self) -> None:
        await self.session.close()
        self.worker.shutdown()


@pytest.fixture
async def harness() -> AsyncIterator[Harness]:
    h = Harness(ScriptedEngine())
    yield h
    await h.close()


async def test_vad_turn_produces_the_realtime_event_sequence(harness: Harness) -> None:
    await harness.audio(1.0, loud=False)
    await harness.audio(1.0, loud=True)
    await harness.audio(0.8, loud=False)
    done = await harness.until("response.done")

    started = harness.of_type("input_audio_buffer.speech_started")[0]
    stopped = harness.of_type("input_audio_buffer.speech_stopped")[0]
    assert abs(started["audio_start_ms"] - 1000) <= 32
    assert abs(stopped["audio_end_ms"] - 2000) <= 32
    assert started["item_id"] == stopped["item_id"]
    # The committed turn is the speech plus the default 300 ms of prefix padding and the
    # silence that ended it; not the leading second of silence.
    assert 1.3 <= harness.engine.transcribed_seconds[0] <= 1.9

    order = harness.types()
    for earlier, later in [
        ("input_audio_buffer.speech_started", "input_audio_buffer.speech_stopped"),
        ("input_audio_buffer.speech_stopped", "input_audio_buffer.committed"),
        ("input_audio_buffer.committed", "conversation.item.input_audio_transcription.completed"),
        ("response.created", "response.output_audio.delta"),
        ("response.output_audio.delta", "response.done"),
    ]:
        assert order.index(earlier) < order.index(later)
    assert done["response"]["status"] == "completed"
    transcript = "".join(
        e["delta"] for e in harness.of_type("response.output_audio_transcript.delta")
    )
    assert transcript == " ".join(CLAUSES)
    assert harness.engine.requests[0].history[-1].text == "hello there"

    metrics = await harness.until("voice_agent.turn.metrics")
    for key in ("speech_stopped_at", "transcript_final_at", "first_token_at", "first_audio_at"):
        assert metrics[key] is not None
    assert metrics["speech_stopped_at"] < metrics["first_audio_at"]
    # The pause that ended the turn had started the transcript and the reply already.
    assert metrics["early_transcript"] and metrics["early_reply"]
    assert len(harness.engine.requests) == 1

    # Audio deltas add up to the reply, resampled to the 24 kHz output.
    total = sum(
        len(base64.b64decode(e["delta"])) // 2
        for e in harness.of_type("response.output_audio.delta")
    )
    assert abs(total - RATE * CLAUSE_S * len(CLAUSES)) <= 10


async def test_early_transcript_is_used_only_if_nothing_was_said_after_it(
    harness: Harness,
) -> None:
    await harness.audio(0.5, loud=True)
    await harness.audio(0.3, loud=False)  # a pause: an early transcript starts, then is dropped
    await harness.audio(0.5, loud=True)
    await harness.audio(0.8, loud=False)  # the end: the early transcript is the transcript
    await harness.until("response.done")
    first, second = harness.engine.transcribed_seconds  # no third, full-length call
    # Speech + the 200 ms of pause so far (+ up to two 32 ms VAD windows); no audio came
    # before the speech, so there is no prefix padding to add.
    assert first == pytest.approx(0.5 + 0.2 + 0.04, abs=0.05)
    assert second == pytest.approx(0.5 + 0.3 + 0.5 + 0.2 + 0.04, abs=0.05)
    assert len(harness.of_type("conversation.item.input_audio_transcription.completed")) == 1
    # The reply begun at the first pause was dropped unheard: one response, one reply's audio.
    assert len(harness.of_type("response.created")) == 1
    deltas = harness.of_type("response.output_audio.delta")
    assert {d["response_id"] for d in deltas} == {
        harness.of_type("response.created")[0]["response"]["id"]
    }
    total = sum(len(base64.b64decode(d["delta"])) // 2 for d in deltas)
    assert abs(total - RATE * CLAUSE_S * len(CLAUSES)) <= 10


async def test_early_reply_for_another_history_is_not_used() -> None:
    h = Harness(ScriptedEngine())
    try:
        await h.audio(0.5, loud=True)
        await h.audio(0.3, loud=False)  # paused: early transcript and reply start
        await asyncio.sleep(0.05)
        await h.send(text_item("by the way, I am in Paris"))  # the history changes meanwhile
        await h.audio(0.4, loud=False)  # the turn ends at that same pause
        await h.until("response.done")
        early, final = h.engine.requests
        assert [m.text for m in early.history] == ["hello there"]
        # The text item was created before the turn was committed, so it comes first.
        assert [m.text for m in final.history] == ["by the way, I am in Paris", "hello there"]
        metrics = await h.until("voice_agent.turn.metrics")
        assert metrics["early_transcript"] and not metrics["early_reply"]
    finally:
        await h.close()


async def test_barge_in_cancels_drops_stale_audio_and_truncates_history(harness: Harness) -> None:
    await harness.audio(0.6, loud=True)
    await harness.audio(0.6, loud=False)
    first_delta = await harness.until("response.output_audio.delta")
    response_id = first_delta["response_id"]
    await asyncio.sleep(0.35)  # some of the reply plays, most does not
    await harness.audio(0.2, loud=True)  # the user talks over it
    done = await harness.until("response.done")

    assert done["response"]["status"] == "cancelled"
    assert done["response"]["status_details"]["reason"] == "turn_detected"
    done_at = harness.events.index(done)
    stale = [
        e
        for e in harness.events[done_at:]
        if e["type"] == "response.output_audio.delta" and e["response_id"] == response_id
    ]
    assert stale == []
    sent_ms = (
        sum(
            len(base64.b64decode(e["delta"])) // 2
            for e in harness.of_type("response.output_audio.delta")
        )
        * 1000
        / RATE
    )
    assert sent_ms < CLAUSE_S * len(CLAUSES) * 1000  # the reply was really cut short
    heard = harness.session.conversation.get(first_delta["item_id"]).text
    # Only text whose audio was sent is kept: with ~0.45-0.65 s sent, part of clause 2 at most.
    assert heard.startswith("First clause")
    assert "Third" not in heard
    assert done["response"]["output"][0]["content"][0]["transcript"] == heard


async def test_client_truncate_cuts_history_to_what_was_played(harness: Harness) -> None:
    await harness.text_turn("hi")
    done = await harness.until("response.done", timeout=15)
    item_id = done["response"]["output"][0]["id"]
    await harness.send(
        {
            "type": "conversation.item.truncate",
            "item_id": item_id,
            "content_index": 0,
            "audio_end_ms": 750,
        }
    )
    truncated = await harness.until("conversation.item.truncated")
    assert truncated["audio_end_ms"] == 750
    assert harness.session.conversation.get(item_id).text == "First clause here. Second"


async def test_truncate_past_the_audio_is_an_error(harness: Harness) -> None:
    await harness.text_turn("hi")
    done = await harness.until("response.done", timeout=15)
    item_id = done["response"]["output"][0]["id"]
    await harness.send(
        {"type": "conversation.item.truncate", "item_id": item_id, "audio_end_ms": 99_000}
    )
    assert harness.of_type("error")[-1]["error"]["param"] == "audio_end_ms"


async def test_manual_turns_commit_and_create_response() -> None:
    h = Harness(ScriptedEngine(), SessionConfig(turn_detection=None))
    try:
        await h.audio(0.5, loud=True)
        await h.audio(0.5, loud=False)
        assert h.of_type("input_audio_buffer.speech_started") == []
        assert h.of_type("response.created") == []
        await h.send({"type": "input_audio_buffer.commit"})
        await h.until("conversation.item.input_audio_transcription.completed")
        assert h.engine.transcribed_seconds == [pytest.approx(1.0, abs=0.05)]
        await h.send({"type": "response.create", "response": {"instructions": "Be terse."}})
        done = await h.until("response.done", timeout=15)
        assert done["response"]["status"] == "completed"
        assert h.engine.requests[0].instructions == "Be terse."
    finally:
        await h.close()


async def test_response_cancel_by_client(harness: Harness) -> None:
    await harness.text_turn("hi")
    await harness.until("response.output_audio.delta")
    await harness.send({"type": "response.create"})
    assert (
        harness.of_type("error")[-1]["error"]["code"] == "conversation_already_has_active_response"
    )
    await harness.send({"type": "response.cancel"})
    done = await harness.until("response.done")
    assert done["response"]["status_details"]["reason"] == "client_cancelled"
    await harness.send({"type": "response.cancel"})
    assert harness.of_type("error")[-1]["error"]["code"] == "response_cancel_not_active"


async def test_engine_failure_is_reported_and_session_goes_on() -> None:
    h = Harness(ScriptedEngine(fail=True))
    try:
        await h.send(text_item("hi"))
        await h.send({"type": "response.create"})
        done = await h.until("response.done")
        assert done["response"]["status"] == "failed"
        assert h.of_type("error")[-1]["error"]["code"] == "llm_unavailable"
        h.engine.fail = False
        await h.send({"type": "response.create"})
        done = await h.until("response.done", count=2, timeout=15)
        assert done["response"]["status"] == "completed"
    finally:
        await h.close()


async def test_reply_audio_is_paced_to_real_time_plus_lead() -> None:
    h = Harness(ScriptedEngine(), lead_ms=200)
    try:
        await h.send(text_item("hi"))
        loop = asyncio.get_running_loop()
        start = loop.time()
        await h.send({"type": "response.create"})
        await h.until("response.done", timeout=15)
        # 1.5 s of audio may not all be sent before 1.5 s - 0.2 s lead has passed.
        assert loop.time() - start >= CLAUSE_S * len(CLAUSES) - 0.2 - 0.1 - 0.05
    finally:
        await h.close()


async def test_bad_events_get_errors_and_the_session_lives_on(harness: Harness) -> None:
    await harness.send({"type": "input_audio_buffer.append", "audio": "***"})
    await harness.send(
        {"type": "input_audio_buffer.append", "audio": base64.b64encode(b"abc").decode()}
    )
    await harness.send({"type": "input_audio_buffer.commit"})
    await harness.send({"type": "session.update", "session": {"turn_detection": {"threshold": 5}}})
    await harness.send({"type": "conversation.item.create", "item": {"role": "robot"}})
    await harness.send({"type": "conversation.item.delete", "item_id": "nope"})
    codes = [e["error"]["code"] for e in harness.of_type("error")]
    assert codes == [
        "invalid_audio",
        "invalid_audio",
        "input_audio_buffer_commit_empty",
        "invalid_value",
        "invalid_value",
        "item_not_found",
    ]
    assert harness.session.config.turn_detection == TurnDetection()
    await harness.audio(0.5, loud=True)
    await harness.audio(0.7, loud=False)
    assert (await harness.until("response.done", timeout=15))["response"]["status"] == "completed"


async def test_input_buffer_has_a_bound() -> None:
    h = Harness(ScriptedEngine(), SessionConfig(turn_detection=None))
    h.session.limits = SessionLimits(max_buffer_s=0.5)
    try:
        await h.audio(0.6, loud=True)
        assert h.of_type("error")[-1]["error"]["code"] == "input_audio_buffer_full"
    finally:
        await h.close()


async def test_g711_input_at_8khz_is_resampled_for_the_models() -> None:
    from voice_agent import audio as audio_codec

    config = SessionConfig(turn_detection=None)
    h = Harness(ScriptedEngine(), config)
    try:
        await h.send({"type": "session.update", "session": {"input_audio_format": "g711_ulaw"}})
        tone = (0.3 * np.sin(np.arange(8000) * 0.3)).astype(np.float32)
        payload = base64.b64encode(audio_codec.encode(tone, "pcmu")).decode()
        await h.send({"type": "input_audio_buffer.append", "audio": payload})
        await h.send({"type": "input_audio_buffer.commit"})
        await h.until("conversation.item.input_audio_transcription.completed")
        assert h.engine.transcribed_seconds[0] == pytest.approx(1.0, abs=0.02)
    finally:
        await h.close()
