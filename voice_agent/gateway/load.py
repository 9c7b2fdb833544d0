"""Admission by measured load: how long replies are taking right now, across every session.

A machine past what it can serve does not fail; every conversation just gets slower (8 cascade
sessions on 2 cores answered in 12 s at the median, against 2.5 s for one). So the server
watches what its callers feel, the delay from the end of a user's turn to the first audio of
the reply, and while the recent median is over a bound it refuses new sessions, as LiveKit's
workers refuse jobs over a CPU load, so that the sessions already open keep their pace.
"""

from __future__ import annotations

import statistics
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

WINDOW_S = 60.0  # replies older than this no longer say anything about the load now
MIN_REPLIES = 3  # one slow reply (a cold start, a long tool call) is not a load


@dataclass
class ReplyDelays:
    """The reply delays of the last `WINDOW_S` seconds, and whether they say "overloaded"."""

    bound_s: float  # 0: never overloaded (admission by `--max-sessions` alone)
    clock: Any = time.monotonic
    _recent: deque[tuple[float, float]] = field(default_factory=deque)  # (when, delay s)

    def record(self, delay_s: float) -> None:
        self._recent.append((self.clock(), delay_s))
        self._forget_old()

    def median_s(self) -> float | None:
        """The median delay of the window's replies; None while too few say anything."""
        self._forget_old()
        if len(self._recent) < MIN_REPLIES:
            return None
        return statistics.median(delay for _, delay in self._recent)

    @property
    def overloaded(self) -> bool:
        median = self.median_s()
        return self.bound_s > 0 and median is not None and median > self.bound_s

    def record_turn_metrics(self, event: dict[str, Any]) -> None:
        """Take the delay from a `voice_agent.turn.metrics` event (replies with no audio,
        cancelled before it, say nothing)."""
        durations = event.get("durations_ms")
        total = durations.get("total_to_first_audio") if isinstance(durations, dict) else None
        if isinstance(total, int | float):
            self.record(total / 1000)

    def _forget_old(self) -> None:
        horizon = self.clock() - WINDOW_S
        while self._recent and self._recent[0][0] < horizon:
            self._recent.popleft()
