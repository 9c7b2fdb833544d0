"""The WebRTC transport: SDP offer/answer over HTTP, audio on tracks, events on a data channel.

As OpenAI's `POST /v1/realtime/calls`: the client posts its SDP offer (`application/sdp`, or
multipart with `sdp` and an optional `session` JSON), the server answers with SDP (201, call
id in `Location`). The caller's Opus track feeds the session; the reply goes out on a paced
track; JSON events travel on the `oai-events` data channel, as on the WebSocket, except
that reply audio is on the track rather than in `response.output_audio.delta` events.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import aioice.ice
from aiohttp import web
from aiortc import (
    RTCConfiguration,
    RTCDataChannel,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.sdp import SessionDescription

from voice_agent.config import ServerConfig
from voice_agent.gateway.access import AddressLimits, Grant, counted_refusal, refusal
from voice_agent.gateway.app_keys import ADDRESSES, CALLS, GRANT
from voice_agent.gateway.guard import SessionGuard
from voice_agent.gateway.runtime import Runtime, dispatch, enforce_deadlines
from voice_agent.gateway.webrtc_audio import ReplyAudioTrack, feed_track
from voice_agent.realtime import server_events
from voice_agent.realtime.client_events import parse_json
from voice_agent.realtime.protocol import ProtocolError, SessionConfig, error_event, new_id
from voice_agent.realtime.session_update import apply_session_update
from voice_agent.turns.session import Session

log = logging.getLogger(__name__)

EVENTS_CHANNEL = "oai-events"
CONNECT_TIMEOUT_S = 30.0  # a call whose media never connects is dropped after this
MAX_PENDING_EVENTS = 1000  # events held until the data channel opens
MAX_UNSENT_BYTES = 1 << 20  # events the caller has not taken off the data channel: then closed


def ice_servers(config: ServerConfig) -> list[RTCIceServer]:
    """STUN/TURN servers from the config (none by default: host candidates only)."""
    urls = [url.strip() for url in config.ice_servers.split(",") if url.strip()]
    return [
        RTCIceServer(
            url,
            username=config.ice_username or None,
            credential=config.ice_credential if url.startswith("turn") else None,
        )
        for url in urls
    ]


_host_addresses: list[str] | None = None  # what the process offers, once chosen


def restrict_host_addresses(addresses: str) -> None:
    """Offer only these local addresses as ICE host candidates. Loopback needs this:
    aioice skips 127.0.0.1. aioice has no per-connection setting for it (its `Connection`
    takes no address list and aiortc passes none), so its process-wide address lookup is
    replaced, once: the one place this process patches a library."""
    global _host_addresses
    chosen = [a.strip() for a in addresses.split(",") if a.strip()]
    if not chosen or chosen == _host_addresses:
        return
    if _host_addresses is not None:
        raise RuntimeError(
            f"ICE host addresses are already restricted to {_host_addresses} in this process"
        )
    _host_addresses = chosen

    def host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        return [a for a in chosen if (":" in a and use_ipv6) or (":" not in a and use_ipv4)]

    aioice.ice.get_host_addresses = host_addresses


class SdpError(ValueError):
    """The offer cannot be answered; the message says why, in words."""


class CallRefused(Exception):
    """The server has no room for another session: at its limit, overloaded or shutting down."""


@dataclass
class Call:
    """One WebRTC peer connection and the session it carries."""

    id: str
    pc: RTCPeerConnection
    output: ReplyAudioTrack = field(init=False)
    session: Session | None = None
    channel: RTCDataChannel | None = None
    pending: list[str] = field(default_factory=list)
    inbox: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    closed: bool = False
    # Audio and events both act on the session: one at a time, as over the WebSocket.
    turn_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    audio_error_at: float = float("-inf")  # when the last error about its audio was sent
    guard: SessionGuard | None = None
    address: str = ""  # the caller's, for the per-address limits
    on_slow_reader: Any = None  # called once when the caller stops taking events

    def __post_init__(self) -> None:
        self.output = ReplyAudioTrack(self._on_output_event)

    def _on_output_event(self, kind: str, response_id: str) -> None:
        self.send(server_events.output_buffer(kind, response_id))

    async def emit(self, event: dict[str, Any]) -> None:
        self.send(event)

    def send(self, event: dict[str, Any]) -> None:
        if self.closed:
            return
        if self.guard is not None:
            self.guard.saw(event)
        payload = json.dumps(event)
        if self.channel is not None and self.channel.readyState == "open":
            if self.channel.bufferedAmount > MAX_UNSENT_BYTES:
                if self.on_slow_reader is not None:
                    self.on_slow_reader, slow = None, self.on_slow_reader
                    slow()
                return
            self.channel.send(payload)
        elif len(self.pending) < MAX_PENDING_EVENTS:
            self.pending.append(payload)

    def spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)


class CallManager:
    def __init__(self, runtime: Runtime, addresses: AddressLimits) -> None:
        self.runtime = runtime
        self.calls: dict[str, Call] = {}
        self.addresses: AddressLimits = addresses
        restrict_host_addresses(runtime.config.ice_host_addresses)

    async def answer(self, offer_sdp: str, model: str | None, session_updates: list[Any]) -> Call:
        """Set up a call for this offer; raises `SdpError` if it cannot be answered.
        `session_updates` (the client secret's, the offer's) apply in order."""
        if "m=audio" not in offer_sdp:
            raise SdpError("the SDP offer has no audio media section (m=audio)")
        if "a=fingerprint:" not in offer_sdp:
            raise SdpError(
                "the SDP offer has no DTLS fingerprint (a=fingerprint), which WebRTC needs"
            )
        try:
            SessionDescription.parse(offer_sdp)
        except Exception as exc:  # the parser raises several kinds on bad SDP
            raise SdpError(f"the SDP offer could not be parsed: {exc!r}") from None
        if self.runtime.full:  # checked again: other offers may have been read meanwhile
            raise CallRefused
        pc = RTCPeerConnection(RTCConfiguration(iceServers=ice_servers(self.runtime.config)))
        guard = self.runtime.guard()
        call = Call(new_id("rtc"), pc, guard=guard)
        call.on_slow_reader = lambda: call.spawn(self._close_slow_reader(call))
        self.calls[call.id] = call
        call.session = self.runtime.open_session(call.emit, model, audio_sink=call.output)
        self._wire(call)  # before the offer is applied: that is when the caller's track arrives
        await call.session.start()
        try:
            for update in session_updates:
                await call.session.handle({"type": "session.update", "session": update})
            await pc.setRemoteDescription(RTCSessionDescription(offer_sdp, "offer"))
            pc.addTrack(call.output)
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as exc:
            await self.close(call)
            raise SdpError(f"the SDP offer could not be answered: {exc!r}") from None
        call.spawn(self._drop_if_never_connected(call))
        call.spawn(self._run_inbox(call))
        call.spawn(enforce_deadlines(guard, lambda code, text: self._end(call, code, text)))
        return call

    async def _end(self, call: Call, code: str, message: str) -> None:
        call.send(error_event(code, message))
        await self.close(call)

    async def _close_slow_reader(self, call: Call) -> None:
        self.runtime.refusals["slow_reader"] += 1
        log.info("call %s: closed, the caller took no events off its data channel", call.id)
        await self.close(call)

    def _wire(self, call: Call) -> None:
        pc = call.pc

        @pc.on("track")
        def on_track(track: Any) -> None:
            if track.kind == "audio":
                call.spawn(feed_track(track, lambda audio16k: self._append(call, audio16k)))

        @pc.on("datachannel")
        def on_datachannel(channel: RTCDataChannel) -> None:
            if channel.label != EVENTS_CHANNEL or call.channel is not None:
                return
            call.channel = channel

            @channel.on("open")
            def on_open() -> None:
                pending, call.pending = call.pending, []
                for payload in pending:
                    channel.send(payload)

            @channel.on("message")
            def on_message(message: Any) -> None:
                if isinstance(message, bytes):
                    message = message.decode("utf-8", "replace")
                call.inbox.put_nowait(message)

            if channel.readyState == "open":
                on_open()

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            log.info("call %s: %s", call.id, pc.connectionState)
            if pc.connectionState in ("failed", "closed"):
                await self.close(call)

    async def _append(self, call: Call, audio16k: Any) -> None:
        assert call.session is not None
        try:
            async with call.turn_lock:
                await call.session.append_audio(audio16k)
        except ProtocolError as exc:  # e.g. a full buffer in a manual-turn session
            await self._audio_error(call, exc.code, exc.message)
        except Exception as exc:  # a bug must not silence the caller for good
            log.exception("call %s: audio failed", call.id)
            await self._audio_error(call, "server_error", f"audio processing failed: {exc}")

    @staticmethod
    async def _audio_error(call: Call, code: str, message: str) -> None:
        # Audio arrives every 20 ms: say so once a second, not fifty times.
        now = time.monotonic()
        if call.session is not None and now - call.audio_error_at >= 1.0:
            call.audio_error_at = now
            await call.session.error(code, message)

    async def _run_inbox(self, call: Call) -> None:
        assert call.session is not None
        max_bytes = self.runtime.config.max_event_bytes
        while True:
            message = await call.inbox.get()
            async with call.turn_lock:
                await dispatch(call.session, message, max_bytes, call.guard)

    async def _drop_if_never_connected(self, call: Call) -> None:
        await asyncio.sleep(CONNECT_TIMEOUT_S)
        if call.pc.connectionState != "connected":
            log.info("call %s: media did not connect in %.0f s", call.id, CONNECT_TIMEOUT_S)
            await self.close(call)

    async def close(self, call: Call) -> None:
        if call.closed:
            return
        call.closed = True
        self.calls.pop(call.id, None)
        if call.address:
            self.addresses.disconnect(call.address)
        current = asyncio.current_task()
        for task in list(call.tasks):  # no more audio or events into the session
            if task is not current:
                task.cancel()
        call.output.stop()
        await call.pc.close()
        if call.session is not None:
            await self.runtime.close_session(call.session)

    async def close_all(self) -> None:
        for call in list(self.calls.values()):
            await self.close(call)


async def _read_offer(request: web.Request, runtime: Runtime) -> tuple[str, Any]:
    """The SDP offer and the optional `session` config of a signalling request, both checked."""
    try:
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            sdp, session = form.get("sdp"), form.get("session")
        elif request.content_type in ("application/sdp", "text/plain"):
            sdp, session = await request.text(), None
        else:
            raise SdpError(
                f"send the SDP offer as application/sdp (or multipart/form-data), "
                f"not {request.content_type or 'no content type'}"
            )
    except (UnicodeDecodeError, LookupError) as exc:  # not UTF-8, or an unknown charset
        raise SdpError(f"the offer could not be read as text: {exc}") from None
    if not isinstance(sdp, str):
        raise SdpError("the multipart body needs an 'sdp' field with the SDP offer")
    if session is None:
        return sdp, None
    # Checked here, as a session.update would be, so a bad one refuses the call (400)
    # rather than creating it with an error on a data channel that is not open yet.
    engines = tuple(runtime.engines)
    try:
        update = parse_json(str(session))
        apply_session_update(SessionConfig(engine=engines[0]), update, engines)
    except ProtocolError as exc:
        raise SdpError(f"the 'session' field: {exc.message}") from None
    return sdp, update


async def create_call(request: web.Request) -> web.Response:
    manager: CallManager = request.app[CALLS]
    runtime = manager.runtime
    address = request.remote or "unknown"
    if not manager.addresses.offer(address):
        return counted_refusal(
            runtime.refusals,
            429,
            "too_many_offers",
            f"more than {runtime.config.max_offers_per_minute} offers a minute from this address",
            **{"Retry-After": "60"},
        )
    if not manager.addresses.connect(address):
        return counted_refusal(
            runtime.refusals,
            429,
            "too_many_connections",
            f"this address already holds {runtime.config.max_connections_per_ip} sessions",
            **{"Retry-After": "10"},
        )
    grant: Grant = request.get(GRANT) or Grant()
    try:
        if runtime.full:
            raise CallRefused
        offer, session_update = await _read_offer(request, runtime)
        updates = [u for u in (grant.session, session_update) if u is not None]
        call = await manager.answer(offer, request.query.get("model"), updates)
        call.address = address  # from now on, closing the call gives the address its slot back
    except SdpError as exc:
        manager.addresses.disconnect(address)
        return refusal(400, "invalid_offer", str(exc))
    except web.HTTPRequestEntityTooLarge:
        manager.addresses.disconnect(address)
        return counted_refusal(
            runtime.refusals,
            413,
            "body_too_large",
            f"the offer is over {runtime.config.max_body_kb} KiB",
        )
    except CallRefused:
        manager.addresses.disconnect(address)
        refused = runtime.refuse()["error"]
        return refusal(503, refused["code"], refused["message"], **{"Retry-After": "10"})
    except BaseException:
        manager.addresses.disconnect(address)
        raise
    answer = call.pc.localDescription
    return web.Response(
        status=201,
        text=answer.sdp,
        content_type="application/sdp",
        headers={"Location": f"/v1/realtime/calls/{call.id}"},
    )


async def hang_up(request: web.Request) -> web.Response:
    manager: CallManager = request.app[CALLS]
    call = manager.calls.get(request.match_info["call_id"])
    if call is None:
        return refusal(404, "call_not_found", "no such call (it may have ended already)")
    await manager.close(call)
    return web.Response(status=200)


def add_webrtc_routes(app: web.Application, runtime: Runtime) -> None:
    manager = CallManager(runtime, app[ADDRESSES])
    app[CALLS] = manager
    app.router.add_post("/v1/realtime/calls", create_call)
    app.router.add_post("/v1/realtime", create_call)  # the beta endpoint took offers here
    app.router.add_post("/v1/realtime/calls/{call_id}/hangup", hang_up)
    app.router.add_delete("/v1/realtime/calls/{call_id}", hang_up)

    async def close_calls(app: web.Application) -> None:
        with contextlib.suppress(Exception):
            await manager.close_all()

    app.on_shutdown.append(close_calls)
