"""Audio format helpers: PCM16 / G.711 codecs and a streaming resampler (soxr).

All internal audio is mono float32 in [-1, 1]; bytes exist only at the protocol edge.
"""

from __future__ import annotations

import numpy as np
import soxr

MODEL_RATE = 16_000  # what the VAD and Whisper consume


class AudioFormatError(ValueError):
    """Raised when client audio bytes cannot be decoded in the session's format."""


def pcm16_to_float(data: bytes) -> np.ndarray:
    if len(data) % 2:
        raise AudioFormatError(f"PCM16 audio must have an even number of bytes, got {len(data)}")
    return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0


def float_to_pcm16(audio: np.ndarray) -> bytes:
    clipped = np.clip(audio, -1.0, 1.0)
    return (clipped * 32767.0).astype("<i2").tobytes()


def _mulaw_table() -> np.ndarray:
    codes = ~np.arange(256, dtype=np.uint8)
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = ((mantissa.astype(np.int32) << 3) + 0x84) << exponent
    linear = np.where(sign, 0x84 - magnitude, magnitude - 0x84)
    return linear.astype(np.float32) / 32768.0


def _alaw_table() -> np.ndarray:
    codes = np.arange(256, dtype=np.uint8) ^ 0x55
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = (codes & 0x0F).astype(np.int32)
    magnitude = np.where(
        exponent == 0,
        (mantissa << 4) + 8,
        ((mantissa << 4) + 0x108) << np.maximum(exponent.astype(np.int32) - 1, 0),
    )
    linear = np.where(sign, magnitude, -magnitude)
    return linear.astype(np.float32) / 32768.0


_MULAW = _mulaw_table()
_ALAW = _alaw_table()


def _sorted_codes(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(table, kind="stable")
    return order, table[order]


_MULAW_SORTED = _sorted_codes(_MULAW)
_ALAW_SORTED = _sorted_codes(_ALAW)


def _encode_with_table(audio: np.ndarray, codes: tuple[np.ndarray, np.ndarray]) -> bytes:
    # The nearest code by value, found in the decoder's table sorted by value: exact,
    # and no second copy of G.711's bit-twiddling.
    order, sorted_values = codes
    idx = np.searchsorted(sorted_values, np.clip(audio, -1.0, 1.0))
    idx = np.clip(idx, 1, len(sorted_values) - 1)
    left, right = sorted_values[idx - 1], sorted_values[idx]
    nearest = np.where(np.abs(audio - left) <= np.abs(audio - right), idx - 1, idx)
    return order[nearest].astype(np.uint8).tobytes()


def decode(data: bytes, encoding: str) -> np.ndarray:
    """Decode client bytes in a session encoding ('pcm16', 'pcmu', 'pcma')."""
    if encoding == "pcm16":
        return pcm16_to_float(data)
    codes = np.frombuffer(data, dtype=np.uint8)
    if encoding == "pcmu":
        return _MULAW[codes]
    if encoding == "pcma":
        return _ALAW[codes]
    raise AudioFormatError(f"unsupported audio encoding {encoding!r}")


def encode(audio: np.ndarray, encoding: str) -> bytes:
    if encoding == "pcm16":
        return float_to_pcm16(audio)
    if encoding == "pcmu":
        return _encode_with_table(audio, _MULAW_SORTED)
    if encoding == "pcma":
        return _encode_with_table(audio, _ALAW_SORTED)
    raise AudioFormatError(f"unsupported audio encoding {encoding!r}")


class StreamResampler:
    """Chunk-by-chunk resampling that matches resampling the whole signal at once."""

    def __init__(self, in_rate: int, out_rate: int, quality: str = "HQ") -> None:
        self.in_rate = in_rate
        self.out_rate = out_rate
        self._stream = (
            None
            if in_rate == out_rate
            else soxr.ResampleStream(in_rate, out_rate, 1, dtype="float32", quality=quality)
        )

    def process(self, audio: np.ndarray, last: bool = False) -> np.ndarray:
        if self._stream is None:
            return audio.astype(np.float32, copy=False)
        return self._stream.resample_chunk(audio.astype(np.float32, copy=False), last=last)

    def flush(self) -> np.ndarray:
        """The samples still held back by the filter; the stream then starts afresh."""
        if self._stream is None:
            return np.zeros(0, np.float32)
        tail = self._stream.resample_chunk(np.zeros(0, np.float32), last=True)
        self._stream.clear()
        return tail


def resample(audio: np.ndarray, in_rate: int, out_rate: int) -> np.ndarray:
    if in_rate == out_rate:
        return audio.astype(np.float32, copy=False)
    return soxr.resample(audio.astype(np.float32, copy=False), in_rate, out_rate, quality="HQ")
