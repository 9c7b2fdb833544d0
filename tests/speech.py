"""Test speech: espeak-ng voices rendered to float32 arrays at any rate."""

from __future__ import annotations

import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np

from voice_agent.audio import resample


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path)) as wav:
        assert wav.getsampwidth() == 2 and wav.getnchannels() == 1, "expected 16-bit mono"
        data = np.frombuffer(wav.readframes(wav.getnframes()), "<i2").astype(np.float32)
        return data / 32768.0, wav.getframerate()


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
