"""The gateway: an aiohttp app serving the Realtime WebSocket, health and metrics.

Models load once per process and are shared by every session; each connection gets its
own `Session`. The transport only moves JSON: it knows nothing about models.
"""

from __future__ import annotations

import logging
from importlib import resources

import numpy as np
from aiohttp import web

from voice_agent.config import ServerConfig
from voice_agent.engines import build_engine
from voice_agent.engines.base import Engine
from voice_agent.gateway.access import (
    CLIENT_SECRETS_PATH,
    AddressLimits,
    Keys,
    access_middleware,
    create_client_secret,
)
from voice_agent.gateway.app_keys import ADDRESSES, CALLS, KEYS, RUNTIME, SOCKETS
from voice_agent.gateway.runtime import DRAIN_S, Runtime
from voice_agent.gateway.webrtc import add_webrtc_routes, ice_servers
from voice_agent.gateway.websocket import close_sockets, realtime_socket
from voice_agent.models.smart_turn import SmartTurn
from voice_agent.models.vad import SileroVAD

log = logging.getLogger(__name__)


def build_engines(config: ServerConfig) -> dict[str, Engine]:
    """Load the models of the configured engines, the default first (blocking: call before
    serving)."""
    return {name: build_engine(name, config) for name in config.engines}


async def healthz(request: web.Request) -> web.Response:
    runtime: Runtime = request.app[RUNTIME]
    return web.json_response(
        {
            "status": "ok",
            "engines": list(runtime.engines),
            "sessions": len(runtime.sessions),
            "max_sessions": runtime.config.max_sessions,
            # For a load balancer: whether new sessions are refused for slow replies now.
            "overloaded": runtime.load.overloaded,
            "reply_delay_s": runtime.load.median_s(),
        }
    )


async def metrics(request: web.Request) -> web.Response:
    runtime: Runtime = request.app[RUNTIME]
    lines = [
        "# TYPE voice_agent_sessions_active gauge",
        f"voice_agent_sessions_active {len(runtime.sessions)}",
        "# TYPE voice_agent_sessions_total counter",
        f"voice_agent_sessions_total {runtime.sessions_total}",
        "# TYPE voice_agent_sessions_refused_total counter",
        f"voice_agent_sessions_refused_total {runtime.sessions_refused}",
        "# TYPE voice_agent_responses_active gauge",
        f"voice_agent_responses_active {sum(s.response is not None for s in runtime.sessions)}",
        "# HELP voice_agent_reply_delay_seconds median over the last minute of end of turn to "
        "first reply audio (NaN: too few replies)",
        "# TYPE voice_agent_reply_delay_seconds gauge",
        f"voice_agent_reply_delay_seconds {_or_nan(runtime.load.median_s())}",
        "# TYPE voice_agent_webrtc_calls_active gauge",
        f"voice_agent_webrtc_calls_active {len(request.app[CALLS].calls)}",
        "# HELP voice_agent_refusals_total requests, events and sessions refused or ended "
        "by a limit, by reason",
        "# TYPE voice_agent_refusals_total counter",
        *(
            f'voice_agent_refusals_total{{reason="{reason}"}} {count}'
            for reason, count in sorted(runtime.refusals.items())
        ),
    ]
    return web.Response(text="\n".join(lines) + "\n", content_type="text/plain")


def _or_nan(value: float | None) -> str:
    return "NaN" if value is None else f"{value:.3f}"


async def index(request: web.Request) -> web.Response:
    """The browser client: one self-contained page, nothing fetched from elsewhere."""
    page = resources.files("voice_agent.gateway").joinpath("web/index.html").read_text("utf-8")
    return web.Response(text=page, content_type="text/html", headers={"Cache-Control": "no-cache"})


async def client_config(request: web.Request) -> web.Response:
    """What the page needs to know to call: the ICE servers WebRTC should use."""
    runtime: Runtime = request.app[RUNTIME]
    servers = [
        {
            "urls": s.urls,
            **({"username": s.username} if s.username else {}),
            **({"credential": s.credential} if s.credential else {}),
        }
        for s in ice_servers(runtime.config)
    ]
    return web.json_response({"ice_servers": servers, "key_required": bool(runtime.config.api_key)})


def create_app(runtime: Runtime) -> web.Application:
    config = runtime.config
    app = web.Application(
        middlewares=[access_middleware], client_max_size=config.max_body_kb * 1024
    )
    app[RUNTIME] = runtime
    app[SOCKETS] = set()
    app[KEYS] = Keys(config.api_key)
    app[ADDRESSES] = AddressLimits(config.max_connections_per_ip, config.max_offers_per_minute)
    app.router.add_get("/", index)
    app.router.add_get("/client-config.json", client_config)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/v1/realtime", realtime_socket)
    app.router.add_post(CLIENT_SECRETS_PATH, create_client_secret)

    async def drain(app: web.Application) -> None:
        await runtime.drain()

    # Shutdown runs these in order: replies end (each with its response.done), then sockets
    # close with 1001 and calls hang up.
    app.on_shutdown.append(drain)
    app.on_shutdown.append(close_sockets)
    add_webrtc_routes(app, runtime)

    async def close_engines(app: web.Application) -> None:
        for engine in runtime.engines.values():
            await engine.close()
        runtime.vad_worker.shutdown()
        runtime.turn_worker.shutdown()

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
    web.run_app(
        app, host=config.host, port=config.port, print=announce_ready, shutdown_timeout=DRAIN_S + 2
    )
