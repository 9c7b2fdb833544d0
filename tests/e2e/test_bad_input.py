"""Bad input gets an `error` event and the session lives on; one bad session harms no other."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator

import aiohttp
import pytest

from tests.conftest import ServerProcess, free_port, start_server
from tests.e2e.helpers import get_json, get_text
from voice_agent.realtime.client import (
    ClientEvent,
    RealtimeConnection,
    ServerEvent,
    append_pcm,
    commit,
    response_cancel,
    response_create,
    session_update,
    text_item,
)

pytestmark = pytest.mark.e2e


HANG_GUARD_S = 240  # how long a loaded 2-core machine may take to start a reply


async def assert_still_works(client: RealtimeConnection) -> None:
    """A full text turn with a spoken reply on the same session."""
    count = len(client.of_type(ServerEvent.RESPONSE_DONE))
    await client.send(text_item("Say hello."))
    await client.send(response_create())
    done = await client.wait_for(ServerEvent.RESPONSE_DONE, count=count + 1, timeout=HANG_GUARD_S)
    assert done["response"]["status"] == "completed"
    assert client.response_audio(done["response"]["id"]).size > 0


async def test_each_bad_event_gets_an_error_and_the_session_lives_on(server: ServerProcess) -> None:
    client = await RealtimeConnection.connect(server.ws_url)
    try:
        await client.wait_for(ServerEvent.SESSION_CREATED)
        one_mib = 1024 * 1024
        cases = [
            ("{this is not json", "invalid_json"),
            (json.dumps({"type": "no.such.event", "event_id": "u1"}), "unknown_event"),
            (
                json.dumps({"type": ClientEvent.INPUT_AUDIO_APPEND, "audio": "@@not base64@@"}),
                "invalid_audio",
            ),
            (
                json.dumps(append_pcm(b"\x00\x01\x02")),
                "invalid_audio",
            ),
            (
                json.dumps({"type": ClientEvent.INPUT_AUDIO_APPEND, "audio": "A" * (one_mib + 4)}),
                "message_too_large",
            ),
            (
                json.dumps(
                    session_update(
                        {"audio": {"input": {"format": {"type": "audio/pcm", "rate": 12345}}}}
                    )
                ),
                "invalid_value",
            ),
            (
                json.dumps(
                    session_update({"turn_detection": {"type": "server_vad", "threshold": 3}})
                ),
                "invalid_value",
            ),
            (json.dumps(response_cancel()), "response_cancel_not_active"),
            (
                json.dumps(commit()),
                "input_audio_buffer_commit_empty",
            ),
        ]
        for raw, code in cases:
            before = len(client.of_type(ServerEvent.ERROR))
            await client.send_raw(raw)
            error = await client.wait_for(ServerEvent.ERROR, count=before + 1, timeout=10)
            assert error["error"]["code"] == code, (raw[:80], error)
            assert error["error"]["message"]
        await client.ws.send_bytes(b"\x00\x01")
        assert (await client.wait_for(ServerEvent.ERROR, count=len(cases) + 1))["error"][
            "code"
        ] == "invalid_event"
        assert not client.closed.is_set()
        # The invalid updates changed nothing.
        await client.send(session_update({}))
        session = (await client.wait_for(ServerEvent.SESSION_UPDATED))["session"]
        assert session["audio"]["input"]["format"] == {"type": "audio/pcm", "rate": 24000}
        assert session["audio"]["input"]["turn_detection"]["threshold"] == 0.5
        await assert_still_works(client)
    finally:
        await client.close()


@pytest.mark.timeout(3 * HANG_GUARD_S)
async def test_disconnect_mid_reply_frees_the_session(server: ServerProcess) -> None:
    client = await RealtimeConnection.connect(server.ws_url)
    await client.wait_for(ServerEvent.SESSION_CREATED)
    await client.send(text_item("Tell me a long story about the sea."))
    await client.send(response_create())
    await client.wait_for(ServerEvent.AUDIO_DELTA, timeout=HANG_GUARD_S)
    await client.close()  # gone, mid-reply
    # The server frees the session on its own time; ask until it has, with only a hang
    # guard for a limit (a loaded machine took over 10 s).
    for _ in range(HANG_GUARD_S * 10):
        health = get_json(server.http_url + "/healthz")
        if health["sessions"] == 0:
            break
        await asyncio.sleep(0.1)
    assert health["sessions"] == 0
    metrics = await asyncio.to_thread(get_text, server.http_url + "/metrics")
    assert "voice_agent_responses_active 0" in metrics
    survivor = await RealtimeConnection.connect(server.ws_url)
    try:
        await survivor.wait_for(ServerEvent.SESSION_CREATED)
        await assert_still_works(survivor)
    finally:
        await survivor.close()


@pytest.fixture(scope="module")
def one_session_server() -> Iterator[ServerProcess]:
    yield from start_server("limit", "--max-sessions", "1", "--no-warm-up")


async def test_session_limit_is_answered_with_a_clear_error(
    one_session_server: ServerProcess,
) -> None:
    first = await RealtimeConnection.connect(one_session_server.ws_url)
    try:
        await first.wait_for(ServerEvent.SESSION_CREATED)
        second = await RealtimeConnection.connect(one_session_server.ws_url)
        await asyncio.wait_for(second.closed.wait(), 10)
        assert [e["type"] for e in second.events] == [ServerEvent.ERROR]
        assert second.events[0]["error"]["code"] == "session_limit_reached"
        assert second.ws.close_code == 1013
        await second.close()
    finally:
        await first.close()
    # Once the first leaves, a new session is accepted.
    for _ in range(50):
        if get_json(one_session_server.http_url + "/healthz")["sessions"] == 0:
            break
        await asyncio.sleep(0.1)
    third = await RealtimeConnection.connect(one_session_server.ws_url)
    try:
        assert (await third.wait_for(ServerEvent.SESSION_CREATED))[
            "type"
        ] == ServerEvent.SESSION_CREATED
    finally:
        await third.close()


@pytest.fixture(scope="module")
def dead_llm_server() -> Iterator[ServerProcess]:
    # Nothing listens on this port: the LLM server is dead.
    yield from start_server("dead-llm", "--llm-url", f"http://127.0.0.1:{free_port()}/v1")


async def test_dead_llm_server_is_an_error_not_a_dead_session(
    dead_llm_server: ServerProcess,
) -> None:
    client = await RealtimeConnection.connect(dead_llm_server.ws_url)
    try:
        await client.wait_for(ServerEvent.SESSION_CREATED)
        for attempt in (1, 2):
            await client.send(text_item("Hello?"))
            await client.send(response_create())
            done = await client.wait_for(ServerEvent.RESPONSE_DONE, count=attempt, timeout=30)
            assert done["response"]["status"] == "failed"
            error = client.of_type(ServerEvent.ERROR)[-1]["error"]
            assert error["code"] == "llm_unavailable"
            assert "LLM server" in error["message"]
    finally:
        await client.close()


async def test_transport_cap_closes_only_that_socket(server: ServerProcess) -> None:
    """Past twice the documented limit the socket closes with 1009; others are untouched."""
    bystander = await RealtimeConnection.connect(server.ws_url)
    async with aiohttp.ClientSession() as http:
        # Compressed, the 3 MiB event is a few kilobytes on the wire, so the server reads all
        # of it before refusing and its close frame cannot be lost to a TCP reset.
        ws = await http.ws_connect(server.ws_url, compress=15)
        assert ws.compress, "the server should accept permessage-deflate"
        await ws.receive()  # session.created
        await ws.send_str("x" * (3 * 1024 * 1024))
        message = await ws.receive()
        while message.type == aiohttp.WSMsgType.TEXT:
            message = await ws.receive()
        assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        assert ws.close_code == 1009

        # Uncompressed, the server refuses at the frame header and closes with the rest of the
        # frame unread, so the kernel may reset the connection under the sender: both end it.
        ws = await http.ws_connect(server.ws_url)
        await ws.receive()  # session.created
        with contextlib.suppress(ConnectionError):
            await ws.send_str("x" * (3 * 1024 * 1024))
        message = await ws.receive()
        while message.type == aiohttp.WSMsgType.TEXT:
            message = await ws.receive()
        assert message.type in (
            aiohttp.WSMsgType.CLOSE,
            aiohttp.WSMsgType.CLOSED,
            aiohttp.WSMsgType.ERROR,
        )
        assert ws.closed
    try:
        await bystander.wait_for(ServerEvent.SESSION_CREATED)
        await assert_still_works(bystander)
    finally:
        await bystander.close()
