"""Sans-I/O OpenAI Realtime protocol: event names, errors, and the session's
configuration with its `session.update` rules. `client_events` parses what clients send;
`server_events` builds what the server sends.

Nothing here touches a socket or a model, so all of it is testable with plain dicts.
Server events are built with GA names; `rename_for_beta` maps them for clients that
asked for the beta protocol (header `OpenAI-Beta: realtime=v1`).
"""

from __future__ import annotations

import base64
import itertools
import secrets
from dataclasses import dataclass, field
from typing import Any

from voice_agent.engines.base import AUTO, FunctionTool, ToolChoice
from voice_agent.models.vad import DEFAULT_SILENCE_MS, DEFAULT_THRESHOLD

# Client event names: beta aliases -> GA names.
CLIENT_ALIASES: dict[str, str] = {
    "transcription_session.update": "session.update",
}

CLIENT_EVENTS = frozenset(
    {
        "session.update",
        "input_audio_buffer.append",
        "input_audio_buffer.commit",
        "input_audio_buffer.clear",
        "conversation.item.create",
        "conversation.item.delete",
        "conversation.item.retrieve",
        "conversation.item.truncate",
        "response.create",
        "response.cancel",
        "output_audio_buffer.clear",  # WebRTC only: silence the reply playing on the track
    }
)

# Server events whose beta name differs from the GA name.
GA_TO_BETA: dict[str, str] = {
    "response.output_audio.delta": "response.audio.delta",
    "response.output_audio.done": "response.audio.done",
    "response.output_audio_transcript.delta": "response.audio_transcript.delta",
    "response.output_audio_transcript.done": "response.audio_transcript.done",
    "response.output_text.delta": "response.text.delta",
    "response.output_text.done": "response.text.done",
}

# Wire names of audio formats, GA and beta, -> (encoding, fixed rate or None).
AUDIO_FORMATS: dict[str, tuple[str, int | None]] = {
    "audio/pcm": ("pcm16", None),
    "pcm16": ("pcm16", 24_000),
    "audio/pcmu": ("pcmu", 8_000),
    "g711_ulaw": ("pcmu", 8_000),
    "audio/pcma": ("pcma", 8_000),
    "g711_alaw": ("pcma", 8_000),
}
GA_FORMAT_NAMES = {"pcm16": "audio/pcm", "pcmu": "audio/pcmu", "pcma": "audio/pcma"}
BETA_FORMAT_NAMES = {"pcm16": "pcm16", "pcmu": "g711_ulaw", "pcma": "g711_alaw"}
ALLOWED_RATES = (8_000, 16_000, 22_050, 24_000, 44_100, 48_000)


class ProtocolError(Exception):
    """A client event we cannot act on. The session answers with an `error` event and lives on."""

    def __init__(self, code: str, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.param = param


_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    """Ids in OpenAI's style (`item_...`), unique within the process and hard to guess."""
    return f"{prefix}_{next(_ids):06d}{secrets.token_hex(6)}"


@dataclass(frozen=True)
class AudioFormat:
    encoding: str = "pcm16"  # 'pcm16' | 'pcmu' | 'pcma'
    rate: int = 24_000

    def to_ga(self) -> dict[str, Any]:
        return {"type": GA_FORMAT_NAMES[self.encoding], "rate": self.rate}

    def to_beta(self) -> str:
        return BETA_FORMAT_NAMES[self.encoding]


TURN_DETECTION_TYPES = ("server_vad", "semantic_vad")
# semantic_vad's longest wait for a turn the end-of-turn model calls unfinished (OpenAI's).
EAGERNESS_MAX_WAIT_MS = {"low": 8_000, "medium": 4_000, "high": 2_000, "auto": 4_000}


@dataclass(frozen=True)
class TurnDetection:
    type: str = "server_vad"  # 'server_vad': a fixed silence ends the turn | 'semantic_vad'
    threshold: float = DEFAULT_THRESHOLD
    prefix_padding_ms: int = 300
    silence_duration_ms: int = DEFAULT_SILENCE_MS  # server_vad's
    eagerness: str = "auto"  # semantic_vad's: low | medium | high | auto (= medium)
    create_response: bool = True
    interrupt_response: bool = True

    @property
    def semantic(self) -> bool:
        return self.type == "semantic_vad"

    @property
    def end_silence_ms(self) -> int:
        """The silence that ends a turn whatever else is known: semantic_vad's is the longest
        wait, since the end-of-turn model ends a finished turn much sooner."""
        return EAGERNESS_MAX_WAIT_MS[self.eagerness] if self.semantic else self.silence_duration_ms

    def to_wire(self) -> dict[str, Any]:
        shared = {
            "create_response": self.create_response,
            "interrupt_response": self.interrupt_response,
        }
        if self.semantic:
            return {"type": self.type, "eagerness": self.eagerness, **shared}
        return {
            "type": self.type,
            "threshold": self.threshold,
            "prefix_padding_ms": self.prefix_padding_ms,
            "silence_duration_ms": self.silence_duration_ms,
            **shared,
        }


@dataclass(frozen=True)
class SessionConfig:
    """The effective configuration of one session, as the client sees it."""

    id: str = field(default_factory=lambda: new_id("sess"))
    model: str = "voice-agent"
    engine: str = ""  # one of the server's engines; empty: its first
    # Chosen on the answer-accuracy questions (BENCHMARKS.md): "in English" keeps SmolLM2-135M
    # from drifting into French or Spanish, and the worked examples (none of them a benchmark
    # question) show it the shape of a right answer: +9 points over the same prompt without.
    instructions: str = (
        "You are a helpful, knowledgeable voice assistant. Give the correct answer first, in one "
        "short spoken sentence in English. Do not use lists, markdown or emoji.\n"
        "Examples of questions and good answers:\n"
        "Question: What is the capital of Scotland? Answer: The capital of Scotland is Edinburgh.\n"
        "Question: How many legs does a horse have? Answer: A horse has four legs.\n"
        "Question: What is a baby bird called? Answer: A baby bird is called a chick.\n"
        "Question: Answer in one word. What color is coal? Answer: Black.\n"
        "Question: Answer yes or no. Is the sun hot? Answer: Yes."
    )
    voice: str = "joe"
    input_format: AudioFormat = AudioFormat()
    output_format: AudioFormat = AudioFormat()
    turn_detection: TurnDetection | None = TurnDetection()
    temperature: float = 0.0  # greedy: the most right answers (BENCHMARKS.md)
    max_output_tokens: int | None = None
    transcription_model: str | None = None  # the engine's, if it transcribes the user
    tools: tuple[FunctionTool, ...] = ()
    tool_choice: ToolChoice = AUTO
    output_modalities: tuple[str, ...] = ("audio",)  # or ("text",): no audio at all

    @property
    def transcription(self) -> dict[str, Any] | None:
        return {"model": self.transcription_model} if self.transcription_model else None

    def to_ga(self) -> dict[str, Any]:
        turn = self.turn_detection.to_wire() if self.turn_detection else None
        return {
            "type": "realtime",
            "object": "realtime.session",
            "id": self.id,
            "model": self.model,
            "engine": self.engine,
            "output_modalities": list(self.output_modalities),
            "instructions": self.instructions,
            "audio": {
                "input": {
                    "format": self.input_format.to_ga(),
                    "turn_detection": turn,
                    "transcription": self.transcription,
                },
                "output": {"format": self.output_format.to_ga(), "voice": self.voice},
            },
            "turn_detection": turn,
            "tools": [tool_to_wire(tool) for tool in self.tools],
            "tool_choice": self.tool_choice.to_wire(),
            "max_output_tokens": self.max_output_tokens or "inf",
        }

    def to_beta(self) -> dict[str, Any]:
        return {
            "object": "realtime.session",
            "id": self.id,
            "model": self.model,
            "engine": self.engine,
            "modalities": ["text"] if self.output_modalities == ("text",) else ["audio", "text"],
            "instructions": self.instructions,
            "voice": self.voice,
            "input_audio_format": self.input_format.to_beta(),
            "output_audio_format": self.output_format.to_beta(),
            "input_audio_transcription": self.transcription,
            "turn_detection": self.turn_detection.to_wire() if self.turn_detection else None,
            "temperature": self.temperature,
            "tools": [tool_to_wire(tool) for tool in self.tools],
            "tool_choice": self.tool_choice.to_wire(),
            "max_response_output_tokens": self.max_output_tokens or "inf",
        }


def tool_to_wire(tool: FunctionTool) -> dict[str, Any]:
    return {
        "type": "function",
        "name": tool.name,
        "description": tool.description,
        "parameters": tool.parameters,
    }


def error_event(
    code: str,
    message: str,
    *,
    event_id: str | None = None,
    param: str | None = None,
    kind: str = "invalid_request_error",
) -> dict[str, Any]:
    return {
        "type": "error",
        "error": {
            "type": kind,
            "code": code,
            "message": message,
            "param": param,
            "event_id": event_id,
        },
    }


def rename_for_beta(event: dict[str, Any]) -> dict[str, Any]:
    beta = GA_TO_BETA.get(event["type"])
    return {**event, "type": beta} if beta else event


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
