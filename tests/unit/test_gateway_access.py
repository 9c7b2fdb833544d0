"""Keys, client secrets, Origins and per-session limits, over real loopback HTTP and
WebSockets against the real gateway app. Only the engine is scripted (not under test)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from tests.conftest import free_port
from tests.unit.test_session import LoudnessVAD, ScriptedEngine
from voice_agent.cli import build_parser
from voice_agent.config import ServerConfig, server_config_from_args
from voice_agent.gateway.access import Keys
from voice_agent.gateway.guard import GuardLimits, SessionGuard, TokenBucket
from voice_agent.gateway.runtime import Runtime
from voice_agent.gateway.server import create_app
from voice_agent.realtime.client import text_item
from voice_agent.realtime.protocol import AudioFormat

KEY = "sk-test-0123456789"


class Server:
    def __init__(self, config: ServerConfig, runner: web.AppRunner) -> None:
        self.config = config
        self._runner: web.AppRunner | None = runner
        self.url = f"http://127.0.0.1:{config.port}"
        self.ws_url = f"ws://127.0.0.1:{config.port}/v1/realtime"
        self.http = aiohttp.ClientSession()

    async def shut_down(self) -> None:
        """As on SIGTERM: `run_app` cleans its runner up the same way."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def metrics(self) -> dict[str, int]:
        """The refusal counts of /metrics, by reason."""
        headers = {"Authorization": f"Bearer {self.config.api_key}"} if self.config.api_key else {}
        async with self.http.get(self.url + "/metrics", headers=headers) as response:
            text = await response.text()
        counts = {}
        for line in text.splitlines():
            if line.startswith("voice_agent_refusals_total{"):
                reason = line.split('"')[1]
                counts[reason] = int(line.rsplit(" ", 1)[1])
        return counts

    async def until_event(self, ws: aiohttp.ClientWebSocketResponse, kind: str) -> dict[str, Any]:
        async def read() -> dict[str, Any]:
            async for message in ws:
                event = json.loads(message.data)
                if event["type"] == kind:
                    return event
            raise AssertionError(f"socket closed before {kind}")

        return await asyncio.wait_for(read(), 60)  # a hang guard, not a time limit


@contextlib.asynccontextmanager
async def serve(engine: ScriptedEngine | None = None, **settings: Any) -> AsyncIterator[Server]:
    config = ServerConfig(port=free_port(), warm_up=False, **settings)
    engines = {"cascade": engine or ScriptedEngine()}
    runtime = Runtime(config=config, engines=engines, vad_model=LoudnessVAD())
    runner = web.AppRunner(create_app(runtime))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", config.port).start()
    server = Server(config, runner)
    try:
        yield server
    finally:
        await server.http.close()
        await server.shut_down()


async def closed_with(ws: aiohttp.ClientWebSocketResponse) -> tuple[int | None, list[dict]]:
    """Read to the end of the socket: its close code and the events before it."""
    events = []

    async def read() -> None:
        async for message in ws:
            if message.type == aiohttp.WSMsgType.TEXT:
                events.append(json.loads(message.data))

    await asyncio.wait_for(read(), 60)
    return ws.close_code, events


# ---- keys ------------------------------------------------------------------------------


async def test_a_key_is_needed_when_set_and_checked() -> None:
    async with serve(api_key=KEY) as server:
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await server.http.ws_connect(server.ws_url, headers=headers)
            assert refused.value.status == 401
        async with server.http.post(server.url + "/v1/realtime/calls", data="v=0") as response:
            assert response.status == 401
            assert "Authorization: Bearer" in (await response.json())["error"]["message"]
        async with server.http.get(server.url + "/metrics") as response:
            assert response.status == 401
        for public in ("/", "/healthz", "/client-config.json"):
            async with server.http.get(server.url + public) as response:
                assert response.status == 200, public
        async with server.http.get(server.url + "/client-config.json") as response:
            assert (await response.json())["key_required"] is True

        headers = {"Authorization": f"Bearer {KEY}"}
        async with server.http.ws_connect(server.ws_url, headers=headers) as ws:
            await server.until_event(ws, "session.created")
        # Browsers cannot set headers: the key comes as a subprotocol, which must be answered.
        protocols = ("realtime", f"openai-insecure-api-key.{KEY}")
        async with server.http.ws_connect(server.ws_url, protocols=protocols) as ws:
            await server.until_event(ws, "session.created")
            assert ws.protocol == "realtime"
        assert (await server.metrics())["unauthorized"] == 4  # two sockets, a call, metrics


async def test_client_secrets_open_sessions_with_their_config_and_expire() -> None:
    async with serve(api_key=KEY) as server:
        body = {
            "expires_after": {"anchor": "created_at", "seconds": 60},
            "session": {"type": "realtime", "instructions": "Speak like a pirate."},
        }
        auth = {"Authorization": f"Bearer {KEY}"}
        async with server.http.post(
            server.url + "/v1/realtime/client_secrets", json=body, headers=auth
        ) as response:
            assert response.status == 200
            secret = await response.json()
        assert secret["value"].startswith("ek_")
        assert secret["session"]["instructions"] == "Speak like a pirate."

        protocols = ("realtime", f"openai-insecure-api-key.{secret['value']}")
        async with server.http.ws_connect(server.ws_url, protocols=protocols) as ws:
            updated = await server.until_event(ws, "session.updated")
            assert updated["session"]["instructions"] == "Speak like a pirate."

        # An ephemeral key opens sessions, never mints keys or reads metrics.
        ephemeral = {"Authorization": f"Bearer {secret['value']}"}
        for path in ("/v1/realtime/client_secrets", "/metrics"):
            async with server.http.post(server.url + path, json={}, headers=ephemeral) as r:
                assert r.status in (401, 405), path
        bad = {"session": {"temperature": 9}}
        async with server.http.post(
            server.url + "/v1/realtime/client_secrets", json=bad, headers=auth
        ) as response:
            assert response.status == 400
            assert "temperature" in (await response.json())["error"]["message"]


def test_ephemeral_keys_expire_and_are_compared_whole() -> None:
    now = [1000.0]
    keys = Keys(KEY, clock=lambda: now[0])
    value, _ = keys.issue(60, None)
    assert keys.grant(value) is not None
    assert keys.grant(value[:-1]) is None and keys.grant(KEY[:-1]) is None
    now[0] += 61
    assert keys.grant(value) is None
    assert Keys("").grant(None) is not None  # no key set: the server is open


async def test_pages_from_other_origins_are_refused_unless_listed() -> None:
    async with serve(allowed_origins="https://app.example.org") as server:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await server.http.ws_connect(server.ws_url, origin="https://evil.example")
        assert refused.value.status == 403
        async with server.http.post(
            server.url + "/v1/realtime/calls",
            data="v=0",
            headers={"Origin": "https://evil.example"},
        ) as response:
            assert response.status == 403
        for origin in (server.url, "https://app.example.org"):
            async with server.http.ws_connect(server.ws_url, origin=origin) as ws:
                await server.until_event(ws, "session.created")
        assert (await server.metrics())["forbidden_origin"] == 2


# ---- per address -----------------------------------------------------------------------


async def test_one_address_holds_at_most_its_connections() -> None:
    async with serve(max_connections_per_ip=1) as server:
        async with server.http.ws_connect(server.ws_url) as first:
            await server.until_event(first, "session.created")
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await server.http.ws_connect(server.ws_url)
            assert refused.value.status == 429
            # The refusal says why, as the JSON `error` object every refusal carries.
            async with server.http.get(server.url + "/v1/realtime") as response:
                assert response.status == 429 and response.headers["Retry-After"] == "10"
                assert (await response.json())["error"]["code"] == "too_many_connections"
        assert (await server.metrics())["too_many_connections"] == 2


async def test_offers_per_minute_and_body_size_are_bounded() -> None:
    async with serve(max_offers_per_minute=2, max_body_kb=1) as server:
        sdp = {"Content-Type": "application/sdp"}
        statuses = []
        for body in ("x" * 4096, "v=0", "v=0"):
            async with server.http.post(
                server.url + "/v1/realtime/calls", data=body, headers=sdp
            ) as response:
                statuses.append(response.status)
                assert (await response.json())["error"]["message"]
        assert statuses == [413, 400, 429]
        counts = await server.metrics()
        assert counts["body_too_large"] == 1 and counts["too_many_offers"] == 1


# ---- per session -----------------------------------------------------------------------


async def test_a_flood_of_events_is_refused_and_counted() -> None:
    async with serve(max_events_per_s=5) as server:  # a burst of 25
        async with server.http.ws_connect(server.ws_url) as ws:
            await server.until_event(ws, "session.created")
            for _ in range(40):
                await ws.send_str(json.dumps({"type": "input_audio_buffer.clear"}))
            error = await server.until_event(ws, "error")
            assert error["error"]["code"] == "rate_limit_exceeded"
        assert (await server.metrics())["rate_limit_exceeded"] >= 15


async def test_audio_much_faster_than_real_time_is_refused() -> None:
    async with serve() as server, server.http.ws_connect(server.ws_url) as ws:
        await server.until_event(ws, "session.created")
        second = base64.b64encode(bytes(48_000)).decode()  # 1 s of 24 kHz PCM16 silence
        for _ in range(70):  # past the 60 s burst at once
            await ws.send_str(json.dumps({"type": "input_audio_buffer.append", "audio": second}))
        error = await server.until_event(ws, "error")
        assert error["error"]["code"] == "audio_rate_exceeded"


async def test_an_idle_session_is_told_and_closed() -> None:
    async with serve(idle_timeout_s=0.5) as server:
        async with server.http.ws_connect(server.ws_url) as ws:
            code, events = await closed_with(ws)
        assert code == 1000
        assert events[-1]["error"]["code"] == "idle_timeout"
        assert (await server.metrics())["idle_timeout"] == 1


async def test_a_session_past_its_longest_is_told_and_closed() -> None:
    async with serve(max_session_minutes=0.01) as server:
        async with server.http.ws_connect(server.ws_url) as ws:
            code, events = await closed_with(ws)
        assert code == 1000 and events[-1]["error"]["code"] == "session_expired"


async def test_a_client_that_reads_nothing_is_closed_not_buffered() -> None:
    async with serve(send_timeout_s=1.0, max_events_per_s=100_000) as server:
        ws = await server.http.ws_connect(server.ws_url, max_msg_size=0)
        update = json.dumps({"type": "session.update", "session": {"instructions": "x" * 20_000}})

        async def flood() -> None:  # each answer is as large; this client never reads them
            with contextlib.suppress(ConnectionError, RuntimeError):
                for _ in range(20_000):
                    await ws.send_str(update)

        await asyncio.wait_for(flood(), 120)  # ends once the server drops the connection
        await ws.close()
        assert (await server.metrics())["slow_reader"] == 1


async def test_shutdown_lets_the_reply_finish_then_closes_with_1001() -> None:
    async with serve() as server:
        async with server.http.ws_connect(server.ws_url) as ws:
            await server.until_event(ws, "session.created")
            await ws.send_str(json.dumps(text_item("Tell me a story.")))
            await ws.send_str(json.dumps({"type": "response.create"}))
            await server.until_event(ws, "response.created")
            shutting_down = asyncio.create_task(server.shut_down())
            code, events = await closed_with(ws)
            await shutting_down
        assert code == 1001
        done = [e for e in events if e["type"] == "response.done"]
        assert [d["response"]["status"] for d in done] == ["completed"]


def test_token_bucket_refills_at_its_rate() -> None:
    now = [0.0]
    bucket = TokenBucket(rate=2.0, capacity=4.0, clock=lambda: now[0])
    assert all(bucket.take(1) for _ in range(4)) and not bucket.take(1)
    now[0] += 1.0
    assert bucket.take(2) and not bucket.take(1)


def test_the_audio_guard_measures_seconds_in_the_session_format() -> None:
    now = [0.0]
    limits = replace(GuardLimits(), audio_rate=2.0, audio_burst_s=1.0)
    guard = SessionGuard(limits, refusals=Counter(), clock=lambda: now[0])
    g711 = base64.b64encode(bytes(4000)).decode()
    half_second_g711 = {"type": "input_audio_buffer.append", "audio": g711}
    pcmu = AudioFormat("pcmu", 8000)
    assert guard.admit(half_second_g711, pcmu) is None
    assert guard.admit(half_second_g711, pcmu) is None
    assert guard.admit(half_second_g711, pcmu) == "audio_rate_exceeded"
    now[0] += 0.25  # 2x real time refills half a second
    assert guard.admit(half_second_g711, pcmu) is None


def test_listening_beyond_loopback_needs_a_key_or_a_clear_choice() -> None:
    parser = build_parser()
    with pytest.raises(SystemExit, match="allow-unauthenticated"):
        server_config_from_args(parser.parse_args(["serve", "--host", "0.0.0.0"]))
    for extra in (["--allow-unauthenticated"], ["--api-key", KEY]):
        config = server_config_from_args(parser.parse_args(["serve", "--host", "0.0.0.0", *extra]))
        assert config.host == "0.0.0.0"
    assert KEY not in repr(config)
