"""Sentences spoken by the cut voice: their latent frames, their audio, and audio decoded
back from tokens, the same way for fitting, evaluation and the distillation data."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voice_agent.models.tts import noise_banks
from voice_agent.voice_tokens.codebook import LatentKind, VoiceTokenizer
from voice_agent.voice_tokens.halves import Latents, PiperHalves

VOLUME = 0.8  # as the server's TTS: Piper's per-sentence peak normalisation, then this gain


@dataclass
class Spoken:
    """One text as the voice says it: per sentence, its latents and its audio."""

    text: str
    sentences: list[Latents]
    audio: np.ndarray  # float32 at the voice's rate, as `PiperTTS` would give it

    def frames(self, kind: LatentKind) -> list[np.ndarray]:
        return [s.prior_mean if kind == "prior" else s.latent for s in self.sentences]


def speak(
    halves: PiperHalves, text: str, rng: np.random.Generator, with_audio: bool = True
) -> Spoken:
    """`text` through the cut voice with seeded noise: the same samples as a `PiperTTS`
    with `seeded_noise` reseeded with the generator's seed. Without audio, only the
    latents (the decoder is most of the cost)."""
    latents, audio = [], []
    for ids in halves.sentences(text):
        durations, noise = noise_banks(rng, len(ids), 1.0)
        sentence = halves.encode(ids, durations, noise)
        latents.append(sentence)
        if with_audio:
            audio.append(normalise(halves.decode(sentence.latent)))
    joined = np.concatenate(audio) if audio else np.zeros(0, np.float32)
    return Spoken(text, latents, joined)


def normalise(audio: np.ndarray) -> np.ndarray:
    """Piper's per-sentence loudness: peak to full scale, then the server's volume."""
    peak = float(np.max(np.abs(audio))) if len(audio) else 0.0
    if peak < 1e-8:
        return np.zeros_like(audio)
    return np.clip(audio / peak * VOLUME, -1.0, 1.0).astype(np.float32)


def latent_of(halves: PiperHalves, kind: LatentKind, frames: np.ndarray) -> np.ndarray:
    """The decoder's input for frames of `kind` (the prior mean goes through the flow)."""
    return halves.flow(frames) if kind == "prior" else frames


def decode_tokens(
    halves: PiperHalves, tokenizer: VoiceTokenizer, tokens: list[np.ndarray], frames: list[int]
) -> np.ndarray:
    """Audio of each sentence's tokens, normalised per sentence as Piper does."""
    audio = []
    for sentence_tokens, count in zip(tokens, frames, strict=True):
        decoded = tokenizer.decode(sentence_tokens, count)
        audio.append(normalise(halves.decode(latent_of(halves, tokenizer.spec.kind, decoded))))
    return np.concatenate(audio) if audio else np.zeros(0, np.float32)
