"""The WebRTC reply track: frames, flush on barge-in, and what the history keeps."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import av
import numpy as np

from tests.unit.test_session import CLAUSES, Harness, ScriptedEngine
from voice_agent.gateway.webrtc_audio import (
    FRAME_SAMPLES,
    TRACK_RATE,
    ReplyAudioTrack,
    frame_to_mono,
)


def recording_track() -> tuple[ReplyAudioTrack, list[tuple[str, str]]]:
    events: list[tuple[str, str]] = []
    return ReplyAudioTrack(lambda kind, rid: events.append((kind, rid))), events


@contextlib.asynccontextmanager
async def frames_pulled(track: ReplyAudioTrack) -> AsyncIterator[None]:
    """Pull frames in real time while inside, as aiortc's sender does."""

    async def pull() -> None:
        while True:
            await track.recv()

    puller = asyncio.create_task(pull())
    try:
        yield
    finally:
        puller.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await puller


def samples(frame: av.AudioFrame) -> np.ndarray:
    return frame.to_ndarray().reshape(-1)


async def test_frames_carry_the_reply_then_silence() -> None:
    track, events = recording_track()
    reply = np.full(int(TRACK_RATE * 0.03), 0.5, np.float32)  # 30 ms
    track.write("resp_a", reply)
    first = await track.recv()
    assert first.sample_rate == TRACK_RATE and first.samples == FRAME_SAMPLES
    assert (samples(first) == 16384).all()
    assert events == [("output_audio_buffer.started", "resp_a")]
    assert track.played_ms("resp_a") == 20.0
    track.end("resp_a")
    second = await track.recv()
    assert second.pts == FRAME_SAMPLES
    tail = samples(second)
    assert (tail[: FRAME_SAMPLES // 2] == 16384).all() and (tail[FRAME_SAMPLES // 2 :] == 0).all()
    assert events[-1] == ("output_audio_buffer.stopped", "resp_a")
    assert not samples(await track.recv()).any()
    track.flush()  # nothing playing: nothing to clear
    assert len(events) == 2


async def test_flush_silences_the_next_frame() -> None:
    track, events = recording_track()
    track.write("resp_a", np.full(TRACK_RATE, 0.5, np.float32))  # 1 s queued ahead
    await track.recv()
    track.flush()
    assert events[-1] == ("output_audio_buffer.cleared", "resp_a")
    assert not samples(await track.recv()).any()
    assert track.played_ms("resp_a") == 0.0
    track.write("resp_b", np.full(FRAME_SAMPLES, 0.5, np.float32))
    assert samples(await track.recv()).all()
    assert events[-1] == ("output_audio_buffer.started", "resp_b")


def test_stereo_frames_are_mixed_to_mono() -> None:
    left_right = np.array([[1000, 3000] * 480], dtype=np.int16)  # packed: L R L R ...
    frame = av.AudioFrame.from_ndarray(left_right, format="s16", layout="stereo")
    frame.sample_rate = 48_000
    mono = frame_to_mono(frame)
    assert mono.shape == (480,)
    np.testing.assert_allclose(mono, 2000 / 32768)


async def test_barge_in_keeps_only_the_text_of_audio_that_went_out() -> None:
    """With a lead of 500 ms, the session queues well ahead of the track; the history must
    follow what the track played, not what was queued."""
    track, events = recording_track()
    harness = Harness(ScriptedEngine(), lead_ms=500, audio_sink=track)

    try:
        async with frames_pulled(track):
            await harness.audio(0.6, loud=True)
            await harness.audio(0.6, loud=False)
            created = await harness.until("response.output_item.added")
            while not events:
                await asyncio.sleep(0.005)
            await asyncio.sleep(0.2)  # 0.2 s of the 0.5 s first clause is heard; more is queued
            await harness.audio(0.2, loud=True)
            done = await harness.until("response.done")
    finally:
        await harness.close()

    assert done["response"]["status"] == "cancelled"
    assert harness.of_type("response.output_audio.delta") == []  # audio went to the track
    assert ("output_audio_buffer.cleared", done["response"]["id"]) in events
    heard = harness.session.conversation.get(created["item"]["id"]).text
    assert heard and CLAUSES[0].startswith(heard.rstrip(".")), heard
    assert "Second" not in heard


async def test_output_buffer_clear_needs_a_webrtc_call() -> None:
    harness = Harness(ScriptedEngine())
    try:
        await harness.send({"type": "output_audio_buffer.clear"})
        error: dict[str, Any] = harness.of_type("error")[0]["error"]
        assert "WebRTC" in error["message"]
    finally:
        await harness.close()


async def test_barge_in_on_a_reply_still_playing_out_cuts_its_history() -> None:
    """The reply finished generating (response.done) but its last ~500 ms are still queued
    on the track when the user speaks: the history must lose what was not played."""
    track, events = recording_track()
    harness = Harness(ScriptedEngine(), lead_ms=500, audio_sink=track)

    try:
        async with frames_pulled(track):
            await harness.audio(0.6, loud=True)
            await harness.audio(0.6, loud=False)
            done = await harness.until("response.done")
            assert done["response"]["status"] == "completed"
            await harness.audio(0.1, loud=True)  # the user talks over the tail
            truncated = await harness.until("conversation.item.truncated")
            # Nothing queued any more: an explicit clear is still acknowledged.
            await harness.send({"type": "output_audio_buffer.clear"})
    finally:
        await harness.close()
    item = harness.session.conversation.get(truncated["item_id"])
    assert 500 < truncated["audio_end_ms"] < 1500
    assert item.status == "incomplete" and CLAUSES[-1] not in item.text
    assert item.audio_ms == truncated["audio_end_ms"]
    assert ("output_audio_buffer.cleared", done["response"]["id"]) in events  # by the track
    cleared = harness.of_type("output_audio_buffer.cleared")  # by the session: the ack
    assert cleared[-1]["response_id"] is None
