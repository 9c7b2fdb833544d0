"""The examples in clients/ run against a real server and do what clients/README.md says.

(The minimal browser page is tested in tests/browser/test_minimal_browser.py.)"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import ServerProcess, free_port
from tests.e2e.helpers import run_process, whisper
from tests.speech import read_wav, speech_wav
from voice_agent.audio import resample
from voice_agent.evaluation import word_error_rate

pytestmark = pytest.mark.e2e

SDK_CLIENT = Path(__file__).resolve().parents[2] / "clients" / "openai_sdk_client.py"


async def run_sdk_client(*args: str, timeout: float = 180) -> tuple[int, str]:
    """`python clients/openai_sdk_client.py ARGS`; killed by its pid if it overruns."""
    return await run_process(sys.executable, str(SDK_CLIENT), *args, timeout=timeout)


def said(output: str, who: str) -> str:
    """What the client printed after `who: `."""
    lines = [line for line in output.splitlines() if line.startswith(f"{who}: ")]
    assert lines, output
    return lines[-1].removeprefix(f"{who}: ")


async def assert_spoken_reply(wav: Path, text: str) -> None:
    """The reply WAV holds audible speech that says `text`."""
    audio, rate = read_wav(wav)
    assert rate == 24_000 and len(audio) / rate > 0.5
    assert float(np.sqrt(np.mean(audio**2))) > 0.01
    heard = await whisper().transcribe(resample(audio, rate, 16_000))
    assert word_error_rate(text, heard) <= 0.35, (text, heard)


async def test_sdk_client_asks_with_a_wav_and_saves_the_spoken_reply(
    server: ServerProcess, tmp_path: Path
) -> None:
    question = "What is the largest planet?"
    wav, _ = speech_wav(tmp_path / "question.wav", 0.3, question, 0.5, rate=16_000)
    out = tmp_path / "reply.wav"
    code, output = await run_sdk_client(
        "--url", f"ws://127.0.0.1:{server.port}/v1", "--wav", str(wav), "--out", str(out)
    )  # fmt: skip
    assert code == 0, output
    assert word_error_rate(question, said(output, "you")) <= 0.2, output
    reply = said(output, "assistant")
    assert reply.strip(), output
    assert f"reply audio: {out}" in output
    await assert_spoken_reply(out, reply)


async def test_sdk_client_asks_in_text(server: ServerProcess, tmp_path: Path) -> None:
    out = tmp_path / "reply.wav"
    code, output = await run_sdk_client(
        "--url", f"ws://127.0.0.1:{server.port}/v1", "--text", "Say hello to me.",
        "--instructions", "Answer in one short sentence.", "--out", str(out),
    )  # fmt: skip
    assert code == 0, output
    assert said(output, "you") == "Say hello to me."
    await assert_spoken_reply(out, said(output, "assistant"))


async def test_sdk_client_reports_an_unreachable_server(tmp_path: Path) -> None:
    code, output = await run_sdk_client(
        "--url", f"ws://127.0.0.1:{free_port()}/v1", "--text", "Hello?", timeout=60
    )  # fmt: skip
    assert code != 0 and "Traceback" not in output, output
