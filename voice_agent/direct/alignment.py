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


def voice_word_frames(
    halves: PiperHalves, text: str
) -> tuple[list[tuple[int, int]], list[np.ndarray]]:
    """The voice's own words for `text`: (phonemes, frames) of each, and the prior-mean
    frames (192 x n) of each sentence. A phoneme's padding and the pause after a word count
    for that word; a sentence's start and end count for its first and last."""
    id_map = halves.config.phoneme_id_map
    words: list[list[int]] = []  # per voice word: [phonemes, frames]
    priors = []
    for phonemes in halves._voice.phonemize(text):
        if not phonemes:
            continue
        first = len(words)
        ids, owners = list(id_map["^"]) + list(id_map["_"]), [first, first]
        word = first
        for phoneme in phonemes:
            if phoneme not in id_map:
                continue
            ids += list(id_map[phoneme]) + list(id_map["_"])
            owners += [word] * (len(id_map[phoneme]) + 1)
            if phoneme == " ":
                word += 1
            while len(words) <= word:
                words.append([0, 0])
            if phoneme not in STRESS and phoneme != " ":
                words[word][0] += 1
        ids += list(id_map["$"])
        owners.append(word)
        durations_noise, latent_noise = noise_banks(np.random.default_rng(0), len(ids), 1.0)
        latents = halves.encode(ids, np.zeros_like(durations_noise), np.zeros_like(latent_noise))
        for owner, count in zip(owners, latents.durations.tolist(), strict=True):
            words[owner][1] += int(count)
        priors.append(latents.prior_mean)
    return [(p, f) for p, f in words], priors


STRESS = frozenset("ˈˌ")
PHONEMES_PER_LETTER = 0.85
MERGE_COST = 0.5  # per extra word in one step of the alignment
LETTERS_PER_DIGIT = 4  # "206": "two hundred six"


def align_words(letters: list[int], phonemes: list[int]) -> list[tuple[int, int, int, int]]:
    """Monotonic alignment of text words (their letter counts) to voice words (their
    phoneme counts): espeak joins short words ("in the" -> one word) and splits numbers
    ("206" -> "two hundred six"). Steps of 1-3 text words to 1-4 voice words, the cheapest
    by how far each step's phonemes are from its letters. Returns (text start, text end,
    voice start, voice end) per step."""
    inf = float("inf")
    n, m = len(letters), len(phonemes)
    cost = np.full((n + 1, m + 1), inf)
    back: dict[tuple[int, int], tuple[int, int]] = {}
    cost[0, 0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            if cost[i, j] == inf:
                continue
            for a in range(1, 4):
                for b in range(1, 5):
                    if (a > 1 and b > 1) or i + a > n or j + b > m:
                        continue
                    said = sum(phonemes[j : j + b])
                    written = PHONEMES_PER_LETTER * sum(letters[i : i + a])
                    step = abs(said - written) / 3 + MERGE_COST * (a + b - 2)
                    if cost[i, j] + step < cost[i + a, j + b]:
                        cost[i + a, j + b] = cost[i, j] + step
                        back[(i + a, j + b)] = (i, j)
    if cost[n, m] == inf:
        raise Unaligned(f"{n} text words cannot be lined up with {m} spoken words")
    steps = []
    i, j = n, m
    while (i, j) != (0, 0):
        pi, pj = back[(i, j)]
        steps.append((pi, i, pj, j))
        i, j = pi, pj
    return steps[::-1]


def word_frames(halves: PiperHalves, text: str) -> tuple[list[int], list[np.ndarray]]:
    """Frames of each whitespace-separated word of `text`, and each sentence's prior mean."""
    voice, priors = voice_word_frames(halves, text)
    written = text.split()
    letters = [
        max(1, sum(c.isalpha() for c in word) + LETTERS_PER_DIGIT * sum(c.isdigit() for c in word))
        for word in written
    ]
    frames = [0.0] * len(written)
    for t0, t1, v0, v1 in align_words(letters, [p for p, _ in voice]):
        total = sum(f for _, f in voice[v0:v1])
        share = sum(letters[t0:t1])
        for index in range(t0, t1):
            frames[index] += total * letters[index] / share
    ends = np.round(np.cumsum(frames)).astype(np.int64)
    return np.diff(ends, prepend=0).tolist(), priors


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
