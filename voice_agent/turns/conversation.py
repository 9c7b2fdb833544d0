"""The conversation a session holds: items in order, and what of each reply was heard."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from voice_agent.engines.base import Message
from voice_agent.realtime.protocol import new_id
from voice_agent.text import truncate_to_fraction


@dataclass
class Segment:
    """One spoken clause of a reply and where its audio sits on the reply's timeline."""

    text: str
    start_ms: float
    end_ms: float


def text_heard(segments: list[Segment], cut_ms: float) -> str:
    """The reply text whose audio lies before `cut_ms`; a clause cut midway keeps
    the share of its words that matches the share of its audio."""
    words = []
    for segment in segments:
        if segment.end_ms <= cut_ms + 0.5:  # sums of chunk durations drift by float error
            words.append(segment.text)
            continue
        if segment.start_ms < cut_ms:
            fraction = (cut_ms - segment.start_ms) / max(segment.end_ms - segment.start_ms, 1e-6)
            if partial := truncate_to_fraction(segment.text, fraction):
                words.append(partial)
        break
    return " ".join(words)


@dataclass
class Item:
    role: str  # 'user' | 'assistant' | 'system'
    text: str = ""
    id: str = field(default_factory=lambda: new_id("item"))
    from_audio: bool = False  # user speech: `text` is its transcript once `transcription` ends
    transcription: asyncio.Task[str] | None = None
    transcribed_at: float | None = None  # monotonic time its transcript became final
    status: str = "completed"
    segments: list[Segment] = field(default_factory=list)

    @property
    def audio_ms(self) -> float:
        return self.segments[-1].end_ms if self.segments else 0.0

    def cut(self, cut_ms: float) -> None:
        """Keep only what was heard before `cut_ms`; the item's audio then ends there, so
        a later cut can shorten it further but never bring words back."""
        self.text = text_heard(self.segments, cut_ms)
        kept = [s for s in self.segments if s.start_ms < cut_ms]
        if kept and kept[-1].end_ms > cut_ms:
            last = kept[-1]
            partial = text_heard([last], cut_ms)
            kept[-1] = Segment(partial, last.start_ms, cut_ms)
            if not partial:
                kept.pop()
        self.segments = kept

    def to_wire(self) -> dict[str, Any]:
        if self.role == "assistant":
            content = [{"type": "output_audio", "transcript": self.text}]
        elif self.from_audio:
            pending = self.transcription is not None and not self.transcription.done()
            content = [{"type": "input_audio", "transcript": None if pending else self.text}]
        else:
            content = [{"type": "input_text", "text": self.text}]
        return {
            "id": self.id,
            "object": "realtime.item",
            "type": "message",
            "role": self.role,
            "status": self.status,
            "content": content,
        }


class Conversation:
    def __init__(self, max_items: int = 200) -> None:
        self.items: list[Item] = []
        self._max_items = max_items

    def add(self, item: Item) -> str | None:
        """Append an item; returns the id of the item before it."""
        previous = self.items[-1].id if self.items else None
        self.items.append(item)
        if len(self.items) > self._max_items:  # bound memory on very long sessions
            del self.items[0]
        return previous

    def get(self, item_id: Any) -> Item | None:
        return next((item for item in self.items if item.id == item_id), None)

    def remove(self, item_id: str) -> bool:
        item = self.get(item_id)
        if item is None:
            return False
        self.items.remove(item)
        return True

    async def settled(self) -> None:
        """Wait until every user utterance has its transcript."""
        pending = [
            i.transcription for i in self.items if i.transcription and not i.transcription.done()
        ]
        if pending:
            await asyncio.wait(pending)

    def last_transcribed_at(self) -> float | None:
        times = [item.transcribed_at for item in self.items if item.transcribed_at is not None]
        return times[-1] if times else None

    def messages(self) -> tuple[Message, ...]:
        return tuple(Message(item.role, item.text) for item in self.items if item.text.strip())
