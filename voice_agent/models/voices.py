"""Synthetic speakers for test and training speech: espeak-ng voices and the Piper voice.

One implementation serves the benchmark's spoken corpus and the distillation data.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voice_agent.audio import resample
from voice_agent.audio.wavfile import read_wav
from voice_agent.models.tts import PiperTTS


@dataclass(frozen=True)
class Voice:
    name: str
    engine: str  # 'espeak' | 'piper'
    espeak_voice: str = "en-us"  # an espeak-ng voice, optionally with a +variant (en-us+f3)
    speed: int = 160  # espeak words per minute
    pitch: int = 50  # espeak 0-99
    length_scale: float = 1.0  # piper: > 1 speaks slower
    # Speed perturbation: played this much faster (>1) or slower, which moves pitch and
    # formants together, as a smaller or larger speaker would sound.
    rate_factor: float = 1.0


def speak(text: str, voice: Voice, piper: PiperTTS | None = None) -> tuple[np.ndarray, int]:
    """The voice saying `text`: float32 mono samples and their rate, at the engine's level."""
    if voice.engine == "piper":
        if piper is None:
            raise ValueError(f"voice {voice.name!r} needs a PiperTTS")
        audio, rate = piper.synthesize_blocking(text, voice.length_scale), piper.sample_rate
    elif voice.engine == "espeak":
        audio, rate = espeak(text, voice)
    else:
        raise ValueError(f"unknown voice engine {voice.engine!r}")
    if voice.rate_factor != 1.0:
        # Resample to a rate, then call it the original one: faster and higher, or the reverse.
        audio = resample(audio, rate, round(rate / voice.rate_factor))
    return audio, rate


def espeak(text: str, voice: Voice) -> tuple[np.ndarray, int]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "out.wav"
        command = [
            "espeak-ng",
            "-v",
            voice.espeak_voice,
            "-s",
            str(voice.speed),
            "-p",
            str(voice.pitch),
            "-w",
            str(path),
        ]
        try:
            # The text goes on stdin: as an argument, one starting with '-' would be an option.
            subprocess.run(command, input=text.encode(), check=True, capture_output=True)
        except FileNotFoundError:
            raise RuntimeError(
                "espeak-ng is not installed; run scripts/install.sh (or apt-get install espeak-ng)"
            ) from None
        except subprocess.CalledProcessError as exc:
            detail = exc.stderr.decode(errors="replace").strip()
            raise RuntimeError(f"espeak-ng -v {voice.espeak_voice} failed: {detail}") from None
        return read_wav(path)
