"""Scripted mode's stand-ins for the sound devices: a WAV file as the microphone (at
real-time pace, then silence, as a live mic would), and a recording as the speaker."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import numpy as np

from voice_agent.audio import wavfile
from voice_agent.talk.devices import BLOCK_S, AudioDeviceError


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    try:
        return wavfile.read_wav(path)
    except wavfile.WavError as exc:  # to the user it is a missing input, like a missing mic
        raise AudioDeviceError(str(exc)) from None


class FileMicrophone:
    """Plays WAV files into the conversation one after the other, in real time."""

    def __init__(self, paths: list[Path]) -> None:
        clips = [read_wav(path) for path in paths]
        rates = {rate for _, rate in clips}
        if len(rates) != 1:
            raise AudioDeviceError("all --input-file WAVs must have the same sample rate")
        self.rate = rates.pop()
        self.audio = np.concatenate([samples for samples, _ in clips])
        self.blocks: asyncio.Queue[np.ndarray] = asyncio.Queue()
        self.level = 0.0
        self.finished = asyncio.Event()  # every file has been played
        self.finished_at = float("inf")
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        block = int(self.rate * BLOCK_S)
        next_at = time.monotonic()
        offset = 0
        while True:
            chunk = self.audio[offset : offset + block]
            if len(chunk) < block and not self.finished.is_set():
                self.finished.set()
                self.finished_at = time.monotonic()
                chunk = np.concatenate([chunk, np.zeros(block - len(chunk), np.float32)])
            offset += block
            self.level = float(np.max(np.abs(chunk)))
            self.blocks.put_nowait(chunk)
            next_at += BLOCK_S
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))

    def close(self) -> None:
        if self._task is not None:
            self._task.cancel()


class RecordingSpeaker:
    """Keeps every reply's audio instead of playing it; 'played' as soon as it arrives."""

    def __init__(self, rate: int = 24_000) -> None:
        self.rate = rate
        self.replies: dict[str, list[np.ndarray]] = {}
        self.played: dict[str, int] = {}
        self.first_audible: dict[str, float] = {}
        self.last_reply: str | None = None

    @property
    def playing(self) -> bool:
        return False  # nothing is ever left to play: it is all recorded at once

    def start(self) -> None: ...

    def write(self, reply_id: str, samples: np.ndarray) -> None:
        self.replies.setdefault(reply_id, []).append(samples)
        self.played[reply_id] = self.played.get(reply_id, 0) + len(samples)
        self.last_reply = reply_id
        if reply_id not in self.first_audible and np.max(np.abs(samples), initial=0) > 0.01:
            self.first_audible[reply_id] = time.monotonic()

    def flush(self) -> None: ...

    def played_ms(self, reply_id: str) -> int:
        return self.played.get(reply_id, 0) * 1000 // self.rate

    def recording(self, gap_s: float = 0.5) -> np.ndarray:
        """Every reply, in order, with a short silence between them."""
        gap = np.zeros(int(self.rate * gap_s), np.float32)
        parts: list[np.ndarray] = []
        for chunks in self.replies.values():
            parts += [*chunks, gap]
        return np.concatenate(parts[:-1]) if parts else np.zeros(0, np.float32)

    def close(self) -> None: ...
