"""A reply begun when the user pauses, before the VAD confirms the turn is over.

After `early_reply_ms` of silence the turn has probably ended, so the engine starts on
the audio so far (the cascade's Whisper, LLM and first clauses go into a buffer). If
the silence lasts to `silence_duration_ms`, the turn ends at the same audio offset and
the buffered reply is sent at once; if the user speaks again, or the conversation
changed meanwhile, it is dropped. Any engine gets this head start: it is only a turn
handed over early and maybe thrown away.
"""

from __future__ import annotations

from collections.abc import Hashable

from voice_agent.engines.base import EngineEvent
from voice_agent.streams import Started


class EarlyReply:
    def __init__(self, sample: int, prior: Hashable, events: Started[EngineEvent]) -> None:
        self.sample = sample  # stream offset where the silence began
        self.prior = prior  # the conversation it answers, before this turn
        self._events: Started[EngineEvent] | None = events

    def answers(self, sample: int, prior: Hashable) -> bool:
        """Whether it answers the turn that ended at `sample` after conversation `prior`."""
        return self._events is not None and sample == self.sample and prior == self.prior

    def take(self) -> Started[EngineEvent]:
        events, self._events = self._events, None
        assert events is not None, "an early reply is taken once"
        return events

    async def discard(self) -> None:
        if self._events is not None:
            events, self._events = self._events, None
            await events.aclose()
