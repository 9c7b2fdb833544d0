"""The conversation a session holds: items in order, and what of each reply was heard."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from voice_agent.engines.base import FunctionCall, HistoryItem
from voice_agent.realtime import server_events
from voice_agent.realtime.client_events import ItemSpec
from voice_agent.realtime.protocol import ProtocolError, new_id
from voice_agent.realtime.server_events import ItemKind
from voice_agent.text import truncate_to_fraction


@dataclass
class Segment:
    """A stretch of a reply's audio and the text it says, on the reply's timeline."""

    text: str
    start_ms: float
    end_ms: float


def text_heard(segments: list[Segment], cut_ms: float) -> str:
    """The reply text whose audio lies before `cut_ms`; a segment cut midway keeps
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
    return " ".join(word for word in words if word)


@dataclass
class Item:
    role: str  # 'user' | 'assistant' | 'system' | 'tool' (a function's result)
    text: str | None = ""  # None: user speech not transcribed (yet); a result: its output
    id: str = field(default_factory=lambda: new_id("item"))
    audio: np.ndarray | None = field(default=None, repr=False)  # user speech, until transcribed
    from_audio: bool = False
    status: str = "completed"
    segments: list[Segment] = field(default_factory=list)  # a reply: what its audio says
    unspoken: str = ""  # a reply: text the engine wrote that no audio has carried yet
    spoken: bool = True  # a reply: audio with its transcript, or (False) text alone
    call: FunctionCall | None = None  # the assistant's function call this item is
    call_id: str | None = None  # a function's result: the call it answers

    @classmethod
    def from_spec(cls, spec: ItemSpec) -> Item:
        """An item a client made (`conversation.item.create`, a response's `input`)."""
        call = None
        if spec.kind == "function_call":
            assert spec.call_id and spec.name and spec.arguments is not None
            call = FunctionCall(spec.call_id, spec.name, spec.arguments)
        item = cls(spec.role, spec.text, call=call, call_id=spec.call_id if call is None else None)
        if spec.requested_id:
            item.id = spec.requested_id
        return item

    @classmethod
    def speech(cls, item_id: str, audio16k: np.ndarray) -> Item:
        return cls("user", None, item_id, audio16k, from_audio=True)

    @property
    def audio_ms(self) -> float:
        return self.segments[-1].end_ms if self.segments else 0.0

    def transcribed(self, text: str) -> None:
        self.text, self.audio = text, None

    def add_audio(self, text: str, start_ms: float, end_ms: float) -> None:
        """A reply: audio from `start_ms` to `end_ms` that says `text` (with any text written
        before it that no audio carried yet)."""
        spoken = " ".join(part for part in (self.unspoken.strip(), text.strip()) if part)
        self.unspoken = ""
        self.segments.append(Segment(spoken, start_ms, end_ms))

    def spoken_text(self) -> str:
        """A reply's whole text: what its audio says, and text written after the last audio."""
        parts = [s.text for s in self.segments if s.text] + [self.unspoken.strip()]
        return " ".join(part for part in parts if part)

    def cut(self, cut_ms: float) -> None:
        """Keep only what was heard before `cut_ms`; the item's audio then ends there, so
        a later cut can shorten it further but never bring words back."""
        self.text = text_heard(self.segments, cut_ms)
        self.unspoken = ""
        kept = [s for s in self.segments if s.start_ms < cut_ms]
        if kept and kept[-1].end_ms > cut_ms:
            last = kept[-1]
            partial = text_heard([last], cut_ms)
            kept[-1] = Segment(partial, last.start_ms, cut_ms)
            if not partial:
                kept.pop()
        self.segments = kept

    def to_wire(self) -> dict[str, Any]:
        if self.call is not None:
            call = self.call
            # As OpenAI's: a call in progress shows no arguments; its delta events bring them.
            arguments = call.arguments if self.status == "completed" else ""
            return server_events.function_call_item(
                self.id, self.status, call.call_id, call.name, arguments
            )
        if self.role == "tool":
            return server_events.function_output_item(self.id, self.call_id or "", self.text or "")
        kind: ItemKind
        if self.role == "assistant":
            kind = "assistant_audio" if self.spoken else "assistant_text"
        else:
            kind = "user_audio" if self.from_audio else "text"
        return server_events.item(self.id, self.role, self.status, kind, self.text)

    def for_engine(self) -> HistoryItem:
        return HistoryItem(self.id, self.role, self.text, self.audio, self.call, self.call_id)


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

    def history(self) -> tuple[HistoryItem, ...]:
        """What an engine answers: every item with something in it, oldest first."""
        return tuple(
            item.for_engine()
            for item in self.items
            if item.audio is not None
            or item.call is not None
            or (item.text is not None and item.text.strip())
        )

    def has_call(self, call_id: str) -> bool:
        return any(item.call is not None and item.call.call_id == call_id for item in self.items)

    def item_from_client(self, spec: ItemSpec) -> Item:
        """A client's new item, checked against the conversation: a function's result must
        answer a call in it; a requested id already in use is not reused."""
        if spec.kind == "function_call_output" and not self.has_call(spec.call_id or ""):
            raise ProtocolError(
                "invalid_value",
                f"no function_call with call_id {spec.call_id!r} in this conversation; a "
                "function_call_output answers a call the assistant made",
                "item.call_id",
            )
        item = Item.from_spec(spec)
        if self.get(item.id):
            item.id = new_id("item")
        return item

    def key(self) -> tuple[tuple[str, str | None], ...]:
        """Identifies the history an early reply answered: ids and texts, not the audio."""
        return tuple((item.id, item.text) for item in self.history())
