"""A microphone for the benchmark: audio at real-time pace, silence between utterances."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import numpy as np

from voice_agent.bench.corpus import RATE

CHUNK_S = 0.02
CHUNK = int(RATE * CHUNK_S)


class Microphone:
    """Streams audio at real-time pace; silence whenever nothing is queued."""

    def __init__(self, send: Any) -> None:
        self._send = send
        # Utterances waiting their turn: (resolved when its first chunk goes, its chunks).
        self._queue: list[tuple[asyncio.Future[float], list[np.ndarray]]] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    def say(self, audio: np.ndarray) -> asyncio.Future[float]:
        """Queue an utterance; the future gives the time its first sample was sent."""
        started: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        chunks = [audio[i : i + CHUNK] for i in range(0, len(audio), CHUNK)]
        self._queue.append((started, chunks))
        return started

    async def _run(self) -> None:
        silence = np.zeros(CHUNK, np.float32)
        next_at = time.monotonic()
        current: list[np.ndarray] = []
        while True:
            if not current and self._queue:
                started, current = self._queue.pop(0)
                # Its first chunk's slot on the microphone's clock: a loop that fell behind
                # sends the next chunks back to back until it has caught up, so the speech
                # inside this audio leaves on this clock, not on the moment it was popped.
                started.set_result(next_at)
            chunk = current.pop(0) if current else silence
            await self._send(chunk)
            next_at += CHUNK_S
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
