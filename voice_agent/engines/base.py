"""The one interface both engines (cascade, direct) implement.

An engine is shared by all sessions of a process; everything per-session is passed in.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class Message:
    role: str  # 'system' | 'user' | 'assistant'
    text: str


@dataclass(frozen=True)
class ReplyRequest:
    instructions: str
    history: tuple[Message, ...]  # oldest first, ending with the turn to answer
    temperature: float = 0.7
    max_output_tokens: int | None = None


@dataclass(frozen=True)
class ReplyTextStarted:
    """The engine produced its first text token (the LLM's first token in the cascade)."""

    at: float = field(default_factory=time.monotonic)  # when, not when it was consumed


@dataclass(frozen=True)
class ReplyAudio:
    """One spoken piece of the reply: its audio and the exact text it speaks."""

    audio: np.ndarray = field(repr=False)  # float32 mono
    sample_rate: int
    text: str


ReplyEvent = ReplyTextStarted | ReplyAudio


class EngineError(RuntimeError):
    """A failure the session reports to its client (e.g. the LLM server is down)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class Engine(Protocol):
    name: str

    async def transcribe(self, audio16k: np.ndarray) -> str:
        """Text of one user utterance (16 kHz float32 mono)."""
        ...

    def reply(self, request: ReplyRequest) -> AsyncIterator[ReplyEvent]:
        """Stream the reply as it is produced; cancelling the iteration stops the work."""
        ...

    async def warm_up(self) -> None: ...

    async def close(self) -> None: ...
