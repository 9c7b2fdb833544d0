"""One small OpenAI Realtime client, shared by the bench, `voice-agent talk` and the tests.

- `ClientEvent` / `ServerEvent`: the event names, GA, with the beta aliases a server may
  send instead (`response.audio.delta` for `response.output_audio.delta`, ...).
- Builders for every client event our clients send (`append_audio`, `text_item`, ...).
- Readers for server events (`parse_event`, `delta_audio`, `response_id`, `reply_audio`).
- `EventLog`: server events timestamped on arrival; callers wait for one without polling.
- `RealtimeConnection`: a WebSocket (aiohttp) that feeds an `EventLog`.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
import numpy as np

from voice_agent.audio import float_to_pcm16, pcm16_to_float

Event = dict[str, Any]
T = TypeVar("T")


class ClientEvent:
    SESSION_UPDATE = "session.update"
    INPUT_AUDIO_APPEND = "input_audio_buffer.append"
    INPUT_AUDIO_COMMIT = "input_audio_buffer.commit"
    INPUT_AUDIO_CLEAR = "input_audio_buffer.clear"
    ITEM_CREATE = "conversation.item.create"
    ITEM_TRUNCATE = "conversation.item.truncate"
    RESPONSE_CREATE = "response.create"
    RESPONSE_CANCEL = "response.cancel"
    OUTPUT_AUDIO_CLEAR = "output_audio_buffer.clear"  # WebRTC only


class ServerEvent:
    ERROR = "error"
    SESSION_CREATED = "session.created"
    SESSION_UPDATED = "session.updated"
    SPEECH_STARTED = "input_audio_buffer.speech_started"
    SPEECH_STOPPED = "input_audio_buffer.speech_stopped"
    INPUT_COMMITTED = "input_audio_buffer.committed"
    INPUT_CLEARED = "input_audio_buffer.cleared"
    ITEM_CREATED = "conversation.item.created"
    ITEM_TRUNCATED = "conversation.item.truncated"
    INPUT_TRANSCRIPT_DELTA = "conversation.item.input_audio_transcription.delta"
    INPUT_TRANSCRIPT_DONE = "conversation.item.input_audio_transcription.completed"
    INPUT_TRANSCRIPT_FAILED = "conversation.item.input_audio_transcription.failed"
    RESPONSE_CREATED = "response.created"
    OUTPUT_ITEM_ADDED = "response.output_item.added"
    OUTPUT_ITEM_DONE = "response.output_item.done"
    AUDIO_DELTA = "response.output_audio.delta"
    AUDIO_DONE = "response.output_audio.done"
    TRANSCRIPT_DELTA = "response.output_audio_transcript.delta"
    TRANSCRIPT_DONE = "response.output_audio_transcript.done"
    RESPONSE_DONE = "response.done"
    OUTPUT_AUDIO_STARTED = "output_audio_buffer.started"  # WebRTC only, as the next two
    OUTPUT_AUDIO_STOPPED = "output_audio_buffer.stopped"
    OUTPUT_AUDIO_CLEARED = "output_audio_buffer.cleared"
    TURN_METRICS = "voice_agent.turn.metrics"  # this server's own, one per reply
    # The beta protocol's names (header `OpenAI-Beta: realtime=v1`).
    BETA_AUDIO_DELTA = "response.audio.delta"
    BETA_AUDIO_DONE = "response.audio.done"
    BETA_TRANSCRIPT_DELTA = "response.audio_transcript.delta"
    BETA_TRANSCRIPT_DONE = "response.audio_transcript.done"
    # Either name of the same event.
    AUDIO_DELTAS = frozenset({AUDIO_DELTA, BETA_AUDIO_DELTA})
    TRANSCRIPT_DELTAS = frozenset({TRANSCRIPT_DELTA, BETA_TRANSCRIPT_DELTA})


# ---- client events ---------------------------------------------------------------------


def pcm_session(
    rate: int, *, manual_turns: bool = False, instructions: str | None = None
) -> dict[str, Any]:
    """A GA session config: PCM16 at `rate` both ways; `manual_turns` turns the VAD off."""
    pcm = {"type": "audio/pcm", "rate": rate}
    audio: dict[str, Any] = {"input": {"format": pcm}, "output": {"format": pcm}}
    if manual_turns:
        audio["input"]["turn_detection"] = None
    session: dict[str, Any] = {"type": "realtime", "audio": audio}
    if instructions:
        session["instructions"] = instructions
    return session


def session_update(session: dict[str, Any]) -> Event:
    return {"type": ClientEvent.SESSION_UPDATE, "session": session}


KEY_VARIABLE = "VOICE_AGENT_API_KEY"


def auth_headers() -> dict[str, str]:
    """The bearer our clients send when the environment holds the server's key (never a flag,
    so it does not show in `ps`)."""
    key = os.environ.get(KEY_VARIABLE, "")
    return {"Authorization": f"Bearer {key}"} if key else {}


def append_pcm(pcm: bytes) -> Event:
    return {"type": ClientEvent.INPUT_AUDIO_APPEND, "audio": base64.b64encode(pcm).decode()}


def append_audio(audio: np.ndarray) -> Event:
    """Float samples in [-1, 1] as PCM16, at the session's input rate."""
    return append_pcm(float_to_pcm16(audio))


def commit() -> Event:
    return {"type": ClientEvent.INPUT_AUDIO_COMMIT}


def clear_input() -> Event:
    return {"type": ClientEvent.INPUT_AUDIO_CLEAR}


def text_item(text: str, role: str = "user") -> Event:
    return {
        "type": ClientEvent.ITEM_CREATE,
        "item": {
            "type": "message",
            "role": role,
            "content": [{"type": "input_text", "text": text}],
        },
    }


def response_create(**response: Any) -> Event:
    """`response.create`, with per-response settings (e.g. `instructions=`) if given."""
    event: Event = {"type": ClientEvent.RESPONSE_CREATE}
    if response:
        event["response"] = response
    return event


def response_cancel() -> Event:
    return {"type": ClientEvent.RESPONSE_CANCEL}


def truncate(item_id: str, audio_end_ms: int, content_index: int = 0) -> Event:
    """Tell the server only the first `audio_end_ms` of an assistant item were played."""
    return {
        "type": ClientEvent.ITEM_TRUNCATE,
        "item_id": item_id,
        "content_index": content_index,
        "audio_end_ms": audio_end_ms,
    }


def clear_output() -> Event:
    return {"type": ClientEvent.OUTPUT_AUDIO_CLEAR}


# ---- server events ---------------------------------------------------------------------


def parse_event(data: str | bytes) -> Event | None:
    """A server message as an event, or None when it is not a JSON object with a type."""
    try:
        event = json.loads(data)
    except ValueError:
        return None
    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
        return None
    return event


def delta_audio(event: Event) -> np.ndarray:
    """An audio delta's samples as float32 (raises ValueError on bad base64 or PCM)."""
    return pcm16_to_float(base64.b64decode(event.get("delta", "")))


def response_id(event: Event) -> str | None:
    """The reply an event belongs to (`response.created` / `.done` carry it inside)."""
    if isinstance(event.get("response"), dict):
        return event["response"].get("id")
    return event.get("response_id")


def response_status(event: Event) -> str | None:
    return (event.get("response") or {}).get("status")


def error_code(event: Event) -> str | None:
    return (event.get("error") or {}).get("code")


def reply_audio(events: Iterable[Event], reply: str) -> np.ndarray:
    """All of one reply's audio deltas, concatenated."""
    chunks = [
        delta_audio(e)
        for e in events
        if e["type"] in ServerEvent.AUDIO_DELTAS and e.get("response_id") == reply
    ]
    return np.concatenate(chunks) if chunks else np.zeros(0, np.float32)


def reply_text(events: Iterable[Event], reply: str) -> str:
    """All of one reply's audio transcript deltas, joined."""
    return "".join(
        str(e.get("delta", ""))
        for e in events
        if e["type"] in ServerEvent.TRANSCRIPT_DELTAS and e.get("response_id") == reply
    )


# ---- waiting on events -----------------------------------------------------------------


class ConnectionClosed(ConnectionError):
    """The connection ended before what was awaited arrived."""


@dataclass
class Received:
    at: float  # time.monotonic() on arrival
    event: Event


class EventLog:
    """Server events in arrival order; `wait` wakes on each new one (no polling)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.closed_reason: str | None = None
        self._changed = asyncio.Event()

    @property
    def events(self) -> list[Event]:
        return [r.event for r in self.received]

    def add(self, event: Event) -> Received:
        record = Received(time.monotonic(), event)
        self.received.append(record)
        self._wake()
        return record

    def end(self, reason: str) -> None:
        """No more events will come (the connection is gone); waiters stop waiting."""
        self.closed_reason = self.closed_reason or reason
        self._wake()

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()  # waiters hold the one that was just set

    def of_type(self, *kinds: str) -> list[Event]:
        return [r.event for r in self.received if r.event["type"] in kinds]

    async def wait(self, found: Callable[[], T | None], timeout: float, what: str = "") -> T:
        """Wait until `found()` returns something other than None, and return it.

        Raises TimeoutError after `timeout` s, ConnectionClosed once the log has ended."""
        deadline = time.monotonic() + timeout
        while True:
            result = found()
            if result is not None:
                return result
            changed = self._changed
            if self.closed_reason is not None:
                raise ConnectionClosed(f"{what or 'event'}: {self.closed_reason}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                seen = [r.event["type"] for r in self.received[-30:]]
                raise TimeoutError(f"no {what or 'event'} within {timeout} s; last: {seen}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    async def wait_for(
        self, kind: str, timeout: float = 60.0, count: int = 1, **match: Any
    ) -> Event:
        """The `count`-th event of `kind` whose top-level fields equal `match`."""

        def found() -> Event | None:
            hits = [e for e in self.of_type(kind) if all(e.get(k) == v for k, v in match.items())]
            return hits[count - 1] if len(hits) >= count else None

        return await self.wait(found, timeout, f"{kind} {match or ''}".strip())


# ---- the WebSocket ---------------------------------------------------------------------


class RealtimeConnection(EventLog):
    """One Realtime WebSocket session: everything the server sends is logged."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, http: aiohttp.ClientSession) -> None:
        super().__init__()
        self.ws = ws
        self._http = http
        self.protocol_errors = 0  # messages that were not event objects
        self.closed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def connect(cls, url: str, **ws_options: Any) -> RealtimeConnection:
        """Connect to `ws://host:port/v1/realtime[?model=...]` (aiohttp ws_connect options)."""
        http = aiohttp.ClientSession(headers=auth_headers())
        try:
            ws = await http.ws_connect(url, **{"max_msg_size": 0, **ws_options})
        except BaseException:
            await http.close()
            raise
        return cls(ws, http)

    async def _read(self) -> None:
        try:
            async for message in self.ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    continue
                event = parse_event(message.data)
                if event is None:
                    self.protocol_errors += 1
                else:
                    self.add(event)
        finally:
            self.closed.set()
            self.end("connection closed by the server")

    async def send(self, event: Event) -> None:
        await self.ws.send_str(json.dumps(event))

    async def send_raw(self, data: str) -> None:
        await self.ws.send_str(data)

    async def append(self, audio: np.ndarray) -> None:
        await self.send(append_audio(audio))

    async def stream(
        self, audio: np.ndarray, rate: int = 24_000, realtime: bool = True, chunk_s: float = 0.02
    ) -> None:
        """Send audio in `chunk_s` chunks; with `realtime`, at the pace a microphone would."""
        step = int(rate * chunk_s)
        start = time.monotonic()
        for i, offset in enumerate(range(0, len(audio), step)):
            await self.append(audio[offset : offset + step])
            if realtime:
                await asyncio.sleep(max(0.0, start + (i + 1) * chunk_s - time.monotonic()))

    async def configure(self, session: dict[str, Any], timeout: float = 60.0) -> Event:
        """Send a session.update once the session exists; return its session.updated."""
        await self.wait_for(ServerEvent.SESSION_CREATED, timeout)
        count = len(self.of_type(ServerEvent.SESSION_UPDATED))
        await self.send(session_update(session))
        return await self.wait_for(ServerEvent.SESSION_UPDATED, timeout, count=count + 1)

    def response_audio(self, reply: str) -> np.ndarray:
        return reply_audio(self.events, reply)

    def response_text(self, reply: str) -> str:
        return reply_text(self.events, reply)

    async def close(self) -> None:
        await self.ws.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader
        await self._http.close()
