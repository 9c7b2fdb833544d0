"""Text helpers for speech: cutting streamed LLM text into speakable clauses.

Piper synthesises a whole sentence at once, so the first audio can only exist once the
first clause is complete. Clauses are cut at sentence ends, and at commas or dashes once
enough words have gathered, keeping the first one short so the first audio comes early.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

_SENTENCE_END = re.compile(r"[.!?;:…]+[\"')\]]*\s")
_SOFT_BREAK = re.compile(r"[,—–]\s|\s-\s")
_UNSPEAKABLE = re.compile(r"[*_#`~<>\[\]{}|\\^]+")
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\ufe0f]")
_SPACES = re.compile(r"\s+")


def speakable(text: str) -> str:
    """Drop markdown marks and emoji that a voice would read out or choke on."""
    return _SPACES.sub(" ", _EMOJI.sub("", _UNSPEAKABLE.sub(" ", text))).strip()


def has_words(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


class ClauseSplitter:
    """Accumulates text deltas and hands out complete clauses."""

    def __init__(self, first_min_words: int = 3, min_words: int = 6) -> None:
        self._buffer = ""
        self._first_min_words = first_min_words
        self._min_words = min_words
        self._emitted = 0

    def push(self, delta: str) -> list[str]:
        self._buffer += delta
        clauses = []
        while (cut := self._find_cut()) is not None:
            clause, self._buffer = self._buffer[:cut].strip(), self._buffer[cut:]
            if has_words(clause):
                clauses.append(clause)
                self._emitted += 1
        return clauses

    def flush(self) -> list[str]:
        clause, self._buffer = self._buffer.strip(), ""
        return [clause] if has_words(clause) else []

    def _find_cut(self) -> int | None:
        if match := _SENTENCE_END.search(self._buffer):
            return match.end()
        min_words = self._first_min_words if self._emitted == 0 else self._min_words
        for match in _SOFT_BREAK.finditer(self._buffer):
            if len(self._buffer[: match.start()].split()) >= min_words:
                return match.end()
        return None


async def clauses(deltas: AsyncIterator[str]) -> AsyncIterator[str]:
    splitter = ClauseSplitter()
    async for delta in deltas:
        for clause in splitter.push(delta):
            yield clause
    for clause in splitter.flush():
        yield clause


def truncate_to_fraction(text: str, fraction: float) -> str:
    """The first `fraction` of `text` by characters, cut back to a word boundary."""
    if fraction >= 1.0:
        return text
    if fraction <= 0.0:
        return ""
    cut = int(len(text) * fraction)
    head = text[:cut]
    if cut < len(text) and not text[cut].isspace() and " " in head:
        head = head[: head.rfind(" ")]
    return head.rstrip()
