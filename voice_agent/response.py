"""A reply in flight: its id, its assistant item, how much audio went out, its timings."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from .conversation import Item
from .protocol import new_id


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

    def to_event(self, response_id: str, item_id: str | None) -> dict[str, Any]:
        def span(a: float | None, b: float | None) -> float | None:
            return round((b - a) * 1000, 1) if a is not None and b is not None else None

        origin = self.speech_stopped_at or self.response_created_at
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
            "durations_ms": {
                "asr": span(self.speech_stopped_at, self.transcript_final_at),
                "llm_first_token": span(
                    self.transcript_final_at or self.response_created_at, self.first_token_at
                ),
                "tts_first_audio": span(self.first_token_at, self.first_audio_at),
                "total_to_first_audio": span(origin, self.first_audio_at),
            },
        }


@dataclass
class Response:
    id: str = field(default_factory=lambda: new_id("resp"))
    item: Item = field(default_factory=lambda: Item("assistant", status="in_progress"))
    metrics: TurnMetrics = field(default_factory=TurnMetrics)
    instructions: str | None = None
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
