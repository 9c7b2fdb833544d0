"""The one interface every engine (cascade, direct) implements: it is handed a turn and
streams back what the session forwards to the client.

An engine is shared by all sessions of a process; everything per-session is in the `Turn`.
The engine owns the whole turn: whether and when it transcribes the user, how it thinks
and how it speaks. The session only decides when a turn starts and stops.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class Message:
    """One text message of a chat (what an LLM reads)."""

    role: str  # 'system' | 'user' | 'assistant'
    text: str


@dataclass(frozen=True, eq=False)
class HistoryItem:
    """One conversation item as an engine sees it."""

    id: str
    role: str  # 'user' | 'assistant' | 'system'
    text: str | None  # None: user speech nobody has transcribed yet
    audio: np.ndarray | None = field(default=None, repr=False)  # 16 kHz float32 user speech


@dataclass(frozen=True)
class Turn:
    """What to answer: the conversation, oldest first, ending with the input to answer (a
    user's speech, with `audio` and maybe no text yet, or a text item)."""

    history: tuple[HistoryItem, ...]
    instructions: str
    temperature: float = 0.7
    max_output_tokens: int | None = None
    seed: int | None = None  # fixed sampling noise (the distillation data); None: fresh

    @property
    def latest(self) -> HistoryItem | None:
        return self.history[-1] if self.history else None


@dataclass(frozen=True)
class UserTranscript:
    """The text of a user speech item (it may come late, or never, from some engines)."""

    item_id: str
    text: str
    at: float = field(default_factory=time.monotonic)  # when it became final


@dataclass(frozen=True)
class UserTranscriptFailed:
    item_id: str
    message: str


@dataclass(frozen=True)
class ReplyStarted:
    """Timing mark: the engine wrote its first reply token (the LLM's, in the cascade)."""

    at: float = field(default_factory=time.monotonic)  # when, not when it was consumed


@dataclass(frozen=True)
class ReplyText:
    """Reply text not tied to one audio chunk; the session spreads it over the audio that
    follows it, to know which words were heard when the reply is cut."""

    delta: str


@dataclass(frozen=True)
class ReplyAudio:
    """A piece of the reply's audio, any length; `text` is exactly what it says, if known."""

    audio: np.ndarray = field(repr=False)  # float32 mono
    sample_rate: int
    text: str | None = None


EngineEvent = UserTranscript | UserTranscriptFailed | ReplyStarted | ReplyText | ReplyAudio


class EngineError(RuntimeError):
    """A failure the session reports to its client (e.g. the LLM server is down)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class Engine(Protocol):
    name: str
    transcription_model: str | None  # what the session shows as its input transcription

    def respond(self, turn: Turn) -> AsyncIterator[EngineEvent]:
        """Stream the turn's events as they are produced. Closing the iterator stops the
        work; a session may start a reply speculatively (at a pause) and close it unused."""
        ...

    async def warm_up(self) -> None: ...

    async def close(self) -> None: ...
