"""A reply in flight: its id, its assistant item, how much audio went out, its timings."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from voice_agent.engines.early import EarlyStart
from voice_agent.realtime.protocol import new_id
from voice_agent.turns.conversation import Item


class ResponseInterrupted(Exception):
    """The response was stopped (barge-in, cancel) while it was between two chunks."""


@dataclass
class TurnMetrics:
    """Monotonic timestamps (seconds) of one turn's milestones."""

    speech_stopped_at: float | None = None
    transcript_final_at: float | None = None
    response_created_at: float | None = None
    first_token_at: float | None = None
    first_audio_at: float | None = None
    early_transcript: bool = False  # the transcript begun at the user's pause was used
    early_reply: bool = False  # so was the reply begun then

    def waits_ms(self) -> dict[str, float | None]:
        """How long the turn waited on each stage after the end of speech (or after the
        response was asked for). A stage done early, during the VAD's silence wait, counts
        0; so the stage waits add up to `total_to_first_audio`."""
        origin = self.speech_stopped_at or self.response_created_at
        if origin is None:
            return {}
        waits: dict[str, float | None] = {}
        previous = origin
        for stage, at in (
            ("asr", self.transcript_final_at),
            ("llm_first_token", self.first_token_at),
            ("tts_first_audio", self.first_audio_at),
        ):
            waits[stage] = None if at is None else round(max(0.0, at - previous) * 1000, 1)
            previous = max(previous, at or previous)
        total = None if self.first_audio_at is None else (self.first_audio_at - origin) * 1000
        waits["total_to_first_audio"] = None if total is None else round(total, 1)
        return waits

    def to_event(self, response_id: str, item_id: str | None) -> dict[str, Any]:
        return {
            "type": "voice_agent.turn.metrics",
            "response_id": response_id,
            "item_id": item_id,
            "clock": "monotonic",
            "speech_stopped_at": self.speech_stopped_at,
            "transcript_final_at": self.transcript_final_at,
            "response_created_at": self.response_created_at,
            "first_token_at": self.first_token_at,
            "first_audio_at": self.first_audio_at,
            "early_transcript": self.early_transcript,
            "early_reply": self.early_reply,
            "durations_ms": self.waits_ms(),
        }


@dataclass
class Response:
    id: str = field(default_factory=lambda: new_id("resp"))
    item: Item = field(default_factory=lambda: Item("assistant", status="in_progress"))
    metrics: TurnMetrics = field(default_factory=TurnMetrics)
    instructions: str | None = None
    early: EarlyStart | None = None  # work begun at the user's pause, if any
    task: asyncio.Task[None] | None = None
    cancel_reason: str | None = None
    finishing: bool = False  # past the point where cancelling it could lose its response.done
    sent_ms: float = 0.0  # reply audio handed to the transport so far

    def to_wire(self, status: str, reason: str | None = None) -> dict[str, Any]:
        details = None
        if status == "cancelled":
            details = {"type": "cancelled", "reason": reason}
        elif status == "failed":
            details = {"type": "failed", "error": reason}
        output = [self.item.to_wire()] if status != "in_progress" else []
        return {
            "id": self.id,
            "object": "realtime.response",
            "status": status,
            "status_details": details,
            "output": output,
            "usage": None,
        }
