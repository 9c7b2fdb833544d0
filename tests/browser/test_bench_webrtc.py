"""`voice-agent bench --transport webrtc`, run inside the server's private network."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.browser.conftest import BROWSER_KEY
from tests.conftest import ARTIFACTS, ServerProcess
from tests.e2e.test_bench import HANG_GUARD_S, run_bench


@pytest.mark.timeout(3 * HANG_GUARD_S)
async def test_bench_over_webrtc(rtc_server: ServerProcess, tmp_path: Path) -> None:
    out = ARTIFACTS / "bench-webrtc"
    code, output = await run_bench(
        "--transport", "webrtc", "--ice-host-addresses", "127.0.0.1",
        "--url", f"ws://127.0.0.1:{rtc_server.port}/v1/realtime",
        "--sessions", "1", "--turns", "2", "--barge-in-every", "2",
        "--turn-timeout", str(HANG_GUARD_S),
        "--corpus", str(tmp_path / "corpus"), "--out", str(out), timeout=2.5 * HANG_GUARD_S,
        prefix=("nsenter", f"--net={rtc_server.netns_path}"),
        env={"VOICE_AGENT_API_KEY": BROWSER_KEY},  # the browser server needs a key
    )  # fmt: skip
    assert code == 0, output
    report = json.loads((out / "report.json").read_text())
    assert report["config"]["transport"] == "webrtc"
    target = report["targets"]["A"]
    assert (target["turns"], target["ok"]) == (2, 2), output
    figures = target["figures"]
    assert figures["v2v_ms"]["n"] == 2 and figures["v2v_ms"]["p50"] > 0  # timed, no bound
    # The prompts went through Opus and the server heard them: Whisper tiny's hearing of the
    # espeak voices swings with a few ms of where the audio starts (0.3-0.7 WER on one prompt
    # in repeated runs), so one of two turns heard well is the check; a broken path gives ~1.
    wers = [t["transcript_wer"] for t in report["turns"]]
    assert min(wers) <= 0.5, [(t["prompt"], t["transcript"]) for t in report["turns"]]
    assert figures["server_total_ms"]["n"] == 2
    barge = target["barge_in"]
    assert barge["turns"] == 1 and barge["stale_chunks"] == 0
    assert barge["cancelled"] + barge["reply_finished_first"] == 1
