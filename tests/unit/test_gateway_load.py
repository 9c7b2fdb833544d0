"""Admission by measured load: the reply delays every session feeds, and new sessions refused
while they are over the bound, over real loopback sockets against the real gateway app."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import aiohttp

from tests.unit.test_gateway_access import Server, closed_with, serve
from tests.unit.test_session import ScriptedEngine
from voice_agent.engines.base import EngineEvent, Turn
from voice_agent.gateway.load import MIN_REPLIES, WINDOW_S, ReplyDelays
from voice_agent.realtime.client import response_create, text_item


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def metrics_event(total_ms: float | None) -> dict:
    return {"type": "voice_agent.turn.metrics", "durations_ms": {"total_to_first_audio": total_ms}}


def test_the_last_minute_decides_whether_one_more_session_fits() -> None:
    clock, open_now = FakeClock(), [1]
    delays = ReplyDelays(bound_s=5.0, open_sessions=lambda: open_now[0], clock=clock)
    for _ in range(MIN_REPLIES - 1):
        delays.record_turn_metrics(metrics_event(9000))
    assert delays.median_s() is None and delays.admits_another()  # too few to say
    delays.record_turn_metrics(metrics_event(None))  # cancelled before any audio: says nothing
    assert delays.admits_another()
    delays.record_turn_metrics(metrics_event(1000))
    assert delays.median_s() == 9.0 and not delays.admits_another() and delays.overloaded

    clock.now += WINDOW_S + 1  # old replies forgotten
    assert delays.median_s() is None and delays.admits_another()
    for _ in range(MIN_REPLIES):  # one session open, its replies start in 2 s
        delays.record_turn_metrics(metrics_event(2000))
    assert delays.projected_s(2) == 4.0 and delays.admits_another()  # 2 sessions: ~4 s
    open_now[0] = 2
    assert delays.projected_s(3) == 6.0 and not delays.admits_another()  # 3: ~6 s, too slow
    for _ in range(2 * MIN_REPLIES):  # two open, and replies still start in 2 s
        delays.record_turn_metrics(metrics_event(2000))
    assert delays.projected_s(3) == 3.0 and delays.admits_another()

    off = ReplyDelays(bound_s=0.0, clock=clock)
    for _ in range(MIN_REPLIES):
        off.record(60.0)
    assert off.median_s() == 60.0 and off.admits_another()


class SlowToStartEngine(ScriptedEngine):
    """The scripted engine, thinking a little before it speaks: every reply starts later than
    the tiny bound the test sets."""

    async def respond(self, turn: Turn) -> AsyncIterator[EngineEvent]:
        await asyncio.sleep(0.01)
        async for event in super().respond(turn):
            yield event


async def reply(server: Server, ws: aiohttp.ClientWebSocketResponse) -> None:
    await ws.send_str(json.dumps(text_item("Tell me something.")))
    await ws.send_str(json.dumps(response_create()))
    await server.until_event(ws, "voice_agent.turn.metrics")  # its delay is counted by now


async def health(server: Server) -> dict:
    async with server.http.get(server.url + "/healthz") as response:
        return dict(await response.json())


async def no_sessions(server: Server) -> None:
    """Until the server has freed every session (it does so after the socket closes)."""
    while (await health(server))["sessions"]:
        await asyncio.sleep(0.05)


async def test_new_sessions_are_refused_while_replies_start_slowly() -> None:
    async with serve(engine=SlowToStartEngine(), max_reply_delay_s=0.001) as server:
        first = await server.http.ws_connect(server.ws_url)
        await server.until_event(first, "session.created")
        for _ in range(MIN_REPLIES):
            await reply(server, first)
        assert (await health(server))["overloaded"]

        refused = await server.http.ws_connect(server.ws_url)
        code, events = await closed_with(refused)
        assert code == 1013
        error = events[0]["error"]
        assert error["code"] == "session_limit_reached" and "busy" in error["message"]
        assert (await server.metrics())["overloaded"] == 1

        # The open session is not touched: it goes on replying.
        await reply(server, first)
        await first.close()
        await asyncio.wait_for(no_sessions(server), 60)  # a hang guard, not a time limit
        # No session open: no one's replies to protect, so the next caller gets in.
        admitted = await server.http.ws_connect(server.ws_url)
        await server.until_event(admitted, "session.created")
        await admitted.close()
