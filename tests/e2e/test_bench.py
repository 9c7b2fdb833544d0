"""`voice-agent bench` against a real server, and against broken ones."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import WSMsgType, web

from tests.conftest import ARTIFACTS, ServerProcess, free_port
from tests.e2e.helpers import run_process
from voice_agent.realtime.client import ServerEvent

pytestmark = pytest.mark.e2e


async def run_bench(
    *args: str,
    timeout: float = 300,
    prefix: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> tuple[int, str]:
    command = (sys.executable, "-m", "voice_agent", "bench", "--no-progress")
    return await run_process(*prefix, *command, *args, timeout=timeout, env=env)


# The bench waits on events; its per-turn timeout (and the test's) is only a hang guard, as
# long as a loaded 2-core machine may need to start a reply (over a minute, seen here).
HANG_GUARD_S = 240


@pytest.mark.timeout(3 * HANG_GUARD_S)
async def test_short_bench_against_the_real_server(server: ServerProcess, tmp_path: Path) -> None:
    out = ARTIFACTS / "bench"
    code, output = await run_bench(
        "--url", server.ws_url, "--sessions", "2", "--turns", "2", "--barge-in-every", "2",
        "--turn-timeout", str(HANG_GUARD_S),
        "--corpus", str(tmp_path / "corpus"), "--out", str(out), timeout=2.5 * HANG_GUARD_S,
    )  # fmt: skip
    assert code == 0, output
    report = json.loads((out / "report.json").read_text())
    target = report["targets"]["A"]
    assert (target["turns"], target["ok"], target["sessions"]) == (4, 4, 2), output
    figures = target["figures"]
    # Latency is the report's business, not a pass/fail limit: only that each turn was timed,
    # and that no reply began before its question ended.
    assert figures["v2v_ms"]["n"] == 4 and figures["v2v_ms"]["p50"] > 0
    assert figures["server_total_ms"]["n"] == 4  # our server's turn metrics were read
    assert figures["transcript_wer"]["p50"] <= 0.5
    # Whole (not interrupted) replies were checked by Whisper; the LLM may babble in a
    # made-up language now and then (a real finding, but not this test's), so one clean
    # reply shows the check works.
    reply_wers = [t["reply_wer"] for t in report["turns"] if t["reply_wer"] is not None]
    assert len(reply_wers) == figures["reply_wer"]["n"] >= 1
    assert min(reply_wers) <= 0.3, reply_wers
    barge = target["barge_in"]
    assert barge["turns"] == 2 and barge["stale_chunks"] == 0
    # Each reply was either cut short or had ended before the interruption began.
    assert barge["cancelled"] + barge["reply_finished_first"] == 2
    assert figures["barge_in_detected_ms"]["n"] == barge["cancelled"]
    assert len(report["turns"]) == 4 and report["machine"]["cpus"]
    for plot in ("latency_cdf.png", "stages.png"):
        assert (out / plot).stat().st_size > 5_000
    assert "v2v_ms" in output and "report:" in output


async def _silent(request: web.Request) -> web.WebSocketResponse:
    """Accepts the session and then never answers."""
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    await ws.send_json({"type": ServerEvent.SESSION_CREATED, "session": {}})
    async for _ in ws:
        pass
    return ws


async def _garbage(request: web.Request) -> web.WebSocketResponse:
    """Answers every event with bytes that are not JSON, and binary noise."""
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    async for message in ws:
        if message.type == WSMsgType.TEXT:
            await ws.send_str("}{ not json")
            await ws.send_bytes(b"\x00\xff")
    return ws


@pytest.fixture
async def broken_servers() -> AsyncIterator[tuple[str, str]]:
    app = web.Application()
    app.router.add_get("/silent", _silent)
    app.router.add_get("/garbage", _garbage)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield f"ws://127.0.0.1:{port}/silent", f"ws://127.0.0.1:{port}/garbage"
    finally:
        await runner.cleanup()


async def test_broken_servers_are_reported_as_errors(
    broken_servers: tuple[str, str], tmp_path: Path
) -> None:
    silent, garbage = broken_servers
    nobody = f"ws://127.0.0.1:{free_port()}/v1/realtime"  # nothing listens here
    out = tmp_path / "report"
    code, output = await run_bench(
        "--url", silent, "--compare", garbage, "--compare", nobody,
        "--turns", "1", "--turn-timeout", "3", "--barge-in-every", "0", "--no-reply-check",
        "--corpus", str(tmp_path / "corpus"), "--out", str(out),
    )  # fmt: skip
    assert code == 3, output  # ran to the end, and says no turn could be measured
    report = json.loads((out / "report.json").read_text())
    targets = report["targets"]
    assert targets["A"]["errors"] == {"timeout": 1}
    assert targets["B"]["errors"] == {"timeout": 1}
    assert report["protocol_errors"]["B"] > 0
    assert targets["C"]["errors"] == {"connect failed": 1}
    assert all(t["ok"] == 0 for t in targets.values())
    assert "Traceback" not in output


async def test_corpus_command_renders_wavs_and_manifest(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "voice_agent", "corpus", "--out", str(tmp_path), "--count", "3",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, output.decode()
    lines = (tmp_path / "manifest.jsonl").read_text().splitlines()
    items = [json.loads(line) for line in lines]
    assert len(items) == 3 + 6  # three prompts and the six interruptions
    for item in items:
        assert (tmp_path / item["wav"]).stat().st_size > 10_000
        assert 0 < item["speech_start_s"] < item["speech_end_s"] <= item["duration_s"]


@pytest.fixture
async def judge_server() -> AsyncIterator[tuple[str, list[dict]]]:
    """An OpenAI-compatible judge that says every reply is right, and keeps what it was asked
    (the judge model is not what is tested here: the bench's use of one is)."""
    asked: list[dict] = []

    async def completions(request: web.Request) -> web.Response:
        asked.append(await request.json())
        return web.json_response({"choices": [{"message": {"content": "Yes."}}]})

    app = web.Application()
    app.router.add_post("/v1/chat/completions", completions)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}/v1", asked
    finally:
        await runner.cleanup()


async def test_answer_accuracy_of_spoken_questions(
    server: ServerProcess, judge_server: tuple[str, list[dict]], tmp_path: Path
) -> None:
    judge_url, asked = judge_server
    out = tmp_path / "report"
    code, output = await run_bench(
        "--url", server.ws_url, "--questions", "test", "--turns", "3", "--no-reply-check",
        "--judge-url", judge_url, "--corpus", str(tmp_path / "corpus"), "--out", str(out),
    )  # fmt: skip
    assert code == 0, output
    report = json.loads((out / "report.json").read_text())
    turns = report["turns"]
    assert len(turns) == 3 and all(t["question_id"] and t["barge_in"] is None for t in turns)
    assert all(isinstance(t["right"], bool) and isinstance(t["english"], bool) for t in turns)
    answers = report["targets"]["A"]["answers"]
    assert answers["questions"] == 3
    assert answers["accuracy"] == pytest.approx(sum(t["right"] for t in turns) / 3, abs=1e-4)
    assert answers["judge_accuracy"] == 1.0 and len(asked) == 3
    prompts = [body["messages"][0]["content"] for body in asked]
    assert all(t["reply_text"] in p for t, p in zip(turns, prompts, strict=True))
    assert (out / "answers.png").stat().st_size > 5_000
    assert "answers:" in output


async def test_answers_command_asks_the_llm_as_text(tmp_path: Path) -> None:
    out = tmp_path / "answers.jsonl"
    command = (sys.executable, "-m", "voice_agent", "answers", "--split", "test", "--limit", "4")
    code, output = await run_process(*command, "--out", str(out), timeout=300)
    assert code == 0, output
    summary, *rows = (json.loads(line) for line in out.read_text().splitlines())
    assert summary["summary"]["questions"] == 4 and len(rows) == 4
    assert all(row["reply"] and isinstance(row["right"], bool) for row in rows)
    assert summary["summary"]["first_token_ms_p50"] > 0


async def test_bench_compares_turn_detections_on_paused_turns(
    server: ServerProcess, tmp_path: Path
) -> None:
    out = tmp_path / "report"
    code, output = await run_bench(
        "--url", server.ws_url, "--turn-detection", "server_vad,semantic_vad",
        "--pauses-every", "2", "--turns", "2", "--barge-in-every", "0", "--no-reply-check",
        "--corpus", str(tmp_path / "corpus"), "--out", str(out),
    )  # fmt: skip
    assert code == 0, output
    report = json.loads((out / "report.json").read_text())
    fixed, semantic = report["targets"]["A"], report["targets"]["B"]
    assert fixed["url"].endswith("(server_vad)") and semantic["url"].endswith("(semantic_vad)")
    for target in (fixed, semantic):
        assert target["ok"] == 2, output
        assert target["figures"]["v2v_ms"]["n"] == 1  # one plain turn
        assert target["figures"]["paused_v2v_ms"]["n"] == 1  # one with a pause
        assert target["pauses"]["turns"] == 1
    # The paused prompt: "My favourite colours are red, green, and ... blue. What are yours?"
    # with a 1.36 s pause: 500 ms of silence ends the turn there. Whether semantic_vad cuts
    # this voice's rendition is not asserted: its 470 ms gap after "blue." sometimes ends
    # the turn there (a real cut-in, counted), depending on where the VAD's 32 ms windows
    # fall. That it does not cut at a list's pause is tested in test_semantic_vad.py.
    assert fixed["pauses"]["cut_in"] == 1
    paused = [t for t in report["turns"] if t["kind"] == "paused"]
    assert all(t["v2v_ms"] > 0 for t in paused)  # each measured reply came after the end
    assert "cut in on at their pause" in output
