"""A plain Realtime-protocol WebSocket client for end-to-end tests (aiohttp, no SDK)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
from typing import Any

import aiohttp
import numpy as np

from voice_agent.audio import float_to_pcm16, pcm16_to_float

CHUNK_S = 0.02


class RealtimeClient:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse, http: aiohttp.ClientSession) -> None:
        self.ws = ws
        self._http = http
        self.events: list[dict[str, Any]] = []
        self.received_at: list[float] = []
        self._changed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())
        self.closed = asyncio.Event()

    @classmethod
    async def connect(cls, url: str, **kwargs: Any) -> RealtimeClient:
        http = aiohttp.ClientSession()
        ws = await http.ws_connect(url, max_msg_size=64 * 1024 * 1024, **kwargs)
        return cls(ws, http)

    async def _read(self) -> None:
        try:
            async for message in self.ws:
                if message.type == aiohttp.WSMsgType.TEXT:
                    self.events.append(json.loads(message.data))
                    self.received_at.append(time.monotonic())
                    self._changed.set()
        finally:
            self.closed.set()
            self._changed.set()

    async def send(self, event: dict[str, Any]) -> None:
        await self.ws.send_str(json.dumps(event))

    async def send_raw(self, data: str) -> None:
        await self.ws.send_str(data)

    async def append(self, audio: np.ndarray) -> None:
        await self.send(
            {
                "type": "input_audio_buffer.append",
                "audio": base64.b64encode(float_to_pcm16(audio)).decode(),
            }
        )

    async def stream(self, audio: np.ndarray, rate: int = 24_000, realtime: bool = True) -> None:
        """Send audio in 20 ms chunks, at the pace a microphone would."""
        step = int(rate * CHUNK_S)
        start = time.monotonic()
        for i, offset in enumerate(range(0, len(audio), step)):
            await self.append(audio[offset : offset + step])
            if realtime:
                delay = start + (i + 1) * CHUNK_S - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)

    async def configure(self, session: dict[str, Any]) -> dict[str, Any]:
        """Send a session.update once the session exists; return the session.updated."""
        await self.wait_for("session.created")
        count = len(self.of_type("session.updated"))
        await self.send({"type": "session.update", "session": session})
        return await self.wait_for("session.updated", count=count + 1)

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == kind]

    async def wait_for(
        self, kind: str, timeout: float = 60.0, count: int = 1, **match: Any
    ) -> dict[str, Any]:
        """Wait until `count` events of `kind` (with the given top-level fields) have arrived."""
        deadline = time.monotonic() + timeout
        while True:
            found = [e for e in self.of_type(kind) if all(e.get(k) == v for k, v in match.items())]
            if len(found) >= count:
                return found[count - 1]
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.closed.is_set():
                seen = [e["type"] for e in self.events][-30:]
                raise AssertionError(
                    f"no {kind} {match or ''} within {timeout}s; last events: {seen}"
                )
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    def response_audio(self, response_id: str) -> np.ndarray:
        chunks = [
            pcm16_to_float(base64.b64decode(e["delta"]))
            for e in self.of_type("response.output_audio.delta")
            if e["response_id"] == response_id
        ]
        return np.concatenate(chunks) if chunks else np.zeros(0, np.float32)

    async def close(self) -> None:
        await self.ws.close()
        self._reader.cancel()
        await self._http.close()


def text_item(text: str, role: str = "user") -> dict[str, Any]:
    return {
        "type": "conversation.item.create",
        "item": {
            "type": "message",
            "role": role,
            "content": [{"type": "input_text", "text": text}],
        },
    }
