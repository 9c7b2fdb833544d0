"""Fuzzed client events over a real WebSocket, and malformed SDP offers over HTTP, to a real
server: every bad event gets its `error`, nothing closes the session or the server, and
both still work afterwards."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Iterator

import aiohttp
import pytest

from tests.conftest import ServerProcess, start_server
from tests.e2e.helpers import get_json
from voice_agent.fuzz.live import fuzz_live
from voice_agent.realtime.client import RealtimeConnection, ServerEvent, response_create, text_item

pytestmark = pytest.mark.e2e

MAX_EVENT_MB = 1


@pytest.fixture(scope="module")
def fuzz_server() -> Iterator[ServerProcess]:
    # A fuzzer sends far faster than any client, and these tests post far more offers than
    # one: the per-session rate limits and the per-address limits are raised out of its way.
    limits = ["--max-events-per-s", "100000", "--max-audio-rate", "10000"]
    limits += ["--max-offers-per-minute", "100000", "--max-connections-per-ip", "64"]
    yield from start_server("fuzz", "--max-event-mb", str(MAX_EVENT_MB), "--no-warm-up", *limits)


async def test_fuzzed_events_over_a_socket_each_get_their_answer(
    fuzz_server: ServerProcess,
) -> None:
    figures = await fuzz_live(fuzz_server.ws_url, 3_000, seed=11, max_bytes=MAX_EVENT_MB << 20)
    assert figures.crashes == 0, figures.problems
    assert figures.hangs == 0, figures.problems
    assert figures.problems == []
    assert figures.usable_after == []
    assert figures.expected["reject"] > 100 and figures.expected["error"] > 100
    assert get_json(fuzz_server.http_url + "/healthz")["status"] == "ok"


OFFER = "\r\n".join(
    [
        "v=0",
        "o=- 4611731400430051336 2 IN IP4 127.0.0.1",
        "s=-",
        "t=0 0",
        "a=group:BUNDLE 0",
        "a=msid-semantic: WMS",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111 0 8",
        "c=IN IP4 0.0.0.0",
        "a=rtcp:9 IN IP4 0.0.0.0",
        "a=ice-ufrag:Fz1a",
        "a=ice-pwd:abcdefghijklmnopqrstuvwx",
        "a=ice-options:trickle",
        "a=fingerprint:sha-256 " + ":".join(["AB"] * 32),
        "a=setup:actpass",
        "a=mid:0",
        "a=sendrecv",
        "a=rtcp-mux",
        "a=rtpmap:111 opus/48000/2",
        "a=fmtp:111 minptime=10;useinbandfec=1",
        "a=rtpmap:0 PCMU/8000",
        "a=rtpmap:8 PCMA/8000",
        "",
    ]
)


def mutated_offers(seed: int, n: int) -> list[str]:
    """The offer with lines dropped, doubled, cut, or with odd values in them."""
    rng = random.Random(seed)
    offers = []
    for _ in range(n):
        lines = OFFER.split("\r\n")
        for _ in range(rng.randrange(1, 4)):
            i = rng.randrange(len(lines))
            roll = rng.random()
            if roll < 0.25:
                del lines[i]
            elif roll < 0.4:
                lines.insert(i, lines[i])
            elif roll < 0.55:
                lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
            elif roll < 0.7:
                odd = rng.choice(["-1", "99999999999999999999", "NaN", "\u00e9\u4f60", "\x00", ""])
                lines[i] = "".join(odd if c.isdigit() else c for c in lines[i])
            elif roll < 0.85:
                lines[i] = lines[i] + rng.choice([" ", ":", "=", "a=" * 50, "\t"])
            else:
                lines[i] = rng.choice(["m=audio", "m=video 9 RTP/AVP 0", "a=", "x=y", "=", ""])
        offers.append(rng.choice(["\r\n", "\n"]).join(lines))
    return offers


MALFORMED: list[tuple[bytes | str, str]] = [
    ("", "application/sdp"),
    ("garbage", "application/sdp"),
    ("v=0", "application/sdp"),
    ("m=audio", "application/sdp"),
    ("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n", "application/sdp"),
    ("m=audio " + "x" * 200_000, "application/sdp"),
    ("m=audio\x00\x00\x00", "application/sdp"),
    ("m=audio \u4f60\u597d \U0001f600", "application/sdp"),
    ("m=audio\n" * 5_000, "application/sdp"),
    (OFFER.replace("m=audio", "m=video"), "application/sdp"),
    (OFFER, "application/json"),
    (OFFER, ""),
    ('{"sdp": "v=0"}', "application/json"),
]


async def post_offer(
    http: aiohttp.ClientSession, url: str, body: bytes | str, content_type: str
) -> tuple[int, str]:
    headers = {"Content-Type": content_type} if content_type else {}
    data = body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass")
    async with http.post(url, data=data, headers=headers, skip_auto_headers=["Content-Type"]) as r:
        return await answer_of(http, url, r)


async def answer_of(
    http: aiohttp.ClientSession, url: str, r: aiohttp.ClientResponse
) -> tuple[int, str]:
    text = await r.text(errors="replace")
    if r.status == 201:  # the offer was fine after all: hang up at once
        async with http.delete(url.rsplit("/v1/", 1)[0] + r.headers["Location"]):
            pass
    return r.status, text


async def test_malformed_sdp_offers_get_a_4xx_with_a_message(fuzz_server: ServerProcess) -> None:
    url = fuzz_server.http_url + "/v1/realtime/calls"
    async with aiohttp.ClientSession() as http:
        cases: list[tuple[bytes | str, str]] = [*MALFORMED]
        cases += [(offer, "application/sdp") for offer in mutated_offers(3, 60)]
        answers = []
        for body, content_type in cases:
            status, text = await post_offer(http, url, body, content_type)
            answers.append(status)
            assert status == 201 or 400 <= status < 500, (status, text[:300], str(body)[:200])
            if status != 201:
                assert text.strip(), (status, str(body)[:200])
        assert answers.count(400) > 30
        form = aiohttp.FormData(default_to_multipart=True)
        form.add_field("session", '{"instructions": "hi"}')  # no sdp field
        async with http.post(url, data=form) as r:
            assert r.status == 400 and "sdp" in (await r.text())
        form = aiohttp.FormData(default_to_multipart=True)
        form.add_field("sdp", OFFER)
        form.add_field("session", "not json")
        async with http.post(url, data=form) as r:
            assert r.status == 400 and "JSON" in (await r.text())
    await assert_server_works(fuzz_server)


async def post_form(
    http: aiohttp.ClientSession, url: str, sdp: str, session: str
) -> tuple[int, str]:
    """The offer as multipart/form-data, with a `session` config beside it."""
    form = aiohttp.FormData(default_to_multipart=True)
    form.add_field("sdp", sdp)
    form.add_field("session", session)
    async with http.post(url, data=form) as r:
        return await answer_of(http, url, r)


async def test_offers_the_gateway_cannot_read_or_use_get_a_400_with_a_message(
    fuzz_server: ServerProcess,
) -> None:
    url = fuzz_server.http_url + "/v1/realtime/calls"
    no_fingerprint = "\r\n".join(
        line for line in OFFER.split("\r\n") if not line.startswith("a=fingerprint:")
    )
    answers: list[tuple[str, int, str]] = []
    async with aiohttp.ClientSession() as http:
        for label, body, content_type in [
            ("not UTF-8", b"\xff\xfe" + OFFER.encode(), "application/sdp"),
            ("unknown charset", OFFER, "application/sdp; charset=no-such-charset"),
            ("no fingerprint", no_fingerprint, "application/sdp"),
        ]:
            answers.append((label, *await post_offer(http, url, body, content_type)))
        # Unreadable session configs (once a RecursionError and a ValueError: each a 500),
        # and readable ones a session.update would refuse: a lone surrogate is not Unicode.
        for session in (
            "[" * 100_000,
            "1" * 5_000,
            '{"turn_detection": 5}',
            "[]",
            '{"instructions": "\\ud800"}',
        ):
            answers.append((f"session {session[:30]}", *await post_form(http, url, OFFER, session)))
    await assert_server_works(fuzz_server)
    for label, status, text in answers:
        assert status == 400, (label, status, text[:300])
        message = json.loads(text)["error"]["message"]
        assert message.strip(), label
        if label.startswith("session"):
            assert "session" in message, (label, message)
    assert "fingerprint" in answers[2][2]


async def assert_server_works(server: ServerProcess) -> None:
    """The server lives, a session holds a conversation, and every call has ended."""
    assert get_json(server.http_url + "/healthz")["status"] == "ok"
    client = await RealtimeConnection.connect(server.ws_url)
    try:
        await client.wait_for(ServerEvent.SESSION_CREATED)
        await client.send(text_item("Say hello."))
        await client.send(response_create())
        done = await client.wait_for(ServerEvent.RESPONSE_DONE, timeout=600)
        assert done["response"]["status"] == "completed"
    finally:
        await client.close()
    for _ in range(100):
        if get_json(server.http_url + "/healthz")["sessions"] == 0:
            break
        await asyncio.sleep(0.1)
    assert get_json(server.http_url + "/healthz")["sessions"] == 0
