"""The session's output side: reply audio resampled to the client's format, cut into
chunks, paced to stay at most `output_lead_ms` ahead of real-time playback (so a
barge-in can still withhold what the client has not received), and either encoded into
`response.output_audio.delta` events or written to the transport's own track (WebRTC)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import numpy as np

from voice_agent import audio
from voice_agent.realtime import server_events
from voice_agent.realtime.protocol import AudioFormat
from voice_agent.turns.clock import Clock
from voice_agent.turns.response import Response

Emit = Callable[[dict[str, Any]], Awaitable[None]]


class AudioSink(Protocol):
    """Where reply audio goes when the transport plays it itself (WebRTC) instead of
    receiving `response.output_audio.delta` events."""

    rate: int

    def write(self, response_id: str, samples: np.ndarray) -> None:
        """Queue float32 mono samples at `rate` for playback."""

    def played_ms(self, response_id: str) -> float:
        """How much of this reply has gone out so far (0 if none is or it is over)."""

    def flush(self) -> str | None:
        """Drop all queued audio now; the id of the reply that was cut, if any."""

    def end(self, response_id: str) -> None:
        """No more audio will come for this reply."""


class ReplyOutput:
    def __init__(
        self, emit: Emit, clock: Clock, lead_ms: int, chunk_ms: int, sink: AudioSink | None
    ) -> None:
        self._emit = emit
        self._clock = clock
        self.lead_ms = lead_ms
        self.chunk_ms = chunk_ms
        self.sink = sink

    async def send(
        self, response: Response, samples: np.ndarray, sample_rate: int, out: AudioFormat
    ) -> float:
        """Send one piece of reply audio, paced; returns its duration in ms. Cancelling
        it stops between two chunks: what went out is counted in `response.sent_ms`."""
        rate = self.sink.rate if self.sink is not None else out.rate
        pcm = audio.resample(samples, sample_rate, rate)
        chunk = max(1, rate * self.chunk_ms // 1000)
        for offset in range(0, len(pcm), chunk):
            part = pcm[offset : offset + chunk]
            await self._pace(response)
            if response.metrics.first_audio_at is None:
                response.metrics.first_audio_at = self._clock.now()
            response.sent_ms += len(part) * 1000 / rate
            if self.sink is not None:
                self.sink.write(response.id, part)
            else:
                encoded = audio.encode(part, out.encoding)
                await self._emit(server_events.audio_delta(response.id, response.item.id, encoded))
        return len(pcm) * 1000 / rate

    async def _pace(self, response: Response) -> None:
        """Wait until sending more keeps us within `lead_ms` of real-time playback."""
        if self.sink is not None:  # it knows what it played: stalls included
            while (ahead := response.sent_ms - self.sink.played_ms(response.id)) > self.lead_ms:
                await self._clock.sleep((ahead - self.lead_ms) / 1000)
            return
        started = response.metrics.first_audio_at
        if started is None:
            return
        due = started + (response.sent_ms - self.lead_ms) / 1000
        delay = due - self._clock.now()
        if delay > 0:
            await self._clock.sleep(delay)

    def heard_ms(self, response: Response) -> float:
        """How much of the reply the listener can have heard: with a sink, what it played;
        over a WebSocket, what was sent (the client truncates what it did not play)."""
        if self.sink is None:
            return response.sent_ms
        return min(response.sent_ms, self.sink.played_ms(response.id))

    def silence(self) -> str | None:
        """Drop the audio queued on the transport's track now; the id of the reply cut."""
        return self.sink.flush() if self.sink is not None else None

    def end(self, response_id: str) -> None:
        if self.sink is not None:
            self.sink.end(response_id)
