"""A private PulseAudio daemon with two null sinks, so `voice-agent talk` has a real
microphone and speaker on a machine with no sound card.

`vmic` is the microphone: what is played into it (`paplay -d vmic`) is what the client
hears from the default source (`vmic.monitor`). `vspk` is the speaker: the client plays
into it, and `parec -d vspk.monitor` records what a listener would have heard.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

RATE = 16_000


def _ctrl_c_as_in_the_foreground() -> None:
    """A suite started in the background (`.ci/run &` from a script) ignores SIGINT, and its
    children inherit that, so the client would ignore the tests' Ctrl-C; a person's Ctrl-C
    reaches a client running in the foreground, with SIGINT's default action."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class PulseAudio:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="pa", dir="/tmp"))  # short: a socket path
        self.socket = self.dir / "native"
        config = self.dir / "virt.pa"
        config.write_text(
            f"load-module module-native-protocol-unix auth-anonymous=1 socket={self.socket}\n"
            f"load-module module-null-sink sink_name=vspk format=s16le rate={RATE} channels=1\n"
            f"load-module module-null-sink sink_name=vmic format=s16le rate={RATE} channels=1\n"
            "set-default-sink vspk\nset-default-source vmic.monitor\n"
        )
        self.env = {**os.environ, "PULSE_SERVER": f"unix:{self.socket}"}
        daemon_env = {**os.environ, "XDG_RUNTIME_DIR": str(self.dir), "HOME": str(self.dir)}
        self.processes: list[subprocess.Popen[bytes]] = []
        self.daemon = self._start(
            ["pulseaudio", "--daemonize=no", "--exit-idle-time=-1", "-n", "-F", str(config),
             f"--log-target=file:{self.dir / 'pulseaudio.log'}"],
            env=daemon_env,
        )  # fmt: skip
        deadline = time.monotonic() + 15
        while not self.socket.exists():
            if self.daemon.poll() is not None or time.monotonic() > deadline:
                log = (self.dir / "pulseaudio.log").read_text(errors="replace")
                raise RuntimeError(f"pulseaudio did not start:\n{log[-2000:]}")
            time.sleep(0.1)
        # Idle null sinks render in 2 s blocks; a steady low-latency reader on each monitor
        # keeps them running in small blocks, so audio is not held back up to 2 s.
        for monitor in ("vmic.monitor", "vspk.monitor"):
            self._start(["parec", "--latency-msec=20", "--raw", "-d", monitor],
                        stdout=subprocess.DEVNULL)  # fmt: skip
        time.sleep(2.0)

    def _start(self, command: list[str], **kwargs: object) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(command, env=kwargs.pop("env", self.env), **kwargs)  # type: ignore[call-overload]
        self.processes.append(process)
        return process

    def play_into_mic(self, wav: Path) -> subprocess.Popen[bytes]:
        return self._start(["paplay", "-d", "vmic", str(wav)])

    def record_speaker(self, wav: Path) -> subprocess.Popen[bytes]:
        return self._start(
            ["parec", "-d", "vspk.monitor", "--file-format=wav", "--format=s16le",
             f"--rate={RATE}", "--channels=1", "--latency-msec=20", str(wav)]
        )  # fmt: skip

    def talk(self, *args: str) -> subprocess.Popen[str]:
        """`voice-agent talk --no-ui` on these devices, its output in pipes."""
        process = subprocess.Popen(
            [sys.executable, "-m", "voice_agent", "talk", "--no-ui", *args],
            env={**self.env, "PYTHONFAULTHANDLER": "1"},  # stacks on SIGABRT, for a hang
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            preexec_fn=_ctrl_c_as_in_the_foreground,
        )  # fmt: skip
        self.processes.append(process)  # type: ignore[arg-type]
        return process

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@pytest.fixture
def pulse() -> Iterator[PulseAudio]:
    audio = PulseAudio()
    try:
        yield audio
    finally:
        audio.stop()
