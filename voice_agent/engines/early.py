"""Work a session starts when the user pauses, before the VAD confirms the turn is over.

After `early_transcript_ms` of silence the turn has probably ended, so Whisper starts on
the audio so far and, with it, the reply: the LLM and TTS write and speak the first
clauses into a buffer. If the silence lasts to `silence_duration_ms`, the turn ends at
the same audio offset and all of it is used; if the user speaks again, it is dropped.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from voice_agent.engines.base import Message, ReplyEvent
from voice_agent.streams import Started


@dataclass(frozen=True)
class Transcript:
    text: str
    at: float = field(default_factory=time.monotonic)  # when it became final


@dataclass
class EarlyStart:
    sample: int  # stream offset where the silence began: its 'stopped' edge has the same
    transcript: asyncio.Task[Transcript]
    prior: tuple[Message, ...]  # the conversation before this turn, at the pause
    reply: Started[ReplyEvent] | None = None

    def history(self, transcript: Transcript) -> tuple[Message, ...]:
        """What the early reply answers: the conversation then, and this turn."""
        return (*self.prior, Message("user", transcript.text))

    def reply_for(self, history: tuple[Message, ...]) -> Started[ReplyEvent] | None:
        """The early reply, if it answers exactly this history; then it is handed over."""
        done = self.transcript.done() and not self.transcript.cancelled()
        if not done or self.history(self.transcript.result()) != history:
            return None
        reply = self.reply
        if reply is not None:
            self.reply = None
        return reply

    async def close_reply(self) -> None:
        if self.reply is not None:
            reply, self.reply = self.reply, None
            await reply.aclose()

    async def discard(self) -> None:
        await self.close_reply()
        self.transcript.cancel()
