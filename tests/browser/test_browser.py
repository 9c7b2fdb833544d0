"""The page at `/` in a real headless Chromium, over WebRTC and over the WebSocket."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import (
    BROWSER_KEY,
    BrowserPage,
    browser_server,
    open_page,
    speech_wav,
    understood,
)
from tests.conftest import ServerProcess
from voice_agent.realtime.client import ServerEvent

QUESTION = "What is the largest planet?"
LONG_QUESTION = "Tell me a long story about a brave knight."
FOLLOW_UP = "What color is the sky?"


def completed_turns(state: dict) -> list[dict]:
    return [t for t in state["turns"] if t["status"] == "completed" and t["user"]]


@pytest.mark.parametrize(
    ("transport", "server_name"),
    [("webrtc", "rtc_server"), ("websocket", "rtc_server"), ("webrtc", "semantic_rtc_server")],
    ids=["webrtc", "websocket", "webrtc-semantic_vad"],
)
async def test_spoken_question_gets_a_spoken_answer(
    request: pytest.FixtureRequest, tmp_path: Path, transport: str, server_name: str
) -> None:
    server: ServerProcess = request.getfixturevalue(server_name)
    wav = speech_wav(tmp_path / "question.wav", 2.5, QUESTION, 8.0)
    async with open_page(server, wav) as page:
        await page.start(transport)
        state = await page.wait_for(
            lambda s: any(t["latencyMs"] is not None for t in completed_turns(s))
        )
        turn = completed_turns(state)[0]
        assert state["micPeak"] > 0.05, "the fake microphone was silent"
        assert understood(QUESTION, turn["user"]), turn["user"]
        assert turn["assistant"].strip(), "no reply transcript"
        assert state["outputPeak"] > 0.05, "the page played no reply audio"
        assert turn["latencyMs"] > 0  # measured (how fast is the benchmark's business)
        if transport == "webrtc":
            assert await page.bytes_received() > 1000
            assert state["eventCounts"].get(ServerEvent.AUDIO_DELTA, 0) == 0
        shown = await page.page.inner_text("#turns")
        assert turn["user"] in shown and turn["assistant"].strip()[:20] in shown
        assert "voice-to-voice" in shown
        assert not await page.page.is_visible("#error")
        if server_name != "rtc_server":
            return  # the screenshots are of the page, which is the same
        await page.screenshot(f"conversation-{transport}")
        await page.page.set_viewport_size({"width": 390, "height": 844})  # a phone
        await page.screenshot(f"conversation-{transport}-phone")


@pytest.mark.timeout(600)  # a hang guard: every wait in it is on an event
@pytest.mark.parametrize("transport", ["webrtc", "websocket"])
async def test_speaking_over_the_reply_interrupts_it(
    rtc_server: ServerProcess, tmp_path: Path, transport: str
) -> None:
    question = speech_wav(tmp_path / "question.wav", 2.5, LONG_QUESTION, 1.0)
    follow_up = speech_wav(tmp_path / "follow-up.wav", 0.3, FOLLOW_UP, 0.5)
    async with open_page(rtc_server, question, talk_over=True) as page:
        await page.start(transport)
        # Talk over the reply once the page plays it, however long a loaded machine takes
        # to start it (a follow-up at a fixed offset in the fake-mic file can come first).
        await page.wait_for(lambda s: any(t["firstAudioAt"] is not None for t in s["turns"]))
        said = await page.say(follow_up)
        state = await page.wait_for(
            lambda s: any(understood(FOLLOW_UP, t["user"]) for t in completed_turns(s))
        )
        first = state["turns"][0]
        assert understood(LONG_QUESTION, first["user"]), first["user"]
        assert first["status"] == "cancelled", "the first reply was not interrupted"
        assert first["firstAudioAt"] is not None, "the first reply never played"
        assert any(t >= said["startedAt"] for t in state["speechStarts"]), "follow-up unheard"
        # By the time the user had finished the follow-up, the first reply had gone quiet, and
        # nothing was heard until the answer to the follow-up began.
        follow = next(t for t in completed_turns(state) if understood(FOLLOW_UP, t["user"]))
        answer_at = follow["firstAudioAt"] or await page.now()
        heard = await page.heard_at()
        assert any(t < follow["speechEndAt"] for t in heard), "the first reply was never heard"
        talked_over = [t for t in heard if follow["speechEndAt"] <= t < answer_at - 100]
        assert not talked_over, f"the reply played on over the user for {len(talked_over)} ticks"
        assert state["truncates"], "the page did not send conversation.item.truncate"
        assert state["truncates"][0]["item_id"] == first["assistantItemId"]
        await page.screenshot(f"barge-in-{transport}")


async def test_signalling_answers_good_offers_and_refuses_bad_ones(
    rtc_server: ServerProcess,
) -> None:
    async with open_page(rtc_server, None) as page:
        await page.page.goto(rtc_server.http_url + "/")
        result = await page.page.evaluate(
            """async () => {
                 const post = async (body, type) => {
                   const headers = {Authorization: "Bearer KEY"};
                   if (type) headers["Content-Type"] = type;
                   const r = await fetch("/v1/realtime/calls", {method: "POST", body, headers});
                   const text = r.status === 201 ? await r.text()
                                                 : (await r.json()).error.message;
                   return [r.status, text, r.headers.get("Location")];
                 };
                 const pc = new RTCPeerConnection();
                 pc.addTransceiver("audio");
                 await pc.setLocalDescription(await pc.createOffer());
                 const form = new FormData();
                 form.set("sdp", pc.localDescription.sdp);
                 form.set("session", JSON.stringify({instructions: "Answer in one word."}));
                 const good = await post(form, null);
                 pc.close();
                 const hangUp = await fetch(good[2] + "/hangup", {method: "POST"});
                 const again = await fetch(good[2], {method: "DELETE"});
                 return {good, hangUp: hangUp.status, again: again.status,
                         garbage: await post("this is not SDP", "application/sdp"),
                         noAudio: await post("v=0\\r\\ns=-\\r\\nt=0 0\\r\\n", "application/sdp"),
                         wrongType: await post("{}", "application/json"),
                         badSession: await post((() => { const f = new FormData();
                           f.set("sdp", "v=0"); f.set("session", "{not json"); return f; })())};
               }""".replace("KEY", BROWSER_KEY)
        )
    status, answer, location = result["good"]
    assert status == 201 and answer.startswith("v=0") and "m=audio" in answer, result["good"]
    assert location.startswith("/v1/realtime/calls/rtc_")
    assert (result["hangUp"], result["again"]) == (200, 404)
    garbage, no_audio = result["garbage"], result["noAudio"]
    assert garbage[0] == 400 and "SDP offer" in garbage[1], garbage
    assert no_audio[0] == 400 and "no audio" in no_audio[1], no_audio
    assert result["wrongType"][0] == 400 and "application/sdp" in result["wrongType"][1]
    assert result["badSession"][0] == 400 and "JSON" in result["badSession"][1]


@pytest.fixture(scope="module")
def one_session_server() -> Iterator[ServerProcess]:
    yield from browser_server("browser-one-session", "--max-sessions", "1", "--no-warm-up")


async def test_calls_past_the_session_limit_are_refused(
    one_session_server: ServerProcess, tmp_path: Path
) -> None:
    wav = speech_wav(tmp_path / "silence.wav", 1.0)
    async with open_page(one_session_server, wav) as first:
        await first.start("webrtc")
        await first.wait_for(lambda s: s["connection"] == "connected")
        for transport in ("webrtc", "websocket"):
            second = await first.page.context.new_page()
            await second.goto(f"{one_session_server.http_url}/?transport={transport}")
            await second.click("#start")
            await second.wait_for_selector("#error.shown", timeout=30_000)
            message = await second.inner_text("#error")
            assert "busy" in message, (transport, message)
            await second.close()
        assert (await first.state())["connection"] == "connected"

        # Hanging up frees the slot at once: the next caller gets through.
        await first.page.click("#start")
        third = BrowserPage(await first.page.context.new_page(), one_session_server)
        await third.start("webrtc")
        await third.wait_for(lambda s: s["connection"] == "connected", timeout=30)

        # Shutting the server down closes the live call and exits cleanly.
        server = one_session_server.process
        server.terminate()
        assert server.wait(timeout=20) == 0
        await third.wait_for(lambda s: s["connection"] == "closed", timeout=30)
        assert "closed (0 active)" in one_session_server.log_path.read_text()


async def test_stop_button_interrupts_the_reply(rtc_server: ServerProcess, tmp_path: Path) -> None:
    wav = speech_wav(tmp_path / "long.wav", 2.5, LONG_QUESTION, 12.0)
    async with open_page(rtc_server, wav) as page:
        await page.start("webrtc")
        await page.wait_for(lambda s: any(t["firstAudioAt"] for t in s["turns"]))
        stopped_at = await page.now()
        await page.page.click("#stop")
        state = await page.wait_for(lambda s: ServerEvent.RESPONSE_DONE in s["eventCounts"])
        turn = state["turns"][0]
        assert turn["status"] == "cancelled"
        assert state["eventCounts"].get(ServerEvent.OUTPUT_AUDIO_CLEARED, 0) >= 1
        assert state["truncates"] and state["truncates"][0]["item_id"] == turn["assistantItemId"]
        assert any(t <= stopped_at for t in await page.heard_at()), "the reply was never heard"
        # What a listener hears goes quiet and stays quiet for a while (the story would
        # otherwise play on for tens of seconds).
        await page.wait_until_silent(stopped_at, quiet_ms=1500, timeout=15)


@pytest.fixture(scope="module")
def demo_tools_server() -> Iterator[ServerProcess]:
    yield from browser_server("browser-demo-tools", "--demo-tools")


async def test_the_page_shows_a_function_call_and_its_result(
    demo_tools_server: ServerProcess, tmp_path: Path
) -> None:
    wav = speech_wav(tmp_path / "time.wav", 2.5, "What time is it?", 10.0)
    async with open_page(demo_tools_server, wav) as page:
        await page.start("webrtc")
        state = await page.wait_for(
            lambda s: any(
                t["tools"]
                and t["tools"][0]["output"]
                and t["status"] == "completed"
                and t["assistant"].strip()
                for t in s["turns"]
            )
        )
        turn = next(t for t in state["turns"] if t["tools"])
        call = turn["tools"][0]
        assert call["name"] == "get_server_time" and "time" in call["output"]
        assert len([t for t in state["turns"] if t["tools"]]) == 1  # one turn: call, answer
        shown = await page.page.inner_text("#turns")
        assert "called get_server_time({})" in shown and call["output"] in shown
        await page.screenshot("function-call")
