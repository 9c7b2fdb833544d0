"""Augmentation of user speech: level, additive noise, room reverb and telephone band.

The parameters are drawn per item by the plan (so every item records its own mix) and the
signals here are made from a seeded generator, so an item's audio is reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voice_agent.audio import decode, encode, resample

RATE = 16_000


@dataclass(frozen=True)
class Augmentation:
    level_dbfs: float = -23.0  # speech RMS level after everything else
    noise: str = "none"  # 'none' | 'white' | 'pink' | 'brown'
    snr_db: float = 0.0  # speech-to-noise ratio, when there is noise
    reverb_rt60_s: float = 0.0  # 0: dry
    telephone: bool = False  # 300-3400 Hz band, 8 kHz mu-law

    def describe(self) -> str:
        parts = [f"level {self.level_dbfs:.0f} dBFS"]
        if self.noise != "none":
            parts.append(f"{self.noise} noise at {self.snr_db:.0f} dB SNR")
        if self.reverb_rt60_s:
            parts.append(f"reverb RT60 {self.reverb_rt60_s:.2f} s")
        if self.telephone:
            parts.append("telephone band")
        return ", ".join(parts)


def draw_augmentation(rng: np.random.Generator) -> Augmentation:
    """A random mix: a third of items stay clean apart from their level."""
    level = float(rng.uniform(-33.0, -17.0))
    if rng.random() < 1 / 3:
        return Augmentation(level_dbfs=round(level, 1))
    with_noise = rng.random() < 0.5
    rt60 = float(rng.uniform(0.15, 0.7)) if rng.random() < 0.35 else 0.0
    telephone = bool(rng.random() < 0.15)
    noise, snr = "none", 0.0
    if with_noise or not (rt60 or telephone):  # the other two thirds get at least one effect
        noise = str(rng.choice(["white", "pink", "brown"]))
        snr = float(rng.uniform(12.0, 35.0))
    return Augmentation(round(level, 1), noise, round(snr, 1), round(rt60, 2), telephone)


def augment(speech: np.ndarray, spec: Augmentation, rng: np.random.Generator) -> np.ndarray:
    """Speech (16 kHz float32) through the room, the noise and the line of `spec`."""
    audio: np.ndarray = speech.astype(np.float32)  # float64 from here on; float32 at the end
    if spec.reverb_rt60_s > 0:
        audio = _reverberate(audio, spec.reverb_rt60_s, rng)
    if spec.noise != "none":
        noise = _coloured_noise(spec.noise, len(audio), rng)
        audio = audio + noise * (_rms(audio) / _rms(noise) / 10 ** (spec.snr_db / 20))
    if spec.telephone:
        audio = _telephone(audio)
    audio = audio * (10 ** (spec.level_dbfs / 20) / _rms(audio))
    return np.clip(audio, -1.0, 1.0).astype(np.float32)


def _rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(audio.astype(np.float64) ** 2))) or 1e-9


def _coloured_noise(kind: str, length: int, rng: np.random.Generator) -> np.ndarray:
    """White, pink (1/f) or brown (1/f^2) noise, shaped in the frequency domain."""
    spectrum = np.fft.rfft(rng.standard_normal(length))
    freqs = np.fft.rfftfreq(length, 1 / RATE)
    freqs[0] = freqs[1] if length > 1 else 1.0
    exponent = {"white": 0.0, "pink": 0.5, "brown": 1.0}[kind]
    noise = np.fft.irfft(spectrum / freqs**exponent, n=length)
    return noise.astype(np.float32)


def _reverberate(audio: np.ndarray, rt60_s: float, rng: np.random.Generator) -> np.ndarray:
    """A synthetic room: exponentially decaying noise (-60 dB at RT60) after the direct path."""
    length = int(rt60_s * RATE)
    t = np.arange(length) / RATE
    tail = rng.standard_normal(length) * 10 ** (-3 * t / rt60_s)
    tail[: int(0.003 * RATE)] = 0.0  # the first reflections arrive a few ms after the sound
    response = tail * 0.25 / (np.sqrt(np.sum(tail**2)) or 1.0)
    response[0] = 1.0
    size = len(audio) + length - 1
    wet = np.fft.irfft(np.fft.rfft(audio, size) * np.fft.rfft(response, size), size)
    return wet[: len(audio) + length // 2].astype(np.float32)  # keep some of the decay


def _telephone(audio: np.ndarray) -> np.ndarray:
    """Narrowband telephony: 300-3400 Hz, 8 kHz G.711 mu-law, back to 16 kHz."""
    narrow = resample(audio, RATE, 8_000)  # the resampler's low-pass keeps under 4 kHz
    spectrum = np.fft.rfft(narrow)
    spectrum[np.fft.rfftfreq(len(narrow), 1 / 8_000) < 300] = 0.0
    narrow = np.fft.irfft(spectrum, n=len(narrow)).astype(np.float32)
    narrow = narrow * (0.5 / (float(np.max(np.abs(narrow))) or 1.0))
    line = decode(encode(narrow, "pcmu"), "pcmu")
    return resample(line, 8_000, RATE)
