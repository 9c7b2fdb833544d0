"""The WebSocket transport: `GET /v1/realtime`, one session per socket, JSON events both ways.

Access (key, Origin) is checked before this runs (`access_middleware`); here the per-address
connection limit, the session's guard, its deadlines and the slow-reader bound apply.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from aiohttp import WSMsgType, web

from voice_agent.gateway.access import (
    INSECURE_KEY_PROTOCOL,
    AddressLimits,
    Grant,
    counted_refusal,
)
from voice_agent.gateway.app_keys import ADDRESSES, GRANT, RUNTIME, SOCKETS
from voice_agent.gateway.runtime import Runtime, dispatch, enforce_deadlines
from voice_agent.realtime.protocol import error_event, rename_for_beta

log = logging.getLogger(__name__)

BETA_PROTOCOL = "openai-beta.realtime-v1"
WS_CLOSE_GOING_AWAY = 1001
WS_CLOSE_TRY_AGAIN_LATER = 1013


def wants_beta(request: web.Request) -> bool:
    beta_header = request.headers.get("OpenAI-Beta", "")
    protocols = request.headers.get("Sec-WebSocket-Protocol", "")
    return "realtime=v1" in beta_header or BETA_PROTOCOL in protocols


def _protocols(request: web.Request) -> tuple[str, ...]:
    """The subprotocols we may answer with: ours, and the key one a browser offered (a
    browser drops the socket unless the server picks one of the protocols it offered)."""
    offered = [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",")]
    keys = [p for p in offered if p.startswith(INSECURE_KEY_PROTOCOL)]
    return ("realtime", BETA_PROTOCOL, *keys)


async def realtime_socket(request: web.Request) -> web.StreamResponse:
    runtime: Runtime = request.app[RUNTIME]
    config = runtime.config
    addresses: AddressLimits = request.app[ADDRESSES]
    address = request.remote or "unknown"
    if not addresses.connect(address):
        return counted_refusal(  # the same JSON `error` as WebRTC's refusal
            runtime.refusals,
            429,
            "too_many_connections",
            f"this address already holds {config.max_connections_per_ip} sessions",
            **{"Retry-After": "10"},
        )
    try:
        return await _serve_socket(request, runtime, request.get(GRANT) or Grant())
    finally:
        addresses.disconnect(address)


async def _serve_socket(request: web.Request, runtime: Runtime, grant: Grant) -> web.StreamResponse:
    config = runtime.config
    # The transport cap is twice the documented limit, so an event between the two gets
    # an `error` event and the session lives on; past the cap the socket closes (1009).
    ws = web.WebSocketResponse(
        max_msg_size=2 * config.max_event_bytes, heartbeat=30.0, protocols=_protocols(request)
    )
    await ws.prepare(request)
    beta = wants_beta(request)
    send_lock = asyncio.Lock()
    guard = runtime.guard()

    async def close(code: int, reason: str) -> None:
        # A client that reads nothing may not read the close frame either: then drop it.
        try:
            await asyncio.wait_for(ws.close(code=code, message=reason.encode()[:120]), 2.0)
        except (TimeoutError, ConnectionError, RuntimeError):
            if request.transport is not None:
                request.transport.abort()

    async def emit(event: dict[str, Any]) -> None:
        if ws.closed:
            return
        guard.saw(event)
        payload = json.dumps(rename_for_beta(event) if beta else event)
        async with send_lock:
            try:
                await asyncio.wait_for(ws.send_str(payload), config.send_timeout_s)
            except TimeoutError:
                runtime.refusals["slow_reader"] += 1
                log.info("closing a client that read nothing for %.0f s", config.send_timeout_s)
                # Not a close frame: it would queue behind the unread output. Dropping the
                # connection frees that output at once.
                if request.transport is not None:
                    request.transport.abort()
            except (ConnectionError, RuntimeError):
                pass  # the client left; its receive loop ends and cleans up

    if runtime.full:
        await emit(runtime.refuse())
        await ws.close(code=WS_CLOSE_TRY_AGAIN_LATER, message=b"session limit reached")
        return ws

    session = runtime.open_session(emit, request.query.get("model"), beta)

    async def end(code: str, message: str) -> None:
        await emit(error_event(code, message))
        await close(1000, code)

    sockets: set[web.WebSocketResponse] = request.app[SOCKETS]
    sockets.add(ws)
    deadlines = asyncio.create_task(enforce_deadlines(guard, end))
    try:
        await session.start()
        if grant.session is not None:  # chosen by whoever issued the client secret
            await session.handle({"type": "session.update", "session": grant.session})
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                await dispatch(session, message.data, config.max_event_bytes, guard)
            elif message.type == WSMsgType.BINARY:
                await session.error(
                    "invalid_event", "binary messages are not supported; send JSON text events"
                )
            elif message.type == WSMsgType.ERROR:
                log.info("session %s: socket error %s", session.config.id, ws.exception())
                break
    finally:
        deadlines.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await deadlines
        await runtime.close_session(session)
        sockets.discard(ws)
    return ws


async def close_sockets(app: web.Application) -> None:
    sockets = app[SOCKETS]
    for ws in list(sockets):
        await ws.close(code=WS_CLOSE_GOING_AWAY, message=b"server shutting down")
