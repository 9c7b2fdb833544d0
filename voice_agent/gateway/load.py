"""Admission by measured load: how long replies are taking right now, across every session.

A machine past what it can serve does not fail; every conversation just gets slower (8 cascade
sessions on 2 cores answered in 10 s at the median, against 2.5 s for one). So the server
watches what its callers feel, the delay from the end of a user's turn to the first audio of
the reply, and refuses a new session when the replies would then start later than a bound, as
LiveKit's workers refuse jobs over a CPU load, so that the sessions already open keep their pace.

"Would then": each delay is divided by the sessions open when it was measured, and the median
of that cost is scaled to one session more than are open now. Judging by the delays alone
lags: they are known only as replies end, so a burst of callers arriving at a quiet moment
would all be let in (measured: 8 at once, then every reply slow) before the first slow reply
said so. The scaling treats every session as busy; conversations take turns, so it errs on
the side of the sessions already open.
"""

from __future__ import annotations

import statistics
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

WINDOW_S = 60.0  # replies older than this no longer say anything about the load now
MIN_REPLIES = 3  # one slow reply (a cold start, a long tool call) is not a load


@dataclass
class ReplyDelays:
    """The reply delays of the last `WINDOW_S` seconds, and whether they say "overloaded"."""

    bound_s: float  # 0: never overloaded (admission by `--max-sessions` alone)
    open_sessions: Callable[[], int] = lambda: 1  # how many sessions are open now
    clock: Any = time.monotonic
    # (when, delay s, sessions open then)
    _recent: deque[tuple[float, float, int]] = field(default_factory=deque)

    def record(self, delay_s: float) -> None:
        self._recent.append((self.clock(), delay_s, max(1, self.open_sessions())))
        self._forget_old()

    def median_s(self) -> float | None:
        """The median delay of the window's replies; None while too few say anything."""
        recent = self._window()
        return None if recent is None else statistics.median(delay for _, delay, _ in recent)

    def projected_s(self, sessions: int) -> float | None:
        """The delay to expect with `sessions` open: the median per-session cost, scaled."""
        recent = self._window()
        if recent is None:
            return None
        return sessions * statistics.median(delay / n for _, delay, n in recent)

    def admits_another(self) -> bool:
        """Whether one more session would keep replies within the bound."""
        projected = self.projected_s(self.open_sessions() + 1)
        return self.bound_s <= 0 or projected is None or projected <= self.bound_s

    @property
    def overloaded(self) -> bool:
        """New sessions are being refused for the load (what /healthz shows)."""
        return not self.admits_another()

    def record_turn_metrics(self, event: dict[str, Any]) -> None:
        """Take the delay from a `voice_agent.turn.metrics` event (replies with no audio,
        cancelled before it, say nothing)."""
        durations = event.get("durations_ms")
        total = durations.get("total_to_first_audio") if isinstance(durations, dict) else None
        if isinstance(total, int | float):
            self.record(total / 1000)

    def _window(self) -> deque[tuple[float, float, int]] | None:
        """The last `WINDOW_S` seconds' replies; None while too few to say anything."""
        self._forget_old()
        return self._recent if len(self._recent) >= MIN_REPLIES else None

    def _forget_old(self) -> None:
        horizon = self.clock() - WINDOW_S
        while self._recent and self._recent[0][0] < horizon:
            self._recent.popleft()
