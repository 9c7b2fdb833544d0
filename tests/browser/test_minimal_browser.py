"""clients/minimal_browser.html, opened from disk in headless Chromium with a fake mic."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from tests.browser.conftest import BROWSER_KEY, open_page, speech_wav, understood
from tests.conftest import ServerProcess

PAGE = Path(__file__).resolve().parents[2] / "clients" / "minimal_browser.html"
QUESTION = "What is the largest planet?"


async def test_minimal_page_asks_and_plays_the_answer(
    rtc_server: ServerProcess, tmp_path: Path
) -> None:
    wav = speech_wav(tmp_path / "question.wav", 1.5, QUESTION, 8.0)
    async with open_page(rtc_server, wav) as page:
        server = f"ws://127.0.0.1:{rtc_server.port}/v1/realtime"
        await page.page.goto(f"{PAGE.as_uri()}?server={server}&key={BROWSER_KEY}")
        await page.page.click("#start")
        # The page's own record (window.minimal) says when a reply is done and heard.
        try:
            await page.page.wait_for_function(
                "() => minimal.user.length && minimal.done.some((d) => d.status === 'completed')",
                timeout=120_000,
            )
        except PlaywrightTimeoutError:
            raise AssertionError(
                f"no completed turn; page: {await page.page.evaluate('minimal')}\n"
                f"console: {page.console[-20:]}\n"
                f"server log: {rtc_server.log_path.read_text()[-2000:]}"
            ) from None
        state = await page.page.evaluate("minimal")
        assert state["micPeak"] > 0.05, "the fake microphone was silent"
        assert understood(QUESTION, state["user"][0]), state["user"]
        reply_id = next(d["id"] for d in state["done"] if d["status"] == "completed")
        reply = state["replies"][reply_id]
        assert reply.strip(), state
        assert state["audioSamples"] / 24_000 > 0.5 and state["outputPeak"] > 0.05, state
        shown = await page.page.inner_text("#log")
        assert f"You: {state['user'][0]}" in shown and reply.strip()[:20] in shown
        assert state["counts"].get("error", 0) == 0, state["counts"]
        await page.screenshot("minimal-client")
