"""The page at `/` in a real headless Chromium, over WebRTC and over the WebSocket."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import browser_server, open_page, speech_wav
from tests.conftest import ServerProcess
from voice_agent.evaluation import word_error_rate

QUESTION = "What is the capital of France?"
LONG_QUESTION = "Tell me a long story about a brave knight."
FOLLOW_UP = "What color is the sky?"


def completed_turns(state: dict) -> list[dict]:
    return [t for t in state["turns"] if t["status"] == "completed" and t["user"]]


@pytest.mark.parametrize("transport", ["webrtc", "websocket"])
async def test_spoken_question_gets_a_spoken_answer(
    rtc_server: ServerProcess, tmp_path: Path, transport: str
) -> None:
    wav = speech_wav(tmp_path / "question.wav", 2.5, QUESTION, 8.0)
    async with open_page(rtc_server, wav) as page:
        await page.start(transport)
        state = await page.wait_for(
            lambda s: any(t["latencyMs"] is not None for t in completed_turns(s))
        )
        turn = completed_turns(state)[0]
        assert state["micPeak"] > 0.05, "the fake microphone was silent"
        assert word_error_rate(QUESTION, turn["user"]) <= 0.25, turn["user"]
        assert turn["assistant"].strip(), "no reply transcript"
        assert state["outputPeak"] > 0.05, "the page played no reply audio"
        assert 0 < turn["latencyMs"] < 30_000
        if transport == "webrtc":
            assert await page.bytes_received() > 1000
            assert state["eventCounts"].get("response.output_audio.delta", 0) == 0
        shown = await page.page.inner_text("#turns")
        assert turn["user"] in shown and turn["assistant"].strip()[:20] in shown
        assert "voice-to-voice" in shown
        assert not await page.page.is_visible("#error")
        await page.screenshot(f"conversation-{transport}")


@pytest.mark.parametrize("transport", ["webrtc", "websocket"])
async def test_speaking_over_the_reply_interrupts_it(
    rtc_server: ServerProcess, tmp_path: Path, transport: str
) -> None:
    wav = speech_wav(tmp_path / "barge-in.wav", 2.5, LONG_QUESTION, 4.0, FOLLOW_UP, 10.0)
    async with open_page(rtc_server, wav) as page:
        await page.start(transport)
        state = await page.wait_for(
            lambda s: any(
                word_error_rate(FOLLOW_UP, t["user"]) <= 0.25 for t in completed_turns(s)
            ),
            timeout=120,
        )
        first = state["turns"][0]
        assert word_error_rate(LONG_QUESTION, first["user"]) <= 0.25, first["user"]
        assert first["status"] == "cancelled", "the first reply was not interrupted"
        assert first["firstAudioAt"] is not None, "the first reply never played"
        # The reply went quiet soon after the server heard the second utterance start.
        interrupted_at = max(t for t in state["speechStarts"] if t < first["lastAudioAt"] + 5000)
        assert first["lastAudioAt"] - interrupted_at < 1500
        assert state["truncates"], "the page did not send conversation.item.truncate"
        assert state["truncates"][0]["item_id"] == first["assistantItemId"]
        await page.screenshot(f"barge-in-{transport}")


async def test_bad_offers_get_clear_errors(rtc_server: ServerProcess) -> None:
    async with open_page(rtc_server, None) as page:
        await page.page.goto(rtc_server.http_url + "/")
        result = await page.page.evaluate(
            """async () => {
                 const post = async (body, type) => {
                   const r = await fetch("/v1/realtime/calls", {method: "POST", body,
                                        headers: {"Content-Type": type}});
                   return [r.status, (await r.json()).error.message];
                 };
                 return [await post("this is not SDP", "application/sdp"),
                         await post("v=0\\r\\ns=-\\r\\nt=0 0\\r\\n", "application/sdp"),
                         await post("{}", "application/json")];
               }"""
        )
    (garbage, no_audio, wrong_type) = result
    assert garbage[0] == 400 and "SDP offer" in garbage[1], garbage
    assert no_audio[0] == 400 and "no audio" in no_audio[1], no_audio
    assert wrong_type[0] == 400 and "application/sdp" in wrong_type[1], wrong_type


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
