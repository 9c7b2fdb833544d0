"""What the terminal client knows about the conversation: built from server events only,
so the live UI, the plain-text output and the scripted mode all show the same thing."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from voice_agent.realtime.client import ServerEvent, error_code, response_id

# Errors a barge-in can cause by racing the reply's end: nothing the user must know.
QUIET_ERRORS = ("response_cancel_not_active", "item_not_found")


@dataclass
class Turn:
    user_item_id: str | None = None
    user: str = ""
    response_id: str | None = None
    assistant_item_id: str | None = None
    assistant: str = ""
    status: str = ""  # the response's: completed / cancelled / failed; "" while in progress
    speech_end_at: float | None = None  # monotonic time the user's speech ended
    latency_ms: float | None = None  # end of the user's speech -> first reply sound played
    interrupted_at_ms: int | None = None  # how much of the reply was heard, if cut


@dataclass
class TalkState:
    url: str
    mode: str
    connection: str = "connecting"
    phase: str = ""
    notice: str = ""  # the latest thing the user should know (errors, retries)
    turns: list[Turn] = field(default_factory=list)
    mic_level: float = 0.0
    stream_start: float | None = None  # monotonic time of the first input sample sent
    last_event_at: float = field(default_factory=time.monotonic)

    def turn_for(self, key: str, value: str | None) -> Turn | None:
        if value is None:
            return None
        return next((t for t in reversed(self.turns) if getattr(t, key) == value), None)

    @property
    def active_response(self) -> str | None:
        turn = next((t for t in reversed(self.turns) if t.response_id and not t.status), None)
        return turn.response_id if turn else None

    def on_event(self, event: dict[str, Any]) -> Turn | None:
        """Update from one server event; returns the turn it finished, if any."""
        kind = event.get("type")
        self.last_event_at = time.monotonic()
        if kind == ServerEvent.SPEECH_STARTED:
            self.phase = "listening"
        elif kind == ServerEvent.SPEECH_STOPPED:
            self.phase = "thinking"
            end = time.monotonic()
            if self.stream_start is not None and isinstance(event.get("audio_end_ms"), int):
                end = min(end, self.stream_start + event["audio_end_ms"] / 1000)
            self.turns.append(Turn(user_item_id=event.get("item_id"), speech_end_at=end))
        elif kind == ServerEvent.INPUT_COMMITTED:
            # A push-to-talk turn was opened at the commit, before its item id was known.
            turn = self.turns[-1] if self.turns else None
            if turn is not None and turn.user_item_id is None and turn.response_id is None:
                turn.user_item_id = event.get("item_id")
        elif kind == ServerEvent.INPUT_TRANSCRIPT_DONE:
            turn = self.turn_for("user_item_id", event.get("item_id"))
            if turn is None:
                turn = Turn(user_item_id=event.get("item_id"))
                self.turns.append(turn)
            turn.user = str(event.get("transcript", "")).strip()
        elif kind == ServerEvent.RESPONSE_CREATED:
            turn = next((t for t in reversed(self.turns) if t.response_id is None), None)
            if turn is None:
                turn = Turn()
                self.turns.append(turn)
            turn.response_id = response_id(event)
        elif kind == ServerEvent.OUTPUT_ITEM_ADDED:
            turn = self.turn_for("response_id", event.get("response_id"))
            if turn is not None:
                turn.assistant_item_id = (event.get("item") or {}).get("id")
        elif kind in ServerEvent.TRANSCRIPT_DELTAS:
            turn = self.turn_for("response_id", event.get("response_id"))
            if turn is not None:
                turn.assistant += str(event.get("delta", ""))
            self.phase = "speaking"
        elif kind == ServerEvent.RESPONSE_DONE:
            response = event.get("response") or {}
            turn = self.turn_for("response_id", response.get("id"))
            self.phase = "listening"
            if turn is not None:
                turn.status = response.get("status", "completed")
                return turn
        elif kind == ServerEvent.ERROR and error_code(event) not in QUIET_ERRORS:
            error = event.get("error") or {}
            self.notice = f"server: {error.get('message', error)}"
        return None
