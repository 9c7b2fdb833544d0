from __future__ import annotations

import asyncio
import base64
import time
from typing import Any

import numpy as np
import pytest

from voice_agent.audio import float_to_pcm16
from voice_agent.bench import report
from voice_agent.bench.client import BenchSession
from voice_agent.bench.corpus import RATE, plan, speech_bounds
from voice_agent.bench.prompts import all_prompts
from voice_agent.bench.turn import Interruption, TurnResult
from voice_agent.realtime.client import EventLog, Received, ServerEvent


def turn(target: str, v2v: float | None, error: str | None = None) -> TurnResult:
    result = TurnResult(target, 0, 0, "id", "question", "voice", "Hi?", error=error, v2v_ms=v2v)
    result.server_ms = {"total_to_first_audio": v2v / 2 if v2v else None}
    return result


def test_percentiles_errors_and_ratios() -> None:
    results = [turn("A", float(v)) for v in range(100, 1100, 100)]
    results += [turn("B", float(v) * 2) for v in range(100, 1100, 100)]
    results += [turn("B", None, error="timeout waiting for reply audio")]
    summary = report.summarize(results, {"A": "ws://a", "B": "ws://b"})
    a, b = summary["A"], summary["B"]
    assert a["figures"]["v2v_ms"] == {
        "n": 10,
        "p50": 550.0,
        "p90": 910.0,
        "p99": 991.0,
        "max": 1000.0,
    }
    assert (b["turns"], b["ok"], b["errors"]) == (11, 10, {"timeout": 1})
    assert report.ratios(summary)["B/A"]["v2v_ms.p50"] == 2.0
    table = report.format_table(summary, report.ratios(summary))
    assert "v2v_ms" in table and "ratios B/A" in table


def test_corpus_plan_covers_kinds_and_voices_early() -> None:
    items = [i for i in plan() if i.kind != "interruption"]
    assert len(items) == 2 * len(all_prompts()) >= 400
    assert len({i.id for i in items}) == len(items)
    first = items[:40]  # a short run still hears every kind of request and many voices
    assert {i.kind for i in first} == {"question", "command", "chitchat", "one_word", "ramble"}
    assert len({i.voice for i in first}) >= 6


def test_speech_bounds_ignore_silence() -> None:
    import numpy as np

    audio = np.zeros(24_000 * 2, np.float32)
    audio[12_000:36_000] = 0.3
    assert speech_bounds(audio) == (0.5, 1.5)


# ---- barge-in accounting: a scripted server, replayed through BenchSession.turn --------


class ScriptedMicrophone:
    """Says each utterance at a scripted time (the bench's clock: time.monotonic()); once
    the first is said, the server's scripted events are all in the log."""

    def __init__(
        self, log: EventLog, script: list[tuple[float, dict[str, Any]]], times: list[float]
    ) -> None:
        self.log = log
        self.script = sorted(script, key=lambda timed: timed[0])
        self.times = times

    def say(self, audio: np.ndarray) -> asyncio.Future[float]:
        self.log.received.extend(Received(at, event) for at, event in self.script)
        self.script = []
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        future.set_result(self.times.pop(0))
        return future


def audible(reply: str, seconds: float) -> dict[str, Any]:
    tone = 0.3 * np.sin(np.arange(int(RATE * seconds)) / 5).astype(np.float32)
    delta = base64.b64encode(float_to_pcm16(tone)).decode()
    return {"type": ServerEvent.AUDIO_DELTA, "response_id": reply, "delta": delta}


def done(reply: str, status: str) -> dict[str, Any]:
    return {"type": ServerEvent.RESPONSE_DONE, "response": {"id": reply, "status": status}}


async def barge_in_turn(reply_status: str, done_after_speech_start_s: float) -> TurnResult:
    """One barge-in turn against a scripted server: the question is said at t0, the reply
    plays from t0+3 s, the interruption (speech from 0.3 s into its audio) is said at t1,
    and the reply's response.done comes `done_after_speech_start_s` after that speech began
    (as the bench reckons it). Every event is already in the log, in the past, so the turn
    runs at once."""
    t0 = time.monotonic() - 20.0
    t1 = t0 + 5.0
    speech_start = t1 + 0.3
    done_at = speech_start + done_after_speech_start_s
    script: list[tuple[float, dict[str, Any]]] = [
        (t0 + 2.0, {"type": ServerEvent.SPEECH_STOPPED, "audio_end_ms": 2000}),
        (t0 + 3.0, audible("resp_1", 1.0)),
        (t0 + 4.0, audible("resp_1", 1.0)),
        (t0 + 5.0, audible("resp_1", 1.0)),
        (done_at - 0.01, {"type": ServerEvent.SPEECH_STARTED, "audio_start_ms": 5300}),
        (done_at, done("resp_1", reply_status)),
        (done_at, {"type": ServerEvent.TURN_METRICS, "response_id": "resp_1"}),
        (t1 + 4.0, audible("resp_2", 1.0)),
        (t1 + 4.1, done("resp_2", "completed")),
    ]
    session = BenchSession("ws://unused", "A", 0, timeout_s=5.0)
    session._mic = ScriptedMicrophone(session.log, script, [t0, t1])  # type: ignore[assignment]
    interruption = Interruption("Hold on.", np.zeros(RATE, np.float32), 0.3, 0.9)
    result = TurnResult("A", 0, 1, "id", "question", "voice", "Tell me a story.")
    return await session.turn(result, np.zeros(RATE, np.float32), 1.8, interruption)


@pytest.mark.parametrize(
    ("status", "done_after_s", "cancelled"),
    [
        # The server cut the reply a little before the bench's reckoning of when the
        # interruption's speech began (its microphone had been catching up).
        ("cancelled", -0.05, True),
        ("cancelled", 0.2, True),
        # The reply ended on its own: after the interruption began but before the server
        # had heard it, or well before.
        ("completed", 0.1, False),
        ("completed", -1.0, False),
    ],
)
async def test_each_barge_in_turn_is_counted_once(
    status: str, done_after_s: float, cancelled: bool
) -> None:
    result = await barge_in_turn(status, done_after_s)
    assert result.error is None, result.error
    target = report.summarize([result], {"A": "ws://a"})["A"]
    barge = target["barge_in"]
    assert barge["turns"] == 1
    assert (barge["cancelled"], barge["reply_finished_first"]) == (cancelled, not cancelled)
    # The stop figures are those of a reply the interruption cut, and only of those.
    for key in ("barge_in_detected_ms", "barge_in_cancel_ms", "barge_in_stop_ms"):
        assert target["figures"][key]["n"] == cancelled, key
    assert target["figures"]["barge_in_followup_v2v_ms"]["n"] == 1
