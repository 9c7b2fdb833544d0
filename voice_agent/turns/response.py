"""A reply in flight: its id, its assistant item, how much audio went out, its timings,
and the one way it is stopped early (`interrupt`)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from voice_agent.engines.base import FunctionTool
from voice_agent.realtime import server_events
from voice_agent.realtime.protocol import new_id
from voice_agent.turns.conversation import Item

# Why a response ended early: a cancel reason, or a failure's code and message.
StopReason = str | dict[str, str] | None


@dataclass
class TurnMetrics:
    """Timestamps (seconds, on the session's clock) of one turn's milestones."""

    speech_stopped_at: float | None = None
    transcript_final_at: float | None = None
    response_created_at: float | None = None
    first_token_at: float | None = None
    first_audio_at: float | None = None
    early_reply: bool = False  # the reply begun at the user's pause was used

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
        marks = {
            "speech_stopped_at": self.speech_stopped_at,
            "transcript_final_at": self.transcript_final_at,
            "response_created_at": self.response_created_at,
            "first_token_at": self.first_token_at,
            "first_audio_at": self.first_audio_at,
            "early_reply": self.early_reply,
            "durations_ms": self.waits_ms(),
        }
        return server_events.turn_metrics(response_id, item_id, marks)


@dataclass
class Response:
    id: str = field(default_factory=lambda: new_id("resp"))
    item: Item = field(default_factory=lambda: Item("assistant", status="in_progress"))
    metrics: TurnMetrics = field(default_factory=TurnMetrics)
    answers: str | None = None  # id of the user item it answers, if a turn made it
    opened: bool = False  # its item is in the conversation and announced
    sent_ms: float = 0.0  # reply audio handed to the transport so far
    stop_reason: str | None = None  # why it was interrupted; None while it runs on
    streaming: asyncio.Task[None] | None = None  # the engine's events -> the client
    finished: asyncio.Task[None] | None = None  # ends with its response.done
    output: list[Item] = field(default_factory=list)  # its items, in output_index order
    in_conversation: bool = True  # False: out of band, its items stay out of the history
    metadata: dict[str, str] | None = None
    tools: tuple[FunctionTool, ...] = ()  # the functions it was offered

    @property
    def spoken(self) -> bool:
        return self.item.spoken

    def index(self, item: Item) -> int:
        return self.output.index(item)

    def interrupt(self, reason: str) -> bool:
        """Stop producing now (barge-in, cancel, hang-up): no more of its audio goes out
        from here on, and its response.done will say `reason`. False if it had already
        stopped or finished."""
        if self.stop_reason is not None or self.streaming is None or self.streaming.done():
            return False
        self.stop_reason = reason
        self.streaming.cancel()
        return True

    def to_wire(self, status: str, reason: StopReason = None) -> dict[str, Any]:
        output = [item.to_wire() for item in self.output] if status != "in_progress" else []
        settings = {
            "output_modalities": ["audio"] if self.spoken else ["text"],
            "metadata": self.metadata,
        }
        return server_events.response(self.id, status, output, reason, settings)
