"""`--llm-url`: the cascade answers through a real OpenAI-compatible server (llama.cpp's)."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import numpy as np
import pytest

from tests.conftest import ARTIFACTS, ServerProcess, free_port, start_server
from tests.realtime_client import RealtimeClient
from tests.speech import espeak, silence
from voice_agent.models.llm import default_gguf_path

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def llm_server() -> Iterator[str]:
    port = free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / "llama-cpp-server.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(default_gguf_path()),
             "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}/v1"
            for _ in range(300):
                try:
                    urllib.request.urlopen(base + "/models", timeout=1)
                    break
                except OSError:
                    assert process.poll() is None, log_path.read_text()
                    time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=15)


@pytest.fixture(scope="module")
def server_with_llm_url(llm_server: str) -> Iterator[ServerProcess]:
    yield from start_server("llm-url", "--llm-url", llm_server, "--llm-name", "smollm2")


async def test_spoken_turn_through_an_openai_compatible_llm(
    server_with_llm_url: ServerProcess,
) -> None:
    client = await RealtimeClient.connect(server_with_llm_url.ws_url)
    try:
        await client.wait_for("session.created")
        question = "What is the largest planet?"
        await client.stream(np.concatenate([silence(0.3), espeak(question), silence(1.0)]))
        done = await client.wait_for("response.done", timeout=90)
        assert done["response"]["status"] == "completed", client.of_type("error")
        assert client.response_audio(done["response"]["id"]).size > 0
        said = done["response"]["output"][0]["content"][0]["transcript"]
        assert said.strip()
    finally:
        await client.close()
    log = (ARTIFACTS / "llama-cpp-server.log").read_text()
    assert "POST /v1/chat/completions" in log
