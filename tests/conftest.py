from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Runs the rest of the command line in a new network namespace with only loopback up;
# `unshare` and `sh` exec, so the process's pid is the server's own.
PRIVATE_NETWORK = ["unshare", "--net", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"]


NO_LOAD_ADMISSION = ["--max-reply-delay-s", "0"]


class ServerProcess:
    """A real `voice-agent serve` process on a loopback port, stopped by its own pid.

    With `private_network`, it runs in a network namespace of its own where nothing but
    loopback exists (for WebRTC tests); only processes entered into that namespace
    (`netns_path`) can reach it.
    """

    def __init__(
        self,
        name: str,
        *args: str,
        env: dict[str, str] | None = None,
        private_network: bool = False,
    ) -> None:
        self.port = free_port()
        self.private_network = private_network
        ARTIFACTS.mkdir(exist_ok=True)
        self.log_path = ARTIFACTS / f"server-{name}.log"
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [
                *(PRIVATE_NETWORK if private_network else []),
                sys.executable,
                "-m",
                "voice_agent",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                # Tests hold several sessions on a 2-core machine that may be busy: slow
                # replies there are expected, and must not refuse the next test's session.
                *NO_LOAD_ADMISSION,
                *args,
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/v1/realtime"

    @property
    def netns_path(self) -> str:
        return f"/proc/{self.process.pid}/ns/net"

    def _answers(self) -> bool:
        if self.private_network:  # unreachable from here: trust its log
            return "ready: http" in self.log_path.read_text()
        with urllib.request.urlopen(self.http_url + "/healthz", timeout=1):
            return True

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log_path.read_text()[-3000:]}")
            with contextlib.suppress(OSError):
                if self._answers():
                    return
            time.sleep(0.2)
        raise TimeoutError(f"server not ready in {timeout}s:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


def start_server(
    name: str, *args: str, env: dict[str, str] | None = None, private_network: bool = False
) -> Iterator[ServerProcess]:
    server = ServerProcess(name, *args, env=env, private_network=private_network)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def server() -> Iterator[ServerProcess]:
    """The embedded cascade, shared by the end-to-end tests."""
    yield from start_server("main", "--max-event-mb", "1", "--max-sessions", "6")


@pytest.fixture(scope="session")
def semantic_server() -> Iterator[ServerProcess]:
    """The embedded cascade with semantic_vad for new sessions (clients that never set a
    turn detection, as the terminal client and the page)."""
    yield from start_server("semantic", "--turn-detection", "semantic_vad")
