"""Audio in and out of a WebRTC call: the browser's Opus track into the session, and the
reply as a real-time paced track that a barge-in empties at once."""

from __future__ import annotations

import asyncio
import fractions
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable

import av
import numpy as np
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError

from voice_agent import audio

log = logging.getLogger(__name__)

TRACK_RATE = 48_000  # Opus runs at 48 kHz; anything else would be resampled by aiortc
FRAME_SAMPLES = TRACK_RATE // 50  # 20 ms, the usual Opus frame
OutputEvent = Callable[[str, str], None]  # (event type, response id)


class ReplyAudioTrack(MediaStreamTrack):
    """The assistant's voice: 20 ms frames at real-time pace, silence when there is none.

    It is the session's `AudioSink`: the session writes reply audio ahead of time (up to its
    output lead) and `flush` drops what has not gone out yet, so the caller hears the reply
    stop within one frame. `on_event` reports `output_audio_buffer.started/stopped/cleared`.
    """

    kind = "audio"
    rate = TRACK_RATE

    def __init__(self, on_event: OutputEvent | None = None) -> None:
        super().__init__()
        self._queue: deque[tuple[str, np.ndarray]] = deque()  # (response id, int16 samples)
        self._on_event = on_event or (lambda kind, response_id: None)
        self._playing: str | None = None  # the reply whose audio is going out
        self._ended: set[str] = set()
        self._played_samples = 0  # of `_playing`
        self._start: float | None = None
        self._pts = 0

    # ---- the session's side (AudioSink) ---------------------------------------------

    def write(self, response_id: str, samples: np.ndarray) -> None:
        pcm = np.clip(samples * 32768.0, -32768, 32767).astype(np.int16)
        self._queue.append((response_id, pcm))

    def played_ms(self, response_id: str) -> float:
        return self._played_samples * 1000 / TRACK_RATE if self._playing == response_id else 0.0

    def flush(self) -> str | None:
        cleared = self._playing or (self._queue[0][0] if self._queue else None)
        self._queue.clear()
        self._ended.clear()
        if cleared is not None:
            self._on_event("output_audio_buffer.cleared", cleared)
        self._playing = None
        self._played_samples = 0
        return cleared

    def end(self, response_id: str) -> None:
        if self._playing == response_id and not self._queue:
            self._stop_playing()
        elif self._playing == response_id or any(rid == response_id for rid, _ in self._queue):
            self._ended.add(response_id)  # stopped once its last queued frame goes out

    # ---- aiortc's side ---------------------------------------------------------------

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        await self._wait_for_next_frame()
        return make_frame(self._next_samples(), self._pts)

    async def _wait_for_next_frame(self) -> None:
        if self._start is None:
            self._start = time.monotonic()
            return
        self._pts += FRAME_SAMPLES
        delay = self._start + self._pts / TRACK_RATE - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    def _next_samples(self) -> np.ndarray:
        out = np.zeros(FRAME_SAMPLES, np.int16)
        filled = 0
        while filled < FRAME_SAMPLES and self._queue:
            response_id, pcm = self._queue[0]
            if response_id != self._playing:
                if self._playing is not None:
                    self._stop_playing()
                self._playing, self._played_samples = response_id, 0
                self._on_event("output_audio_buffer.started", response_id)
            take = min(FRAME_SAMPLES - filled, len(pcm))
            out[filled : filled + take] = pcm[:take]
            filled += take
            self._played_samples += take
            if take == len(pcm):
                self._queue.popleft()
            else:
                self._queue[0] = (response_id, pcm[take:])
        if self._playing in self._ended and not self._queue:
            self._stop_playing()
        return out

    def _stop_playing(self) -> None:
        assert self._playing is not None
        self._ended.discard(self._playing)
        self._on_event("output_audio_buffer.stopped", self._playing)
        self._playing = None
        self._played_samples = 0


def make_frame(pcm: np.ndarray, pts: int) -> av.AudioFrame:
    """A mono s16 frame at the track rate, `pts` counted in samples."""
    frame = av.AudioFrame.from_ndarray(pcm[None, :], format="s16", layout="mono")
    frame.sample_rate = TRACK_RATE
    frame.pts = pts
    frame.time_base = fractions.Fraction(1, TRACK_RATE)
    return frame


def frame_to_mono(frame: av.AudioFrame) -> np.ndarray:
    """A decoded frame as float32 mono in [-1, 1] (aiortc gives s16, packed or planar)."""
    samples = frame.to_ndarray()
    channels = len(frame.layout.channels)
    if frame.format.is_planar:
        mono = samples.astype(np.float32).mean(axis=0)
    else:
        mono = samples.reshape(-1, channels).astype(np.float32).mean(axis=1)
    return mono / 32768.0


async def feed_track(
    track: MediaStreamTrack,
    append: Callable[[np.ndarray], Awaitable[None]],
) -> None:
    """Resample the caller's audio to 16 kHz and hand it to `append` until the track ends."""
    resampler: audio.StreamResampler | None = None
    while True:
        try:
            frame = await track.recv()
        except MediaStreamError:
            return
        if not isinstance(frame, av.AudioFrame):
            continue  # an audio track carries audio frames; anything else is not ours
        if resampler is None or resampler.in_rate != frame.sample_rate:
            resampler = audio.StreamResampler(frame.sample_rate, audio.MODEL_RATE, "MQ")
        await append(resampler.process(frame_to_mono(frame)))
