"""The conversation loop of `voice-agent talk`: microphone -> server -> speaker.

One WebSocket session at a time: the microphone streams continuously (as PCM16 at 24 kHz,
which every Realtime server accepts), reply audio is played as its deltas arrive, and a
barge-in silences the speaker locally before the server even hears it (a local Silero
VAD watches the mic while the assistant speaks), then tells the server how much of the
reply was heard (`conversation.item.truncate`). A lost or refused connection is retried
with backoff; the conversation then starts afresh (the server keeps no history for us).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp
import numpy as np

from voice_agent.audio import MODEL_RATE, StreamResampler, float_to_pcm16
from voice_agent.realtime import client as rt
from voice_agent.realtime.client import ServerEvent
from voice_agent.talk.state import TalkState, Turn

WIRE_RATE = 24_000


class Mic(Protocol):
    rate: int
    level: float
    blocks: asyncio.Queue[np.ndarray]

    def start(self) -> None: ...
    def close(self) -> None: ...


class Out(Protocol):
    rate: int
    last_reply: str | None
    first_audible: dict[str, float]

    @property
    def playing(self) -> bool: ...
    def start(self) -> None: ...
    def write(self, reply_id: str, samples: np.ndarray) -> None: ...
    def flush(self) -> None: ...
    def played_ms(self, reply_id: str) -> int: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class TalkOptions:
    url: str
    mode: str = "full-duplex"  # or "half-duplex", "push-to-talk"
    instructions: str | None = None
    max_attempts: int = 6  # connection attempts before giving up (backoff 1, 2, 4… s)


class ServerGone(Exception):
    """The connection ended; `refused` when the server said it is full."""

    def __init__(self, message: str, refused: bool = False) -> None:
        super().__init__(message)
        self.refused = refused


class TalkClient:
    def __init__(
        self,
        options: TalkOptions,
        mic: Mic,
        speaker: Out,
        state: TalkState,
        vad: Any | None = None,
        on_turn_done: Any = None,
    ) -> None:
        self.options = options
        self.mic = mic
        self.speaker = speaker
        self.state = state
        self.vad = vad  # a SpeechDetector for local barge-in (full duplex only)
        self.on_turn_done = on_turn_done or (lambda turn: None)
        self.talking = options.mode != "push-to-talk"  # push-to-talk: only while toggled on
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._to_wire = StreamResampler(mic.rate, WIRE_RATE, "MQ")
        self._to_vad = StreamResampler(mic.rate, MODEL_RATE, "MQ")
        self._to_speaker: dict[str, StreamResampler] = {}
        self._silenced: set[str] = set()  # replies cut short here: their late audio is dropped
        self._truncated: set[str] = set()  # replies whose heard length the server was told

    # ---- the session ---------------------------------------------------------------

    async def run(self) -> None:
        """Talk until cancelled; reconnect with backoff when the server goes away."""
        self.mic.start()
        self.speaker.start()
        failures = 0
        async with aiohttp.ClientSession(headers=rt.auth_headers()) as http:
            while True:
                try:
                    await self._session(http)
                    failures = 0
                except ServerGone as exc:
                    failures += 1
                    if failures >= self.options.max_attempts:
                        raise ServerGone(
                            f"{exc}; gave up after {failures} attempts", exc.refused
                        ) from None
                    delay = min(2 ** (failures - 1), 30)
                    self.state.connection = "busy" if exc.refused else "disconnected"
                    self.state.notice = f"{exc}; retrying in {delay} s"
                    await asyncio.sleep(delay)

    async def _session(self, http: aiohttp.ClientSession) -> None:
        self.state.connection = "connecting"
        try:
            self._ws = await http.ws_connect(self.options.url, heartbeat=20, max_msg_size=0)
        except (aiohttp.ClientError, OSError) as exc:
            raise ServerGone(f"cannot reach the server at {self.options.url} ({exc})") from None
        try:
            await self._configure()
            sender = asyncio.create_task(self._send_mic())
            try:
                await self._receive()
            finally:
                sender.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sender
        finally:
            await self._ws.close()
            self.speaker.flush()
            for turn in self.state.turns:  # replies of the lost session will never end
                turn.status = turn.status or "cancelled"

    async def _configure(self) -> None:
        session = rt.pcm_session(
            WIRE_RATE,
            manual_turns=self.options.mode == "push-to-talk",
            instructions=self.options.instructions,
        )
        await self.send(rt.session_update(session))

    async def send(self, event: dict[str, Any]) -> None:
        if self._ws is not None and not self._ws.closed:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self._ws.send_str(json.dumps(event))

    async def _receive(self) -> None:
        assert self._ws is not None
        async for message in self._ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            event = rt.parse_event(message.data)
            if event is not None:
                await self._on_event(event)
        if self._ws.close_code == 1013 or self.state.connection == "busy":
            raise ServerGone("the server is busy (all its sessions are in use)", refused=True)
        raise ServerGone("the server closed the connection")

    async def _on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == ServerEvent.SESSION_CREATED:
            self.state.connection, self.state.notice = "connected", ""
            self.state.phase = "listening" if self.talking else "press space to talk"
            self.state.stream_start = None
            while not self.mic.blocks.empty():  # what was said while disconnected is stale
                self.mic.blocks.get_nowait()
        elif kind == ServerEvent.ERROR and rt.error_code(event) == "session_limit_reached":
            self.state.connection = "busy"
            return
        elif kind in ServerEvent.AUDIO_DELTAS:
            self._play(event)
            return
        elif kind == ServerEvent.SPEECH_STARTED and self.speaker.playing:
            await self.barge_in()  # the server heard it first (e.g. the local VAD is off)
        finished = self.state.on_event(event)
        if finished is not None:
            self.on_turn_done(finished)

    def _play(self, event: dict[str, Any]) -> None:
        reply_id = str(event.get("response_id"))
        if reply_id in self._silenced:
            return
        try:
            samples = rt.delta_audio(event)
        except ValueError:
            return
        resampler = self._to_speaker.setdefault(
            reply_id, StreamResampler(WIRE_RATE, self.speaker.rate, "MQ")
        )
        self.speaker.write(reply_id, resampler.process(samples))

    # ---- the microphone ------------------------------------------------------------

    async def _send_mic(self) -> None:
        was_playing = False
        while True:
            block = await self.mic.blocks.get()
            self.state.mic_level = self.mic.level
            if self.state.stream_start is None:
                self.state.stream_start = time.monotonic() - len(block) / self.mic.rate
            playing = self.speaker.playing
            if self.vad is not None and playing:
                if not was_playing:
                    self.vad.reset()  # here, not in barge_in: process() may be running
                edges = await asyncio.to_thread(self.vad.process, self._to_vad.process(block))
                if any(edge.kind == "started" for edge in edges):
                    await self.barge_in()
            was_playing = playing
            if self.options.mode == "push-to-talk" and not self.talking:
                continue  # with turn detection off the server would keep all of it
            muted = not self.talking or (
                self.options.mode == "half-duplex"
                and (self.speaker.playing or self.state.active_response is not None)
            )
            # Muted, the stream goes on as silence, so the server's clock and VAD stay right.
            audio = np.zeros_like(block) if muted else block
            wire = float_to_pcm16(self._to_wire.process(audio))
            if wire:
                await self.send(rt.append_pcm(wire))
            self._note_latency()

    def _note_latency(self) -> None:
        for turn in self.state.turns[-3:]:
            heard = self.speaker.first_audible.get(turn.response_id or "")
            if turn.latency_ms is None and heard is not None and turn.speech_end_at is not None:
                turn.latency_ms = max(0.0, (heard - turn.speech_end_at) * 1000)

    # ---- the user's controls ---------------------------------------------------------

    async def barge_in(self) -> None:
        """Silence the reply now; tell the server what was heard and to stop."""
        playing = self.speaker.last_reply if self.speaker.playing else None
        self.speaker.flush()
        active = self.state.active_response
        if active is not None and active not in self._silenced:
            self._silenced.add(active)  # still thinking or speaking: stop it
            await self.send(rt.response_cancel())
        if playing is None or playing in self._truncated:
            return
        self._silenced.add(playing)
        self._truncated.add(playing)
        turn = self.state.turn_for("response_id", playing)
        heard = self.speaker.played_ms(playing)
        if turn is not None:
            turn.interrupted_at_ms = heard
            if turn.assistant_item_id:
                await self.send(rt.truncate(turn.assistant_item_id, heard))

    async def space(self) -> None:
        """The one key: barge in (half duplex), or start/stop talking (push-to-talk)."""
        if self.speaker.playing or self.state.active_response:
            await self.barge_in()
        if self.options.mode != "push-to-talk":
            return
        if not self.talking:
            await self.send(rt.clear_input())
            self.talking, self.state.phase = True, "talking (space to send)"
        else:
            self.talking, self.state.phase = False, "thinking"
            await self.send(rt.commit())
            await self.send(rt.response_create())
            self.state.turns.append(Turn(speech_end_at=time.monotonic()))

    def close(self) -> None:
        self.mic.close()
        self.speaker.close()
