"""What the speech head says for a reply: the voice's phonemes, word by word.

A 135M LLM's hidden states barely carry how an English word sounds (a speech head trained
on them alone reached 8 % held-out voice-token accuracy on 4k replies), while espeak, the
voice's own front end, knows it exactly. So each written word is phonemized on its own as
soon as it is complete (one LLM token later), in the voice's phoneme ids, and the speech
head learns only what Piper's text encoder adds: each phoneme's sound in context (its
voice token) and its length, with the LLM's state of the word alongside.

The sequence is Piper's own shape: `^ _` then each phoneme followed by the pad `_`, a space
between words, `$` at the end. Every position belongs to a word (the start to the first,
the space before a word to it, the end to the last), which is how a cut reply knows which
words were heard.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from voice_agent.models.tts import noise_banks
from voice_agent.text import speakable

RNG = np.random.default_rng(0)  # only shapes: the noise is zeroed


class Unaligned(ValueError):
    """The reply's tokens and its words do not agree."""


@dataclass(frozen=True)
class Pronounced:
    """A reply's phoneme positions."""

    phonemes: np.ndarray  # positions: the voice's phoneme ids
    owner: np.ndarray  # positions: the index of the written word each belongs to


class Pronouncer:
    """The voice's phoneme ids of one written word at a time."""

    def __init__(self, voice: Any) -> None:  # a piper.PiperVoice
        self.voice = voice
        id_map = voice.config.phoneme_id_map
        self.pad, self.start, self.end = id_map["_"][0], id_map["^"][0], id_map["$"][0]
        self.space = id_map[" "][0]
        self.symbols: int = voice.config.num_symbols
        self.word = lru_cache(maxsize=50_000)(self._word)

    def _word(self, word: str) -> tuple[int, ...]:
        """Phoneme ids of `word`, each followed by the pad (none for a word with no sound)."""
        id_map = self.voice.config.phoneme_id_map
        ids: list[int] = []
        for sentence in self.voice.phonemize(speakable(word)):
            for phoneme in sentence:
                if phoneme in id_map and (phoneme != " " or ids):
                    ids += [*id_map[phoneme], self.pad]
        while ids[-2:] == [self.space, self.pad]:  # espeak's trailing space: ours comes next
            ids = ids[:-2]
        return tuple(ids)

    def positions(self, words: list[str], first: int = 0, last: bool = True) -> Pronounced:
        """Positions of `words` (the reply's words `first`, `first` + 1, ...): with the start
        when `first` is 0, and the end when `last`."""
        phonemes: list[int] = [self.start, self.pad] if first == 0 else []
        owner: list[int] = [0, 0] if first == 0 else []
        for index, word in enumerate(words, start=first):
            ids = list(self.word(word))
            if index > 0:
                ids = [self.space, self.pad, *ids]
            phonemes += ids
            owner += [index] * len(ids)
        if last:
            phonemes.append(self.end)
            owner.append(max(first + len(words) - 1, 0))
        return Pronounced(np.array(phonemes, np.int64), np.array(owner, np.int64))


ASCII_SPACE = b" \t\n\r\x0b\x0c"


_ASCII_SPACES = re.compile(f"[{re.escape(ASCII_SPACE.decode())}]+")


def split_words(text: str) -> list[str]:
    """Words as the speech head counts them: split at ASCII whitespace only (a byte-level
    split must agree, and UTF-8 continuation bytes can look like unicode spaces)."""
    return [w for w in _ASCII_SPACES.split(text) if w]


def word_spans(pieces: list[bytes]) -> list[tuple[int, int]]:
    """(first, last) token of each word (`split_words`) that the token `pieces` spell."""
    spans: list[list[int]] = []
    in_word = False
    for token, piece in enumerate(pieces):
        for byte in piece:
            if byte in ASCII_SPACE:
                in_word = False
            else:
                if not in_word:
                    spans.append([token, token])
                    in_word = True
                spans[-1][1] = token
    return [(a, b) for a, b in spans]


@dataclass(frozen=True)
class SpokenPositions:
    """The training targets of one reply: what the voice makes of its positions."""

    pronounced: Pronounced
    durations: np.ndarray  # positions: frames (Piper's duration predictor, no noise)
    codes: np.ndarray  # positions: the voice token of its frames (-100 where it has none)


def spoken_positions(
    halves: Any, tokenizer: Any, pronouncer: Pronouncer, words: list[str]
) -> SpokenPositions:
    """Run the voice's text encoder over the reply's positions. The prior mean is the same
    for every frame of a position, so each position has one voice token."""
    pronounced = pronouncer.positions(words)
    count = len(pronounced.phonemes)
    no_durations, no_latents = (np.zeros_like(bank) for bank in noise_banks(RNG, count, 1.0))
    latents = halves.encode(pronounced.phonemes.tolist(), no_durations, no_latents)
    durations = latents.durations
    frame_codes = tokenizer.encode(latents.prior_mean)[:, 0]
    starts = np.cumsum(durations) - durations
    codes = np.where(durations > 0, frame_codes[np.minimum(starts, len(frame_codes) - 1)], -100)
    return SpokenPositions(pronounced, durations, codes.astype(np.int64))
