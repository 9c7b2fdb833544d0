"""`--llm-url`: the cascade answers through a real OpenAI-compatible server (llama.cpp's).

A recording proxy sits between our server and llama.cpp's, so the test knows what the LLM
server was asked and what it answered, and can play a dead server."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
import pytest

from tests.conftest import ARTIFACTS, ServerProcess, free_port, start_server
from tests.speech import espeak, silence
from voice_agent.evaluation import word_error_rate
from voice_agent.models.llm import default_gguf_path
from voice_agent.realtime.client import RealtimeConnection, ServerEvent, response_create, text_item
from voice_agent.text import speakable

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


class RecordingProxy:
    """Forwards `/v1/chat/completions` to the LLM server, recording each request body and the
    text the LLM server streamed back; with `dead` set it hangs up without answering."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.requests: list[dict[str, Any]] = []
        self.answers: list[str] = []
        self.dead = False
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if proxy.dead:
                    self.close_connection = True  # no status line: the server died
                    return
                proxy.requests.append(json.loads(body))
                proxy.answers.append("")
                url = proxy.upstream + self.path.removeprefix("/v1")
                forward = urllib.request.Request(
                    url, data=body, headers={"Content-Type": "application/json"}
                )
                with urllib.request.urlopen(forward, timeout=120) as upstream:
                    self.send_response(upstream.status)
                    self.send_header("Content-Type", upstream.headers["Content-Type"])
                    self.end_headers()
                    for line in upstream:  # server-sent events, passed on as they come
                        proxy.answers[-1] += _sse_text(line)  # recorded before it is passed on
                        self.wfile.write(line)
                        self.wfile.flush()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()


def _sse_text(line: bytes) -> str:
    text = line.decode().strip()
    if not text.startswith("data:") or text == "data: [DONE]":
        return ""
    choices = json.loads(text[5:]).get("choices") or [{}]
    return (choices[0].get("delta") or {}).get("content") or ""


@pytest.fixture(scope="module")
def proxy(llm_server: str) -> Iterator[RecordingProxy]:
    proxy = RecordingProxy(llm_server)
    try:
        yield proxy
    finally:
        proxy.close()


@pytest.fixture(scope="module")
def server_with_llm_url(proxy: RecordingProxy) -> Iterator[ServerProcess]:
    yield from start_server(
        "llm-url", "--llm-url", proxy.url, "--llm-name", "smollm2", "--temperature", "0.4"
    )


async def test_spoken_turn_through_an_openai_compatible_llm(
    server_with_llm_url: ServerProcess, proxy: RecordingProxy
) -> None:
    client = await RealtimeConnection.connect(server_with_llm_url.ws_url)
    try:
        await client.configure({"temperature": 0.0})
        asked = len(proxy.requests)
        question = "What is the largest planet?"
        await client.stream(np.concatenate([silence(0.3), espeak(question), silence(1.0)]))
        done = await client.wait_for(ServerEvent.RESPONSE_DONE, timeout=90)
        assert done["response"]["status"] == "completed", client.of_type(ServerEvent.ERROR)
        assert client.response_audio(done["response"]["id"]).size > 0
        said = done["response"]["output"][0]["content"][0]["transcript"]

        # The LLM server was asked what the server heard, under the name we gave it...
        heard = client.of_type(ServerEvent.INPUT_TRANSCRIPT_DONE)
        assert word_error_rate(question, heard[-1]["transcript"]) <= 0.2, heard
        request = proxy.requests[asked]
        assert request["model"] == "smollm2" and request["temperature"] == 0.0
        assert request["messages"][-1] == {"role": "user", "content": heard[-1]["transcript"]}
        # ...and what it answered is what the client got, word for word.
        answer = proxy.answers[asked]
        assert answer.strip()
        assert word_error_rate(speakable(answer), said) <= 0.05, (answer, said)
    finally:
        await client.close()


async def test_llm_server_dying_fails_the_reply_not_the_session(
    server_with_llm_url: ServerProcess, proxy: RecordingProxy
) -> None:
    client = await RealtimeConnection.connect(server_with_llm_url.ws_url)
    try:
        await client.wait_for(ServerEvent.SESSION_CREATED)
        proxy.dead = True
        try:
            await client.send(text_item("Hello?"))
            await client.send(response_create())
            done = await client.wait_for(ServerEvent.RESPONSE_DONE, timeout=60)
        finally:
            proxy.dead = False
        assert done["response"]["status"] == "failed"
        error = client.of_type(ServerEvent.ERROR)[-1]["error"]
        assert error["code"] == "llm_unavailable", error  # as the README documents
        assert "LLM server" in error["message"]

        # The server is back: the same session gets an answer from it.
        await client.send(text_item("Say hello."))
        await client.send(response_create())
        done = await client.wait_for(ServerEvent.RESPONSE_DONE, count=2, timeout=90)
        assert done["response"]["status"] == "completed", client.of_type(ServerEvent.ERROR)
        said = done["response"]["output"][0]["content"][0]["transcript"]
        assert word_error_rate(speakable(proxy.answers[-1]), said) <= 0.05
    finally:
        await client.close()


async def test_server_reply_defaults_reach_the_llm_and_sums_need_none(
    server_with_llm_url: ServerProcess, proxy: RecordingProxy
) -> None:
    client = await RealtimeConnection.connect(server_with_llm_url.ws_url)
    try:
        await client.wait_for(ServerEvent.SESSION_CREATED)
        asked = len(proxy.requests)
        await client.send(text_item("What is six times seven?"))
        await client.send(response_create())
        done = await client.wait_for(ServerEvent.RESPONSE_DONE, timeout=60)
        said = done["response"]["output"][0]["content"][0]["transcript"]
        assert said == "6 times 7 is 42."  # worked out, and spoken
        assert client.response_audio(done["response"]["id"]).size > 0
        assert len(proxy.requests) == asked  # the LLM was not asked

        await client.send(text_item("Say hello."))
        await client.send(response_create())
        await client.wait_for(ServerEvent.RESPONSE_DONE, count=2, timeout=90)
        assert proxy.requests[asked]["temperature"] == 0.4  # the server's --temperature
    finally:
        await client.close()
