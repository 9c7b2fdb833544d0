"""Sound devices through sounddevice (PortAudio): the microphone and the speaker.

Both run at the device's own rate; PortAudio calls our callbacks on its own thread, so
the microphone hands blocks to the event loop with `call_soon_threadsafe`, and the speaker
reads from a lock-protected queue that a barge-in empties at once.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import threading
import time
from collections import deque
from typing import Any

import numpy as np

BLOCK_S = 0.02  # 20 ms device blocks: low latency without starving a 2-core machine


class AudioDeviceError(RuntimeError):
    """No usable sound device; the message says what to do."""


# alsa-lib's error handler: (file, line, function, err, fmt, ...); the variadic tail is
# ignored, which the C calling convention allows.
_ALSA_HANDLER = ctypes.CFUNCTYPE(
    None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p
)
_quiet_alsa_handler: Any = None  # kept alive: alsa-lib holds only the pointer


def _quiet_alsa() -> None:
    """Stop alsa-lib printing its notes (underruns on a busy machine, probing devices that
    are absent) to stderr: they land in the middle of the conversation and status lines,
    and PortAudio reports what matters to us anyway."""
    global _quiet_alsa_handler
    name = ctypes.util.find_library("asound")
    if _quiet_alsa_handler is not None or name is None:
        return
    try:
        alsa = ctypes.CDLL(name)
    except OSError:
        return
    _quiet_alsa_handler = _ALSA_HANDLER(lambda *_: None)
    alsa.snd_lib_error_set_handler(_quiet_alsa_handler)


def _sounddevice() -> Any:
    _quiet_alsa()
    try:
        import sounddevice
    except OSError as exc:  # PortAudio itself is missing
        raise AudioDeviceError(
            f"PortAudio is not installed ({exc}); install libportaudio2, or use "
            "--input-file/--output-file, which need no sound device"
        ) from None
    return sounddevice


def list_devices() -> str:
    sd = _sounddevice()
    devices = sd.query_devices()
    if len(devices) == 0:
        return "no sound devices found"
    return str(devices)


def device_rate(device: int | str | None, kind: str) -> int:
    sd = _sounddevice()
    try:
        info = sd.query_devices(device, kind)
    except (ValueError, sd.PortAudioError) as exc:
        what = "microphone" if kind == "input" else "speaker"
        raise AudioDeviceError(
            f"no {what} found ({exc}); see --list-devices, or use --input-file/--output-file"
        ) from None
    return int(info["default_samplerate"])


def _start_stream(
    stream_class: Any, device: int | str | None, rate: int, callback: Any, what: str
) -> Any:
    """A running mono float32 PortAudio stream in 20 ms blocks."""
    sd = _sounddevice()
    try:
        stream = stream_class(
            device=device,
            channels=1,
            samplerate=rate,
            dtype="float32",
            blocksize=int(rate * BLOCK_S),
            latency="low",
            callback=callback,
        )
        stream.start()
    except sd.PortAudioError as exc:
        raise AudioDeviceError(f"the {what} could not be opened: {exc}") from None
    return stream


def _stop_stream(stream: Any) -> None:
    if stream is not None:
        stream.stop()
        stream.close()


class Microphone:
    """Mono float32 blocks from an input device, delivered on the event loop."""

    def __init__(self, device: int | str | None) -> None:
        self.device = device
        self.rate = device_rate(device, "input")
        self.blocks: asyncio.Queue[np.ndarray] = asyncio.Queue(maxsize=500)
        self.level = 0.0  # peak of the last block, for the meter
        self._stream: Any = None

    def start(self) -> None:
        sd = _sounddevice()
        loop = asyncio.get_running_loop()

        def on_block(data: np.ndarray, frames: int, when: Any, status: Any) -> None:
            block = data[:, 0].copy()
            loop.call_soon_threadsafe(self._put, block)

        self._stream = _start_stream(sd.InputStream, self.device, self.rate, on_block, "microphone")

    def _put(self, block: np.ndarray) -> None:
        self.level = float(np.max(np.abs(block))) if len(block) else 0.0
        if self.blocks.full():  # the loop fell behind: drop the oldest, keep real time
            self.blocks.get_nowait()
        self.blocks.put_nowait(block)

    def close(self) -> None:
        _stop_stream(self._stream)
        self._stream = None


class Speaker:
    """Plays queued reply audio; `flush` silences it within one device block.

    It counts what it has played of each reply, so a barge-in can tell the server how
    much was heard, and notes when each reply first became audible (for latency).
    """

    AUDIBLE = 0.01

    def __init__(self, device: int | str | None) -> None:
        self.device = device
        self.rate = device_rate(device, "output")
        self._queue: deque[tuple[str, np.ndarray]] = deque()
        self._lock = threading.Lock()
        self.played: dict[str, int] = {}  # reply id -> samples played
        self.first_audible: dict[str, float] = {}  # reply id -> time.monotonic()
        self.last_reply: str | None = None
        self._stream: Any = None

    def start(self) -> None:
        sd = _sounddevice()
        self._stream = _start_stream(sd.OutputStream, self.device, self.rate, self._fill, "speaker")

    @property
    def playing(self) -> bool:
        with self._lock:
            return bool(self._queue)

    def write(self, reply_id: str, samples: np.ndarray) -> None:
        with self._lock:
            self._queue.append((reply_id, samples.astype(np.float32, copy=False)))

    def flush(self) -> None:
        with self._lock:
            self._queue.clear()

    def played_ms(self, reply_id: str) -> int:
        return self.played.get(reply_id, 0) * 1000 // self.rate

    def _fill(self, out: np.ndarray, frames: int, when: Any, status: Any) -> None:
        out.fill(0)
        filled = 0
        with self._lock:
            while filled < frames and self._queue:
                reply_id, samples = self._queue[0]
                take = min(frames - filled, len(samples))
                out[filled : filled + take, 0] = samples[:take]
                filled += take
                self.played[reply_id] = self.played.get(reply_id, 0) + take
                self.last_reply = reply_id
                if reply_id not in self.first_audible and np.max(np.abs(samples[:take])) > (
                    self.AUDIBLE
                ):
                    latency = self._stream.latency if self._stream is not None else 0.0
                    self.first_audible[reply_id] = time.monotonic() + latency
                if take == len(samples):
                    self._queue.popleft()
                else:
                    self._queue[0] = (reply_id, samples[take:])

    def close(self) -> None:
        _stop_stream(self._stream)
        self._stream = None
