"""The turn state machine against a scripted fake engine and an energy-based fake VAD.

The fakes stand in for the models, not for the thing under test: the session's event
flow, barge-in, stale-audio dropping and history truncation are all real.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import numpy as np
import pytest

from tests.realtime_client import text_item
from voice_agent.engines.base import (
    EngineError,
    EngineEvent,
    FunctionTool,
    ReplyAudio,
    ReplyStarted,
    ReplyText,
    Turn,
    UserTranscript,
)
from voice_agent.fuzz.sans_io import LoudnessVAD  # turns from synthetic audio
from voice_agent.models.workers import ModelWorker
from voice_agent.realtime.protocol import SessionConfig, TurnDetection
from voice_agent.turns.clock import VirtualClock, settle
from voice_agent.turns.semantic import EndOfTurn
from voice_agent.turns.server_tools import ServerFunction
from voice_agent.turns.session import AudioSink, Session, SessionLimits

RATE = 24_000
CLAUSE_S = 0.5
CLAUSES = ["First clause here.", "Second clause here.", "Third clause here."]


class ScriptedEngine:
    """Answers like the cascade: transcribes every speech item it is handed ("hello
    there"), then speaks three clauses, each audio piece with its text."""

    name = "cascade"
    transcription_model = "scripted-asr"

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.turns: list[Turn] = []
        self.transcribed_seconds: list[float] = []
        self.closed_unfinished = 0  # replies closed before their end (barge-in, discarded)

    async def respond(self, turn: Turn) -> AsyncIterator[EngineEvent]:
        self.turns.append(turn)
        finished = False
        try:
            for item in turn.history:
                if item.text is None and item.audio is not None:
                    self.transcribed_seconds.append(len(item.audio) / 16_000)
                    await asyncio.sleep(0)
                    yield UserTranscript(item.id, "hello there")
            if self.fail:
                raise EngineError("llm_unavailable", "cannot reach the LLM server")
            yield ReplyStarted()
            for text in CLAUSES:
                yield self.clause(text)
            finished = True
        finally:
            self.closed_unfinished += not finished

    @staticmethod
    def clause(text: str | None) -> ReplyAudio:
        return ReplyAudio(np.full(int(16_000 * CLAUSE_S), 0.1, np.float32), 16_000, text)

    def history_texts(self, index: int) -> list[str | None]:
        return [item.text for item in self.turns[index].history]

    async def warm_up(self) -> None: ...

    async def close(self) -> None: ...


class UntranscribingEngine(ScriptedEngine):
    """Like a direct model: never transcribes the user; writes its reply as text deltas
    and speaks audio chunks that carry no text."""

    name = "direct"
    transcription_model = None

    async def respond(self, turn: Turn) -> AsyncIterator[EngineEvent]:
        self.turns.append(turn)
        yield ReplyStarted()
        for text in CLAUSES:
            yield ReplyText(text + " ")
            for _ in range(5):  # five 100 ms chunks per clause
                yield ReplyAudio(np.full(1600, 0.1, np.float32), 16_000)


class Harness:
    def __init__(
        self,
        engine: ScriptedEngine,
        config: SessionConfig | None = None,
        lead_ms: int = 100,
        audio_sink: AudioSink | None = None,
        end_of_turn: EndOfTurn | None = None,
        early_reply_ms: int = 200,
        server_functions: dict[str, tuple[FunctionTool, ServerFunction]] | None = None,
    ):
        self.events: list[dict[str, Any]] = []
        self._changed = asyncio.Event()
        self.worker = ModelWorker("vad-test")
        self.engine = engine
        self.clock = VirtualClock()
        self.session = Session(
            engines={engine.name: engine},
            vad_model=LoudnessVAD(),
            vad_worker=self.worker,
            emit=self._emit,
            config=config or SessionConfig(engine=engine.name),
            limits=SessionLimits(
                output_lead_ms=lead_ms, output_chunk_ms=100, early_reply_ms=early_reply_ms
            ),
            audio_sink=audio_sink,
            clock=self.clock,
            end_of_turn=end_of_turn,
            server_functions=server_functions,
        )

    async def _emit(self, event: dict[str, Any]) -> None:
        self.events.append(event)
        self._changed.set()

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

    async def until(self, kind: str, count: int = 1) -> dict[str, Any]:
        """Run the session until its `count`-th event of `kind`, moving virtual time on
        whenever everything is waiting for it (paced audio)."""

        async def run() -> dict[str, Any]:
            while len(self.of_type(kind)) < count:
                await settle()
                if len(self.of_type(kind)) >= count:
                    break
                if (deadline := self.clock.next_deadline) is not None:
                    await self.clock.advance(deadline - self.clock.now())
                else:
                    self._changed.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), 0.1)
            return self.of_type(kind)[count - 1]

        return await asyncio.wait_for(run(), 30)  # a guard against hangs, not a time limit

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
    # The engine heard the committed audio itself; the session forwarded its transcript.
    assert harness.engine.turns[0].history[-1].text is None
    item = harness.session.conversation.get(stopped["item_id"])
    assert item is not None and item.text == "hello there" and item.audio is None

    metrics = await harness.until("voice_agent.turn.metrics")
    for key in ("speech_stopped_at", "transcript_final_at", "first_token_at", "first_audio_at"):
        assert metrics[key] is not None
    assert metrics["speech_stopped_at"] <= metrics["first_audio_at"]
    # The pause that ended the turn had started the reply already.
    assert metrics["early_reply"]
    assert len(harness.engine.turns) == 1

    # Audio deltas add up to the reply, resampled to the 24 kHz output.
    total = sum(
        len(base64.b64decode(e["delta"])) // 2
        for e in harness.of_type("response.output_audio.delta")
    )
    assert abs(total - RATE * CLAUSE_S * len(CLAUSES)) <= 10


async def test_early_reply_is_used_only_if_nothing_was_said_after_it(
    harness: Harness,
) -> None:
    await harness.audio(0.5, loud=True)
    await harness.audio(0.3, loud=False)  # a pause: a reply starts early, then is dropped
    await harness.audio(0.5, loud=True)
    await harness.audio(0.8, loud=False)  # the end: the reply begun at this pause is used
    await harness.until("response.done")
    first, second = harness.engine.transcribed_seconds  # no third, full-length call
    assert second > first
    assert harness.engine.closed_unfinished == 1  # the first early reply was stopped
    assert len(harness.of_type("response.created")) == 1
    assert len(harness.of_type("conversation.item.input_audio_transcription.completed")) == 1
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
        await h.audio(0.3, loud=False)  # paused: the reply starts early
        await settle()
        await h.send(text_item("by the way, I am in Paris"))  # the history changes meanwhile
        await h.audio(0.4, loud=False)  # the turn ends at that same pause
        await h.until("response.done")
        assert len(h.engine.turns) == 2
        assert h.engine.history_texts(0) == [None]
        # The text item was created before the turn was committed, so it comes first.
        assert h.engine.history_texts(1) == ["by the way, I am in Paris", None]
        metrics = await h.until("voice_agent.turn.metrics")
        assert not metrics["early_reply"]
    finally:
        await h.close()


async def test_barge_in_cancels_drops_stale_audio_and_truncates_history(harness: Harness) -> None:
    await harness.audio(0.6, loud=True)
    await harness.audio(0.6, loud=False)
    first_delta = await harness.until("response.output_audio.delta")
    response_id = first_delta["response_id"]
    await harness.clock.advance(0.35)  # some of the reply plays, most does not
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
    done = await harness.until("response.done")
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
    done = await harness.until("response.done")
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
        await h.until("input_audio_buffer.committed")
        await h.send({"type": "response.create", "response": {"instructions": "Be terse."}})
        # The engine transcribes the committed turn when it answers it.
        await h.until("conversation.item.input_audio_transcription.completed")
        assert h.engine.transcribed_seconds == [pytest.approx(1.0, abs=0.05)]
        done = await h.until("response.done")
        assert done["response"]["status"] == "completed"
        assert h.engine.turns[0].instructions == "Be terse."
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
        done = await h.until("response.done", count=2)
        assert done["response"]["status"] == "completed"
    finally:
        await h.close()


async def test_reply_audio_is_paced_to_real_time_plus_lead() -> None:
    h = Harness(ScriptedEngine(), lead_ms=200)
    try:
        await h.send(text_item("hi"))
        start = h.clock.now()
        await h.send({"type": "response.create"})
        await h.until("response.done")
        # 1.5 s of audio goes out no faster than real time, at most 200 ms ahead; the
        # last 100 ms chunk is sent once its start is within the lead.
        assert h.clock.now() - start == pytest.approx(CLAUSE_S * len(CLAUSES) - 0.2 - 0.1)
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
    assert (await harness.until("response.done"))["response"]["status"] == "completed"


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
        await h.send({"type": "response.create"})
        await h.until("conversation.item.input_audio_transcription.completed")
        assert h.engine.transcribed_seconds[0] == pytest.approx(1.0, abs=0.02)
    finally:
        await h.close()


async def test_an_engine_that_never_transcribes_is_cut_and_truncated_like_any() -> None:
    h = Harness(UntranscribingEngine())
    try:
        await h.audio(0.6, loud=True)
        await h.audio(0.6, loud=False)
        first_delta = await h.until("response.output_audio.delta")
        await h.clock.advance(0.75)  # half of the reply plays
        await h.audio(0.2, loud=True)  # the user talks over it
        done = await h.until("response.done")
        assert done["response"]["status"] == "cancelled"
        assert h.of_type("conversation.item.input_audio_transcription.completed") == []
        user = h.session.conversation.items[0]
        assert user.text is None and user.audio is not None  # kept for the next turn
        assert h.session.config.to_ga()["audio"]["input"]["transcription"] is None
        # Text written ahead of the audio counts as heard only as far as its audio played.
        heard = h.session.conversation.get(first_delta["item_id"]).text
        assert heard.startswith("First clause") and "Third" not in heard
        sent = sum(
            len(base64.b64decode(e["delta"])) // 2 for e in h.of_type("response.output_audio.delta")
        )
        assert sent < RATE * CLAUSE_S * len(CLAUSES)
    finally:
        await h.close()


async def test_text_without_audio_alignment_is_truncated_by_the_client() -> None:
    h = Harness(UntranscribingEngine())
    try:
        await h.text_turn("hi")
        done = await h.until("response.done")
        item_id = done["response"]["output"][0]["id"]
        assert done["response"]["output"][0]["content"][0]["transcript"] == " ".join(CLAUSES)
        await h.send(
            {"type": "conversation.item.truncate", "item_id": item_id, "audio_end_ms": 500}
        )
        await h.until("conversation.item.truncated")
        assert h.session.conversation.get(item_id).text == "First clause here."
    finally:
        await h.close()


async def test_speech_does_not_interrupt_when_the_client_says_so() -> None:
    config = SessionConfig(turn_detection=TurnDetection(interrupt_response=False))
    h = Harness(ScriptedEngine(), config)
    try:
        await h.text_turn("hi")
        await h.until("response.output_audio.delta")
        await h.audio(0.3, loud=True)
        await h.until("input_audio_buffer.speech_started")
        done = await h.until("response.done")
        assert done["response"]["status"] == "completed"
    finally:
        await h.close()


class FixedEndOfTurn:
    """An end-of-turn model that always gives the same probability, and counts its calls."""

    def __init__(self, probability: float) -> None:
        self.probability = probability
        self.heard_seconds: list[float] = []

    def __call__(self, turn16k: np.ndarray) -> float:
        self.heard_seconds.append(len(turn16k) / 16_000)
        return self.probability


def semantic(eagerness: str = "auto") -> SessionConfig:
    return SessionConfig(turn_detection=TurnDetection(type="semantic_vad", eagerness=eagerness))


async def test_semantic_vad_ends_a_finished_turn_at_the_first_short_pause() -> None:
    model = FixedEndOfTurn(0.9)
    h = Harness(ScriptedEngine(), semantic(), end_of_turn=model)
    try:
        await h.audio(1.0, loud=True)
        await h.audio(0.3, loud=False)  # shorter than server_vad's 500 ms
        stopped = await h.until("input_audio_buffer.speech_stopped")
        assert abs(stopped["audio_end_ms"] - 1000) <= 32  # where speech ended, as always
        done = await h.until("response.done")
        assert done["response"]["status"] == "completed"
        assert len(model.heard_seconds) == 1 and model.heard_seconds[0] >= 1.0
        metrics = await h.until("voice_agent.turn.metrics")
        assert metrics["early_reply"]  # the reply begun at that pause was the one sent
    finally:
        await h.close()


async def test_semantic_vad_waits_out_an_unfinished_turn_up_to_the_eagerness_limit() -> None:
    model = FixedEndOfTurn(0.05)
    h = Harness(ScriptedEngine(), semantic("high"), end_of_turn=model)  # at most 2 s
    try:
        await h.audio(1.0, loud=True)
        await h.audio(1.7, loud=False)
        await settle()
        assert h.of_type("input_audio_buffer.speech_stopped") == []
        await h.audio(0.4, loud=False)
        stopped = await h.until("input_audio_buffer.speech_stopped")
        assert abs(stopped["audio_end_ms"] - 1000) <= 32
        assert len(model.heard_seconds) == 4  # asked at pauses of 0.2, 0.4, 0.8 and 1.6 s
    finally:
        await h.close()


async def test_semantic_vad_asks_less_of_the_model_as_the_pause_grows() -> None:
    # 0.3 is short of the 0.5 the first pause needs, and enough after 1.6 s of a 4 s limit.
    h = Harness(ScriptedEngine(), semantic("medium"), end_of_turn=FixedEndOfTurn(0.3))
    try:
        await h.audio(1.0, loud=True)
        await h.audio(1.0, loud=False)
        await settle()
        assert h.of_type("input_audio_buffer.speech_stopped") == []
        await h.audio(0.7, loud=False)
        await h.until("input_audio_buffer.speech_stopped")
        await h.until("response.done")
    finally:
        await h.close()


async def test_speech_after_an_unfinished_pause_continues_the_same_turn() -> None:
    h = Harness(ScriptedEngine(), semantic(), end_of_turn=FixedEndOfTurn(0.05))
    try:
        await h.audio(0.6, loud=True)
        await h.audio(0.9, loud=False)  # "red, green, and..."
        await h.audio(0.6, loud=True)  # "...blue"
        h.session._end_of_turn = FixedEndOfTurn(0.9)  # now it sounds finished
        await h.audio(0.3, loud=False)
        await h.until("response.done")
        assert len(h.of_type("input_audio_buffer.committed")) == 1
        assert h.engine.transcribed_seconds[-1] >= 2.0  # both halves, in one turn
        assert h.engine.closed_unfinished == 1  # the reply begun at the mid-turn pause
    finally:
        await h.close()


async def test_semantic_vad_is_refused_without_an_end_of_turn_model(harness: Harness) -> None:
    await harness.send(
        {"type": "session.update", "session": {"turn_detection": {"type": "semantic_vad"}}}
    )
    error = await harness.until("error")
    assert error["error"]["param"] == "turn_detection.type"
    assert harness.session.config.turn_detection == TurnDetection()


async def test_session_updated_shows_semantic_vad_settings() -> None:
    h = Harness(ScriptedEngine(), end_of_turn=FixedEndOfTurn(0.9))
    try:
        await h.send(
            {
                "type": "session.update",
                "session": {"turn_detection": {"type": "semantic_vad", "eagerness": "low"}},
            }
        )
        updated = await h.until("session.updated")
        turn = updated["session"]["audio"]["input"]["turn_detection"]
        assert turn == {
            "type": "semantic_vad",
            "eagerness": "low",
            "create_response": True,
            "interrupt_response": True,
        }
        assert h.session._input.detector.silence_duration_ms == 8_000
        assert h.session._input.detector.recheck
    finally:
        await h.close()


async def test_semantic_vad_asks_at_a_short_pause_with_early_replies_off() -> None:
    model = FixedEndOfTurn(0.9)
    h = Harness(ScriptedEngine(), semantic(), end_of_turn=model, early_reply_ms=0)
    try:
        await h.audio(1.0, loud=True)
        await h.audio(0.3, loud=False)
        await h.until("response.done")
        assert len(model.heard_seconds) == 1
        metrics = await h.until("voice_agent.turn.metrics")
        assert not metrics["early_reply"]  # nothing was started before the turn ended
    finally:
        await h.close()
