"""Per-session limits a transport enforces around a session: how many events a second, audio
no faster than a bound times real time, an idle timeout and a longest session.

A refused event gets an `error` event (at most one a second per kind, so a flood is not
answered by a flood) and is counted; nothing else of the session changes.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from voice_agent.gateway.load import ReplyDelays
from voice_agent.realtime.protocol import AudioFormat

MU_LAW_BYTES_PER_SAMPLE = 1
PCM16_BYTES_PER_SAMPLE = 2
TURN_METRICS = "voice_agent.turn.metrics"


@dataclass(frozen=True)
class GuardLimits:
    events_per_s: float = 200.0  # sustained; a microphone sends 10–50 a second
    event_burst: int = 1000
    audio_rate: float = 2.0  # times real time, sustained
    audio_burst_s: float = 60.0  # audio that may arrive at once (a recorded question)
    idle_timeout_s: float = 900.0  # no client event, speech or reply for this long: closed
    max_session_s: float = 3600.0  # OpenAI's longest session too
    send_timeout_s: float = 10.0  # a client that reads nothing for this long is closed


class TokenBucket:
    """`rate` tokens a second, at most `capacity` saved."""

    def __init__(self, rate: float, capacity: float, clock: Any = time.monotonic) -> None:
        self.rate, self.capacity, self._clock = rate, capacity, clock
        self._tokens = capacity
        self._at = clock()

    def take(self, amount: float) -> bool:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if amount > self._tokens:
            return False
        self._tokens -= amount
        return True


def audio_seconds(event: dict[str, Any], audio_format: AudioFormat) -> float:
    """How much audio an `input_audio_buffer.append` carries, from its base64 length (the
    decoding, and its errors, are the session's)."""
    encoded = event.get("audio")
    if not isinstance(encoded, str):
        return 0.0
    size = len(encoded) * 3 // 4 - encoded[-2:].count("=")
    width = PCM16_BYTES_PER_SAMPLE if audio_format.encoding == "pcm16" else MU_LAW_BYTES_PER_SAMPLE
    return size / (width * audio_format.rate)


@dataclass
class SessionGuard:
    limits: GuardLimits
    refusals: Counter[str]  # the process's refusal counts, by reason (shown in /metrics)
    clock: Any = time.monotonic
    load: ReplyDelays | None = None  # the process's reply delays, fed from each reply's metrics
    started_at: float = field(init=False)
    last_activity: float = field(init=False)
    _events: TokenBucket = field(init=False)
    _audio: TokenBucket = field(init=False)
    _told_at: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.started_at = self.last_activity = self.clock()
        self._events = TokenBucket(self.limits.events_per_s, self.limits.event_burst, self.clock)
        self._audio = TokenBucket(self.limits.audio_rate, self.limits.audio_burst_s, self.clock)

    def admit_event(self) -> str | None:
        """None when one more client event may be handled now, else the refusal reason."""
        return None if self._events.take(1) else self._refused("rate_limit_exceeded")

    def admit(self, event: dict[str, Any], audio_format: AudioFormat) -> str | None:
        """None when this parsed event may be handled (appends within the audio rate), else
        the refusal reason."""
        if event.get("type") != "input_audio_buffer.append":
            self.last_activity = self.clock()
            return None
        if self._audio.take(audio_seconds(event, audio_format)):
            return None
        return self._refused("audio_rate_exceeded")

    def saw(self, event: dict[str, Any]) -> None:
        """An event the server sent: a turn or a reply is activity, not idleness; a reply's
        metrics say how long it took to start."""
        kind = event.get("type", "")
        if kind == TURN_METRICS and self.load is not None:
            self.load.record_turn_metrics(event)
        if kind == "input_audio_buffer.speech_started" or kind.startswith("response."):
            self.last_activity = self.clock()

    def expired(self) -> tuple[str, str] | None:
        """(code, message) once the session is over its length or idle limit."""
        now = self.clock()
        if now - self.started_at >= self.limits.max_session_s:
            return "session_expired", (
                f"the session reached its maximum length of {self.limits.max_session_s:.0f} s"
            )
        if now - self.last_activity >= self.limits.idle_timeout_s:
            return "idle_timeout", (
                f"the session was idle for {self.limits.idle_timeout_s:.0f} s "
                "(no client event, speech or reply)"
            )
        return None

    def seconds_to_next_check(self) -> float:
        now = self.clock()
        left = min(
            self.started_at + self.limits.max_session_s,
            self.last_activity + self.limits.idle_timeout_s,
        )
        return max(0.05, left - now)

    def should_tell(self, reason: str) -> bool:
        """Whether to send the `error` for this refusal: once a second per reason."""
        now = self.clock()
        if now - self._told_at.get(reason, float("-inf")) < 1.0:
            return False
        self._told_at[reason] = now
        return True

    def _refused(self, reason: str) -> str:
        self.refusals[reason] += 1
        return reason

    @staticmethod
    def message(reason: str, limits: GuardLimits) -> str:
        if reason == "rate_limit_exceeded":
            return (
                f"more than {limits.events_per_s:.0f} events a second (burst "
                f"{limits.event_burst}); events over the limit are dropped"
            )
        return (
            f"audio arrives faster than {limits.audio_rate:g}x real time (after a "
            f"{limits.audio_burst_s:.0f} s burst); audio over the limit is dropped"
        )
