"""The session's sense of time. Production uses the event loop's monotonic clock; tests
pass a `VirtualClock` so that pacing and timeouts run on virtual time, not sleeps."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds on a monotonic clock (the same clock as `time.monotonic` in production)."""
        ...

    async def sleep(self, seconds: float) -> None: ...


class MonotonicClock:
    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class VirtualClock:
    """Time that moves only when told to. Sleepers wake in deadline order as `advance`
    passes their deadlines; each wake-up gets the event loop to itself before the next."""

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def now(self) -> float:
        return self._now

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        wake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now + seconds, next(self._order), wake))
        await wake

    @property
    def next_deadline(self) -> float | None:
        while self._sleepers and self._sleepers[0][2].done():  # cancelled sleepers
            heapq.heappop(self._sleepers)
        return self._sleepers[0][0] if self._sleepers else None

    async def advance(self, seconds: float) -> None:
        """Move time forward by `seconds`, waking every sleeper whose deadline passes."""
        target = self._now + seconds
        while (deadline := self.next_deadline) is not None and deadline <= target:
            _, _, wake = heapq.heappop(self._sleepers)
            self._now = max(self._now, deadline)
            wake.set_result(None)
            await settle()
        self._now = target
        await settle()


async def settle(rounds: int = 20) -> None:
    """Let every task that is ready run until it waits on something else."""
    for _ in range(rounds):
        await asyncio.sleep(0)
