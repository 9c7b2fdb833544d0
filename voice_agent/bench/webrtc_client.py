"""The benchmark over WebRTC: the same turns and figures as over the WebSocket.

The prompt audio goes out on an Opus track in 20 ms frames at real-time pace; the reply
comes back on the server's track. Each received frame is recorded as if it were a
`response.output_audio.delta` of the reply whose `output_audio_buffer.started` came last,
so every measurement of `BenchSession` applies unchanged, timed at the frame's arrival.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import av
import numpy as np
from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError

from voice_agent.audio import StreamResampler, float_to_pcm16
from voice_agent.bench.client import AUDIBLE_RMS, BenchSession
from voice_agent.bench.corpus import RATE
from voice_agent.bench.turn import TURN_DETECTIONS, TurnFailed
from voice_agent.gateway.webrtc_audio import FRAME_SAMPLES, TRACK_RATE, frame_to_mono, make_frame
from voice_agent.realtime.client import ServerEvent, auth_headers, parse_event, session_update


def calls_url(url: str) -> str:
    """`ws://host:port/v1/realtime?x` -> `http://host:port/v1/realtime/calls?x`."""
    parts = urlsplit(url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    path = parts.path.rstrip("/")
    path = path if path.endswith("/calls") else path + "/calls"
    return urlunsplit((scheme, parts.netloc, path, parts.query, ""))


class MicTrack(MediaStreamTrack):
    """Hands the bench microphone's chunks (already paced) to aiortc as 48 kHz frames."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self._frames: asyncio.Queue[np.ndarray] = asyncio.Queue()
        self._resampler = StreamResampler(RATE, TRACK_RATE)
        self._pending = np.zeros(0, np.int16)
        self._pts = 0

    def push(self, chunk: np.ndarray) -> None:
        pcm = np.frombuffer(float_to_pcm16(self._resampler.process(chunk)), np.int16)
        self._pending = np.concatenate([self._pending, pcm])
        while len(self._pending) >= FRAME_SAMPLES:
            self._frames.put_nowait(self._pending[:FRAME_SAMPLES])
            self._pending = self._pending[FRAME_SAMPLES:]

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        frame = make_frame(await self._frames.get(), self._pts)
        self._pts += FRAME_SAMPLES
        return frame


class WebRTCBenchSession(BenchSession):
    async def open(self) -> None:
        self._pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self._mic_track = MicTrack()
        self._playing: str | None = None  # reply whose audio the server's track carries
        self._playing_over = False  # its stopped/cleared came: only audible frames count now
        self._last_audible = 0.0
        self._tasks: list[asyncio.Task[None]] = []
        self._pc.addTrack(self._mic_track)
        self._channel = self._pc.createDataChannel("oai-events")
        opened = asyncio.get_running_loop().create_future()

        def on_open() -> None:
            if not opened.done():
                opened.set_result(None)

        self._channel.on("open", on_open)
        self._channel.on("message", self._on_message)
        self._pc.on("track", self._on_track)
        self._pc.on("connectionstatechange", self._on_state)
        try:
            await self._pc.setLocalDescription(await self._pc.createOffer())
            answer = await self._post_offer(self._pc.localDescription.sdp)
            await self._pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
            await asyncio.wait_for(opened, 15)
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            await self._pc.close()
            raise TurnFailed(f"connect failed: {exc or 'no data channel in 15 s'}") from exc
        except TurnFailed:
            await self._pc.close()
            raise
        if self.turn_detection:
            turn = {"audio": {"input": {"turn_detection": TURN_DETECTIONS[self.turn_detection]}}}
            await self._send(session_update({"type": "realtime", **turn}))
        self._mic.start()

    async def _post_offer(self, sdp: str) -> str:
        async with (
            aiohttp.ClientSession(headers=auth_headers()) as http,
            http.post(
                calls_url(self.url), data=sdp, headers={"Content-Type": "application/sdp"}
            ) as response,
        ):
            body = await response.text()
            if response.status != 201:
                raise TurnFailed(f"call refused: HTTP {response.status}: {body[:200]}")
            return body

    def _on_message(self, message: Any) -> None:
        event = parse_event(message)
        if event is None:
            self._protocol_errors += 1
            return
        if event["type"] == ServerEvent.OUTPUT_AUDIO_STARTED:
            self._playing, self._playing_over = event.get("response_id"), False
        elif event["type"] in (ServerEvent.OUTPUT_AUDIO_STOPPED, ServerEvent.OUTPUT_AUDIO_CLEARED):
            self._playing_over = True  # frames sent before it may still be on their way
        self.log.add(event)

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind == "audio":
            self._tasks.append(asyncio.create_task(self._read_track(track)))

    async def _read_track(self, track: MediaStreamTrack) -> None:
        resampler: StreamResampler | None = None
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            assert isinstance(frame, av.AudioFrame)  # an audio track's frames
            if resampler is None:
                resampler = StreamResampler(frame.sample_rate, RATE)
            audio = resampler.process(frame_to_mono(frame))
            if self._playing is None or not len(audio):
                continue
            audible = float(np.sqrt(np.mean(audio**2))) > AUDIBLE_RMS
            if audible:
                self._last_audible = time.monotonic()
            if audible or not self._playing_over:  # as if it had come as a delta
                delta = base64.b64encode(float_to_pcm16(audio)).decode()
                self.log.add(
                    {"type": ServerEvent.AUDIO_DELTA, "response_id": self._playing, "delta": delta}
                )

    async def turn(self, *args: Any, **kwargs: Any) -> Any:
        await self._output_idle()
        return await super().turn(*args, **kwargs)

    async def _output_idle(self, quiet_s: float = 0.3, limit_s: float = 10.0) -> None:
        """Let the last reply finish playing: its frames keep arriving after its
        `response.done`, since the server queues up to its output lead ahead."""
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            quiet = time.monotonic() - self._last_audible > quiet_s
            if self._playing is None or (self._playing_over and quiet):
                return
            await asyncio.sleep(FRAME_SAMPLES / TRACK_RATE)

    async def _on_state(self) -> None:
        if self._pc.connectionState in ("failed", "closed"):
            self.log.end(f"call {self._pc.connectionState}")

    async def _send(self, event: dict[str, Any]) -> None:
        if self._channel.readyState == "open":
            self._channel.send(json.dumps(event))

    async def _append(self, chunk: np.ndarray) -> None:
        self._mic_track.push(chunk)

    async def close(self) -> None:
        await self._mic.stop()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._pc.close()
