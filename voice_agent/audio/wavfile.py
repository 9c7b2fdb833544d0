"""16-bit PCM WAV files in and out, as float32 mono: the one format every tool here reads
and writes (scripted talk, the benchmark corpus, the tests)."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from voice_agent.audio import float_to_pcm16, pcm16_to_float


class WavError(ValueError):
    """The file is missing, unreadable or not 16-bit PCM; the message says which."""


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Samples (channels mixed to mono) and the sample rate of a 16-bit PCM WAV."""
    try:
        with wave.open(str(path), "rb") as wav:
            if wav.getsampwidth() != 2:
                raise WavError(f"{path}: only 16-bit PCM WAV files are supported")
            rate, channels = wav.getframerate(), wav.getnchannels()
            samples = pcm16_to_float(wav.readframes(wav.getnframes()))
    except (OSError, wave.Error, EOFError) as exc:
        raise WavError(f"cannot read {path}: {exc}") from None
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    return samples, rate


def write_wav(path: Path, audio: np.ndarray, rate: int) -> None:
    """Mono 16-bit PCM; samples outside [-1, 1] are clipped. Creates the directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(float_to_pcm16(audio))
