"""The shared Realtime client: builders, readers, waiting on events, and the WebSocket."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import numpy as np
import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer

from voice_agent.realtime import client as rt
from voice_agent.realtime.client import ClientEvent, EventLog, RealtimeConnection, ServerEvent


def test_text_item_is_a_user_message() -> None:
    assert rt.text_item("Hi there.") == {
        "type": "conversation.item.create",
        "item": {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "Hi there."}],
        },
    }


def test_builders() -> None:
    assert rt.response_create() == {"type": "response.create"}
    assert rt.response_create(instructions="Be terse.") == {
        "type": "response.create",
        "response": {"instructions": "Be terse."},
    }
    assert rt.truncate("item_a", 1200) == {
        "type": "conversation.item.truncate",
        "item_id": "item_a",
        "content_index": 0,
        "audio_end_ms": 1200,
    }
    assert rt.commit()["type"] == ClientEvent.INPUT_AUDIO_COMMIT
    assert rt.clear_input()["type"] == ClientEvent.INPUT_AUDIO_CLEAR
    assert rt.response_cancel()["type"] == ClientEvent.RESPONSE_CANCEL
    assert rt.clear_output()["type"] == ClientEvent.OUTPUT_AUDIO_CLEAR
    session = rt.pcm_session(16_000, manual_turns=True, instructions="Be kind.")
    assert session["audio"]["input"] == {
        "format": {"type": "audio/pcm", "rate": 16_000},
        "turn_detection": None,
    }
    assert session["audio"]["output"]["format"]["rate"] == 16_000
    assert session["instructions"] == "Be kind."
    assert "turn_detection" not in rt.pcm_session(24_000)["audio"]["input"]
    assert rt.session_update(session) == {"type": "session.update", "session": session}


def test_audio_round_trip_and_reply_readers() -> None:
    audio = np.linspace(-0.5, 0.5, 480, dtype=np.float32)
    append = rt.append_audio(audio)
    assert append["type"] == ClientEvent.INPUT_AUDIO_APPEND
    assert append == rt.append_pcm(rt.float_to_pcm16(audio))
    events = [
        {"type": ServerEvent.AUDIO_DELTA, "response_id": "r1", "delta": append["audio"]},
        {"type": ServerEvent.BETA_AUDIO_DELTA, "response_id": "r1", "delta": append["audio"]},
        {"type": ServerEvent.AUDIO_DELTA, "response_id": "r2", "delta": append["audio"]},
        {"type": ServerEvent.TRANSCRIPT_DELTA, "response_id": "r1", "delta": "Hello "},
        {"type": ServerEvent.BETA_TRANSCRIPT_DELTA, "response_id": "r1", "delta": "world."},
    ]
    np.testing.assert_allclose(rt.delta_audio(events[0]), audio, atol=1e-4)
    assert len(rt.reply_audio(events, "r1")) == 960
    assert len(rt.reply_audio(events, "nope")) == 0
    assert rt.reply_text(events, "r1") == "Hello world."
    with pytest.raises(ValueError):
        rt.delta_audio({"delta": "AA=="})  # an odd number of PCM16 bytes


def test_event_readers() -> None:
    assert rt.parse_event('{"type": "session.created"}') == {"type": "session.created"}
    for bad in ("{not json", "[1]", '{"no": "type"}', '{"type": 3}'):
        assert rt.parse_event(bad) is None
    done = {"type": ServerEvent.RESPONSE_DONE, "response": {"id": "r1", "status": "cancelled"}}
    assert rt.response_id(done) == "r1" and rt.response_status(done) == "cancelled"
    assert rt.response_id({"type": ServerEvent.AUDIO_DELTA, "response_id": "r2"}) == "r2"
    assert rt.error_code({"type": ServerEvent.ERROR, "error": {"code": "x"}}) == "x"


async def test_event_log_wakes_waiters_on_each_event() -> None:
    log = EventLog()
    waiter = asyncio.create_task(log.wait_for(ServerEvent.RESPONSE_DONE, timeout=5, count=2))
    log.add({"type": ServerEvent.RESPONSE_DONE, "n": 1})
    log.add({"type": ServerEvent.SESSION_UPDATED})
    await asyncio.sleep(0)
    assert not waiter.done()
    log.add({"type": ServerEvent.RESPONSE_DONE, "n": 2})
    assert (await asyncio.wait_for(waiter, 1))["n"] == 2
    assert await log.wait_for(ServerEvent.RESPONSE_DONE, n=1) == {"type": "response.done", "n": 1}
    assert [r.at for r in log.received] == sorted(r.at for r in log.received)
    with pytest.raises(TimeoutError, match=r"session\.created"):
        await log.wait_for(ServerEvent.SESSION_CREATED, timeout=0.05)
    waiter = asyncio.create_task(log.wait_for(ServerEvent.SESSION_CREATED, timeout=5))
    await asyncio.sleep(0)
    log.end("gone")
    with pytest.raises(rt.ConnectionClosed, match="gone"):
        await waiter


@pytest.fixture
async def echo_server() -> AsyncIterator[str]:
    """A toy Realtime server: session.created, one garbage message, then an echo of
    each client event as `session.updated` (for session.update) or `echo`."""

    async def realtime(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": ServerEvent.SESSION_CREATED, "session": {}})
        await ws.send_str("not an event")
        async for message in ws:
            if message.type != WSMsgType.TEXT:
                continue
            event = json.loads(message.data)
            if event["type"] == ClientEvent.SESSION_UPDATE:
                await ws.send_json({**event, "type": ServerEvent.SESSION_UPDATED})
            else:
                await ws.send_json({"type": "echo", "event": event})
            if event["type"] == ClientEvent.RESPONSE_CANCEL:
                await ws.close()
        return ws

    app = web.Application()
    app.router.add_get("/v1/realtime", realtime)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield str(server.make_url("/v1/realtime")).replace("http", "ws", 1)
    finally:
        await server.close()


async def test_connection_records_what_the_server_sends(echo_server: str) -> None:
    client = await RealtimeConnection.connect(echo_server)
    try:
        updated = await client.configure({"instructions": "Be brief."}, timeout=5)
        assert updated["session"] == {"instructions": "Be brief."}
        assert client.protocol_errors == 1
        await client.stream(np.zeros(2400, np.float32), realtime=False)
        echoes = await client.wait_for("echo", count=5, timeout=5)
        assert echoes["event"]["type"] == ClientEvent.INPUT_AUDIO_APPEND
        assert len(client.of_type("echo")) == 5  # 100 ms in 20 ms chunks
        await client.send(rt.response_cancel())  # the toy server hangs up on this
        await asyncio.wait_for(client.closed.wait(), 5)
        with pytest.raises(rt.ConnectionClosed):
            await client.wait_for(ServerEvent.RESPONSE_DONE, timeout=5)
    finally:
        await client.close()
