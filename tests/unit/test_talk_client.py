"""The terminal client's conversation state and local barge-in, without a server."""

from __future__ import annotations

import asyncio
import base64
import subprocess
import sys
from typing import Any

import numpy as np

from voice_agent.audio import float_to_pcm16
from voice_agent.realtime.client import ClientEvent, ServerEvent, response_cancel
from voice_agent.talk.client import TalkClient, TalkOptions
from voice_agent.talk.files import RecordingSpeaker
from voice_agent.talk.state import TalkState, Turn


def reply_events(response_id: str = "resp_1", item_id: str = "item_a") -> list[dict[str, Any]]:
    return [
        {"type": ServerEvent.RESPONSE_CREATED, "response": {"id": response_id}},
        {"type": ServerEvent.OUTPUT_ITEM_ADDED, "response_id": response_id,
         "item": {"id": item_id}},
        {"type": ServerEvent.TRANSCRIPT_DELTA, "response_id": response_id,
         "delta": "Paris is"},
        {"type": ServerEvent.TRANSCRIPT_DELTA, "response_id": response_id,
         "delta": " the capital."},
    ]  # fmt: skip


def test_a_voice_turn_collects_both_sides() -> None:
    state = TalkState("ws://x", "full-duplex", stream_start=100.0)
    state.on_event({"type": ServerEvent.SPEECH_STARTED, "item_id": "item_u"})
    state.on_event({"type": ServerEvent.SPEECH_STOPPED, "item_id": "item_u", "audio_end_ms": 1500})
    for event in reply_events():
        assert state.on_event(event) is None
    state.on_event(
        {"type": ServerEvent.INPUT_TRANSCRIPT_DONE, "item_id": "item_u",
         "transcript": " What is the largest planet? "}
    )  # fmt: skip
    assert state.active_response == "resp_1"
    done = state.on_event(
        {"type": ServerEvent.RESPONSE_DONE, "response": {"id": "resp_1", "status": "completed"}}
    )
    assert done is state.turns[0] and len(state.turns) == 1
    assert done.user == "What is the largest planet?"
    assert done.assistant == "Paris is the capital."
    assert done.speech_end_at == 101.5 and done.assistant_item_id == "item_a"
    assert state.active_response is None


def test_a_push_to_talk_turn_is_one_turn() -> None:
    state = TalkState("ws://x", "push-to-talk")
    state.turns.append(Turn(speech_end_at=5.0))  # opened by the key press that sent it
    state.on_event({"type": ServerEvent.INPUT_COMMITTED, "item_id": "item_u"})
    state.on_event(
        {"type": ServerEvent.INPUT_TRANSCRIPT_DONE, "item_id": "item_u",
         "transcript": "Hello."}
    )  # fmt: skip
    state.on_event(reply_events()[0])
    assert len(state.turns) == 1 and state.turns[0].user == "Hello."
    assert state.turns[0].response_id == "resp_1"


class QuietMic:
    rate = 24_000
    level = 0.0

    def __init__(self) -> None:
        self.blocks: asyncio.Queue[np.ndarray] = asyncio.Queue()

    def start(self) -> None: ...

    def close(self) -> None: ...


class AudibleSpeaker(RecordingSpeaker):
    """Plays as soon as it is written to (as the real one does, a block later)."""

    @property
    def playing(self) -> bool:
        return bool(self.replies)


class RecordingClient(TalkClient):
    def __init__(self) -> None:
        super().__init__(
            TalkOptions("ws://x"), QuietMic(), AudibleSpeaker(), TalkState("ws://x", "full")
        )
        self.sent: list[dict[str, Any]] = []

    async def send(self, event: dict[str, Any]) -> None:
        self.sent.append(event)


def audio_delta(seconds: float, response_id: str = "resp_1") -> dict[str, Any]:
    pcm = float_to_pcm16(np.full(int(24_000 * seconds), 0.2, np.float32))
    return {"type": ServerEvent.AUDIO_DELTA, "response_id": response_id,
            "delta": base64.b64encode(pcm).decode()}  # fmt: skip


async def test_barge_in_truncates_to_what_was_played_and_drops_late_audio() -> None:
    client = RecordingClient()
    for event in reply_events():
        await client._on_event(event)
    await client._on_event(audio_delta(0.3))
    await client.barge_in()
    cancel, truncate = client.sent
    assert truncate["type"] == ClientEvent.ITEM_TRUNCATE and truncate["item_id"] == "item_a"
    assert 250 <= truncate["audio_end_ms"] <= 300  # the resampler holds back a few ms
    assert cancel == response_cancel()
    assert client.state.turns[0].interrupted_at_ms == truncate["audio_end_ms"]
    await client._on_event(audio_delta(0.5))  # already on its way when we cut it
    assert client.speaker.played_ms("resp_1") == truncate["audio_end_ms"]
    await client.barge_in()  # twice is once
    assert len(client.sent) == 2


async def test_barge_in_before_any_audio_cancels_the_reply_in_progress() -> None:
    client = RecordingClient()
    for event in reply_events()[:2]:  # created, but nothing said yet
        await client._on_event(event)
    await client.barge_in()
    assert client.sent == [response_cancel()]


def test_a_hung_close_after_ctrl_c_still_ends_the_process() -> None:
    """Closing that never returns (a stuck sound device) must not keep the prompt away."""
    hang = (
        "import threading\n"
        "from voice_agent.talk.main import _exit_anyway_after\n"
        "_exit_anyway_after(0.2)\n"
        "threading.Event().wait()\n"  # closing that never returns
    )
    done = subprocess.run([sys.executable, "-c", hang], capture_output=True, text=True, timeout=60)
    assert done.returncode == 130
    assert "closing took over" in done.stderr
    assert 'File "<string>", line 4' in done.stderr  # where it was stuck
