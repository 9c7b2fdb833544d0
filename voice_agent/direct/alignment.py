"""What the speech head learns to say: a reply's voice tokens, and which LLM token each
frame belongs to.

The voice speaks phonemes, the LLM writes BPE tokens. Piper tells us each phoneme's frames
(its duration predictor, deterministic here: no duration noise) and espeak tells us which
word each phoneme belongs to; a word's frames are then shared among its tokens by their
share of the word's letters. Replies where espeak's words do not line up with the text's
(digits read out as several words, some hyphens) are left out, and counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voice_agent.models.tts import noise_banks
from voice_agent.voice_tokens.codebook import VoiceTokenizer
from voice_agent.voice_tokens.halves import PiperHalves


class Unaligned(ValueError):
    """The voice's words do not line up with the text's."""


@dataclass(frozen=True)
class SpokenTokens:
    codes: np.ndarray  # frames, int16: the voice token of each frame (stride-1 tokenizer)
    token_frames: np.ndarray  # per LLM token of the reply: how many of those frames it owns


def word_frames(halves: PiperHalves, text: str) -> tuple[list[int], list[np.ndarray]]:
    """Frames of each whitespace-separated word of `text` as the voice says it, and the
    prior-mean frames (192 x n) of each sentence. A phoneme's padding and the pause after a
    word count for that word; a sentence's start and end count for its first and last."""
    id_map = halves.config.phoneme_id_map
    frames: list[int] = []
    priors = []
    for phonemes in halves._voice.phonemize(text):
        if not phonemes:
            continue
        first = len(frames)
        ids, owners = list(id_map["^"]) + list(id_map["_"]), [first, first]
        word = first
        for phoneme in phonemes:
            if phoneme not in id_map:
                continue
            ids += list(id_map[phoneme]) + list(id_map["_"])
            owners += [word] * (len(id_map[phoneme]) + 1)
            if phoneme == " ":
                word += 1
        ids += list(id_map["$"])
        owners.append(word)
        durations_noise, latent_noise = noise_banks(np.random.default_rng(0), len(ids), 1.0)
        latents = halves.encode(ids, np.zeros_like(durations_noise), np.zeros_like(latent_noise))
        frames += [0] * (word + 1 - len(frames))
        for owner, count in zip(owners, latents.durations.tolist(), strict=True):
            frames[owner] += int(count)
        priors.append(latents.prior_mean)
    if len(frames) != len(text.split()):
        raise Unaligned(f"the voice says {len(frames)} words, the text has {len(text.split())}")
    return frames, priors


def token_frames(pieces: list[bytes], text: str, frames_per_word: list[int]) -> np.ndarray:
    """Frames of each token (its bytes `pieces`, which spell `text`), shared out by the
    letters each token contributes to each word."""
    data = text.encode()
    if b"".join(pieces) != data:
        raise Unaligned("the tokens do not spell the text")
    word_of = np.full(len(data), -1)
    words = 0
    for index, byte in enumerate(data):
        if not chr(byte).isspace():
            if index == 0 or chr(data[index - 1]).isspace():
                words += 1
            word_of[index] = words - 1
    shares = np.zeros((len(pieces), max(words, 1)))
    start = 0
    for token, piece in enumerate(pieces):
        for index in range(start, start + len(piece)):
            if word_of[index] >= 0:
                shares[token, word_of[index]] += 1
        start += len(piece)
    out = np.zeros(len(pieces))
    for word, total in enumerate(frames_per_word):
        weights = shares[:, word]
        if weights.sum():
            out += total * weights / weights.sum()
    # Whole frames that still add up: round the running total.
    ends = np.round(np.cumsum(out)).astype(np.int64)
    return np.diff(ends, prepend=0)


def spoken_tokens(
    halves: PiperHalves, tokenizer: VoiceTokenizer, text: str, pieces: list[bytes]
) -> SpokenTokens:
    frames, priors = word_frames(halves, text)
    codes = np.concatenate([tokenizer.encode(prior)[:, 0] for prior in priors])
    per_token = token_frames(pieces, text, frames)
    assert per_token.sum() == len(codes), (per_token.sum(), len(codes))
    return SpokenTokens(codes.astype(np.int16), per_token.astype(np.int16))
