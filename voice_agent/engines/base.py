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
from typing import Any, Protocol

import numpy as np


@dataclass(frozen=True, eq=False)
class FunctionTool:
    """A function the client offers the model (`session.tools`), with its JSON schema."""

    name: str
    description: str = ""
    parameters: dict[str, Any] = field(default_factory=lambda: {"type": "object"})


@dataclass(frozen=True)
class ToolChoice:
    """Whether the model may, must or must not call a tool: 'auto' | 'none' | 'required', or
    'function' with the one function it must call."""

    mode: str = "auto"
    name: str | None = None

    def allowed(self, tools: tuple[FunctionTool, ...]) -> tuple[FunctionTool, ...]:
        """The tools the model may call under this choice."""
        if self.mode == "none":
            return ()
        if self.mode == "function":
            return tuple(tool for tool in tools if tool.name == self.name)
        return tools

    def forces(self, tools: tuple[FunctionTool, ...]) -> bool:
        """The model must call one of `tools` (a response may not answer in words)."""
        return self.mode in ("required", "function") and bool(self.allowed(tools))

    def within(self, tools: tuple[FunctionTool, ...]) -> ToolChoice:
        """This choice for `tools`: 'auto' if it names a function they do not hold."""
        return AUTO if self.mode == "function" and not self.allowed(tools) else self

    def to_wire(self) -> str | dict[str, str]:
        if self.mode == "function":
            return {"type": "function", "name": self.name or ""}
        return self.mode


AUTO = ToolChoice()  # the model decides whether to call a tool


@dataclass(frozen=True)
class FunctionCall:
    """The model calls a client's function: `arguments` is JSON text valid for its schema."""

    call_id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class Message:
    """One message of a chat (what an LLM reads): text, or a function call the assistant made
    (`call`), or a function's result (role 'tool', `call_id` naming its call)."""

    role: str  # 'system' | 'user' | 'assistant' | 'tool'
    text: str
    call: FunctionCall | None = None
    call_id: str | None = None


@dataclass(frozen=True, eq=False)
class HistoryItem:
    """One conversation item as an engine sees it."""

    id: str
    role: str  # 'user' | 'assistant' | 'system' | 'tool' (a function's result)
    text: str | None  # None: user speech nobody has transcribed yet
    audio: np.ndarray | None = field(default=None, repr=False)  # 16 kHz float32 user speech
    call: FunctionCall | None = None  # an assistant's function call
    call_id: str | None = None  # a function's result: the call it answers

    def message(self, text: str | None = None) -> Message | None:
        """The item as an LLM reads it (`text`: its transcript, if it was just heard); None
        when it holds nothing to read."""
        text = self.text if text is None else text
        if self.call is not None:
            return Message(self.role, "", self.call)
        if not text or not text.strip():
            return None
        return Message(self.role, text, call_id=self.call_id)


@dataclass(frozen=True)
class Turn:
    """What to answer: the conversation, oldest first, ending with the input to answer (a
    user's speech, with `audio` and maybe no text yet, or a text item)."""

    history: tuple[HistoryItem, ...]
    instructions: str
    temperature: float = 0.7
    max_output_tokens: int | None = None
    seed: int | None = None  # fixed sampling noise (the distillation data); None: fresh
    tools: tuple[FunctionTool, ...] = ()
    tool_choice: ToolChoice = AUTO
    speak: bool = True  # False: text only (`output_modalities: ["text"]`), no audio wanted

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


EngineEvent = (
    UserTranscript | UserTranscriptFailed | ReplyStarted | ReplyText | ReplyAudio | FunctionCall
)


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
