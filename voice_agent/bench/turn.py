"""What a benchmark turn is asked to do and what it measured."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

# The turn detection a target's sessions ask for (None: the server's default).
TURN_DETECTIONS: dict[str, dict[str, Any]] = {
    "server_vad": {"type": "server_vad", "silence_duration_ms": 500},
    "semantic_vad": {"type": "semantic_vad", "eagerness": "auto"},
}


@dataclass(frozen=True)
class Interruption:
    """An utterance to speak over the reply, and where its speech lies in its audio."""

    text: str
    audio: np.ndarray = field(repr=False)
    speech_start_s: float
    speech_end_s: float


class TurnFailed(Exception):
    """The turn could not be measured; the message says why, for the report."""


@dataclass
class TurnResult:
    target: str
    session: int
    turn: int
    item_id: str
    kind: str
    voice: str
    prompt: str
    error: str | None = None
    v2v_ms: float | None = None
    server_ms: dict[str, float | None] = field(default_factory=dict)
    transcript: str | None = None
    transcript_wer: float | None = None
    reply_text: str = ""
    reply_audio_s: float = 0.0
    reply_wer: float | None = None
    barge_in: dict[str, Any] | None = None
    cut_in: bool | None = None  # a paused turn: the server ended it at its pause
    question_id: str = ""  # answer-accuracy turns: the question asked, and the verdicts
    right: bool | None = None
    english: bool | None = None
    judge: bool | None = None
    reply_audio: np.ndarray | None = field(default=None, repr=False)  # for the Whisper check

    def to_json(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "reply_audio"}
        return data
