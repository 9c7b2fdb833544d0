"""The gateway: an aiohttp app serving the Realtime WebSocket, health and metrics.

Models load once per process and are shared by every session; each connection gets its
own `Session`. The transport only moves JSON: it knows nothing about models.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from importlib import resources
from typing import Any

import numpy as np
from aiohttp import WSMsgType, web

from voice_agent.config import ServerConfig
from voice_agent.engines import build_engine
from voice_agent.engines.base import Engine
from voice_agent.gateway.runtime import Runtime, dispatch
from voice_agent.gateway.webrtc import add_webrtc_routes, ice_servers
from voice_agent.models.smart_turn import SmartTurn
from voice_agent.models.vad import SileroVAD
from voice_agent.realtime.protocol import rename_for_beta

log = logging.getLogger(__name__)

BETA_PROTOCOL = "openai-beta.realtime-v1"
WS_CLOSE_TRY_AGAIN_LATER = 1013


def build_engines(config: ServerConfig) -> dict[str, Engine]:
    """Load the models of the configured engines, the default first (blocking: call before
    serving)."""
    return {name: build_engine(name, config) for name in config.engines}


def wants_beta(request: web.Request) -> bool:
    beta_header = request.headers.get("OpenAI-Beta", "")
    protocols = request.headers.get("Sec-WebSocket-Protocol", "")
    return "realtime=v1" in beta_header or BETA_PROTOCOL in protocols


async def realtime_socket(request: web.Request) -> web.WebSocketResponse:
    runtime: Runtime = request.app["runtime"]
    config = runtime.config
    # The transport cap is twice the documented limit, so an event between the two gets
    # an `error` event and the session lives on; past the cap the socket closes (1009).
    ws = web.WebSocketResponse(
        max_msg_size=2 * config.max_event_bytes,
        heartbeat=30.0,
        protocols=("realtime", BETA_PROTOCOL),
    )
    await ws.prepare(request)
    beta = wants_beta(request)
    send_lock = asyncio.Lock()

    async def emit(event: dict[str, Any]) -> None:
        if ws.closed:
            return
        payload = json.dumps(rename_for_beta(event) if beta else event)
        async with send_lock:
            # A client that left makes this fail; its receive loop ends and cleans up.
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.send_str(payload)

    if runtime.full:
        await emit(runtime.refuse())
        await ws.close(code=WS_CLOSE_TRY_AGAIN_LATER, message=b"session limit reached")
        return ws

    session = runtime.open_session(emit, request.query.get("model"), beta)
    sockets: set[web.WebSocketResponse] = request.app["sockets"]
    sockets.add(ws)
    try:
        await session.start()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                await dispatch(session, message.data, config.max_event_bytes)
            elif message.type == WSMsgType.BINARY:
                await session.error(
                    "invalid_event", "binary messages are not supported; send JSON text events"
                )
            elif message.type == WSMsgType.ERROR:
                log.info("session %s: socket error %s", session.config.id, ws.exception())
                break
    finally:
        await runtime.close_session(session)
        sockets.discard(ws)
    return ws


async def healthz(request: web.Request) -> web.Response:
    runtime: Runtime = request.app["runtime"]
    return web.json_response(
        {
            "status": "ok",
            "engines": list(runtime.engines),
            "sessions": len(runtime.sessions),
            "max_sessions": runtime.config.max_sessions,
        }
    )


async def metrics(request: web.Request) -> web.Response:
    runtime: Runtime = request.app["runtime"]
    lines = [
        "# TYPE voice_agent_sessions_active gauge",
        f"voice_agent_sessions_active {len(runtime.sessions)}",
        "# TYPE voice_agent_sessions_total counter",
        f"voice_agent_sessions_total {runtime.sessions_total}",
        "# TYPE voice_agent_sessions_refused_total counter",
        f"voice_agent_sessions_refused_total {runtime.sessions_refused}",
        "# TYPE voice_agent_responses_active gauge",
        f"voice_agent_responses_active {sum(s.response is not None for s in runtime.sessions)}",
        "# TYPE voice_agent_webrtc_calls_active gauge",
        f"voice_agent_webrtc_calls_active {len(request.app['calls'].calls)}",
    ]
    return web.Response(text="\n".join(lines) + "\n", content_type="text/plain")


async def index(request: web.Request) -> web.Response:
    """The browser client: one self-contained page, nothing fetched from elsewhere."""
    page = resources.files("voice_agent.gateway").joinpath("web/index.html").read_text("utf-8")
    return web.Response(text=page, content_type="text/html", headers={"Cache-Control": "no-cache"})


async def client_config(request: web.Request) -> web.Response:
    """What the page needs to know to call: the ICE servers WebRTC should use."""
    runtime: Runtime = request.app["runtime"]
    servers = [
        {
            "urls": s.urls,
            **({"username": s.username} if s.username else {}),
            **({"credential": s.credential} if s.credential else {}),
        }
        for s in ice_servers(runtime.config)
    ]
    return web.json_response({"ice_servers": servers})


def create_app(runtime: Runtime) -> web.Application:
    app = web.Application()
    app["runtime"] = runtime
    app["sockets"] = set()
    app.router.add_get("/", index)
    app.router.add_get("/client-config.json", client_config)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/v1/realtime", realtime_socket)
    add_webrtc_routes(app, runtime)

    async def close_sockets(app: web.Application) -> None:
        for ws in list(app["sockets"]):
            await ws.close(code=1001, message=b"server shutting down")

    async def close_engines(app: web.Application) -> None:
        for engine in runtime.engines.values():
            await engine.close()
        runtime.vad_worker.shutdown()
        runtime.turn_worker.shutdown()

    app.on_shutdown.append(close_sockets)
    app.on_cleanup.append(close_engines)
    return app


def serve(config: ServerConfig) -> None:
    logging.basicConfig(
        level=config.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    log.info("loading models for engines %s", ", ".join(config.engines))
    runtime = Runtime(
        config=config,
        engines=build_engines(config),
        vad_model=SileroVAD(),
        end_of_turn=SmartTurn().complete,
    )

    async def warm_up(app: web.Application) -> None:
        if config.warm_up:
            log.info("warming up models")
            for engine in runtime.engines.values():
                await engine.warm_up()
            if runtime.end_of_turn is not None:
                await runtime.turn_worker.run(runtime.end_of_turn, np.zeros(16_000, np.float32))

    def announce_ready(_: str) -> None:  # run_app calls this once the port is open
        base = f"{config.host}:{config.port}"
        log.info("ready: http://%s/ (browser), ws://%s/v1/realtime", base, base)

    app = create_app(runtime)
    app.on_startup.append(warm_up)
    web.run_app(app, host=config.host, port=config.port, print=announce_ready, shutdown_timeout=5.0)
