"""Test speech: espeak-ng voices rendered to float32 arrays at any rate."""

from __future__ import annotations

import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np

from voice_agent.audio import resample, wavfile


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """A 16-bit mono WAV (anything else is a broken test setup)."""
    with wave.open(str(path)) as wav:
        assert wav.getsampwidth() == 2 and wav.getnchannels() == 1, "expected 16-bit mono"
    return wavfile.read_wav(path)


def espeak(text: str, rate: int = 24_000, voice: str = "en-us", speed: int = 150) -> np.ndarray:
    """`text` spoken by espeak-ng, normalised to -3 dBFS peak, resampled to `rate`."""
    with tempfile.TemporaryDirectory() as tmp:
        raw, out = Path(tmp) / "raw.wav", Path(tmp) / "out.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), text], check=True
        )
        subprocess.run(
            [
                "sox",
                str(raw),
                "-r",
                "16000",
                "-c",
                "1",
                "-b",
                "16",
                "-e",
                "signed-integer",
                str(out),
                "gain",
                "-n",
                "-3",
            ],
            check=True,
        )
        audio, source_rate = read_wav(out)
    return resample(audio, source_rate, rate)


def silence(seconds: float, rate: int = 24_000) -> np.ndarray:
    return np.zeros(int(seconds * rate), np.float32)


def speech_wav(
    path: Path, *parts: str | float, rate: int = 16_000
) -> tuple[Path, list[tuple[float, float]]]:
    """A WAV of spoken strings and float seconds of silence, at an absolute path, with each
    spoken part's (start, end) in seconds."""
    pieces, spans, at = [], [], 0.0
    for part in parts:
        audio = silence(part, rate) if isinstance(part, float) else espeak(part, rate)
        if not isinstance(part, float):
            spans.append((at, at + len(audio) / rate))
        pieces.append(audio)
        at += len(audio) / rate
    wavfile.write_wav(path, np.concatenate(pieces), rate)
    return path.resolve(), spans
