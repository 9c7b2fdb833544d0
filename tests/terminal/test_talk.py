"""`voice-agent talk` end to end: real server, real client process, virtual sound devices."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import ARTIFACTS, ServerProcess, free_port
from tests.e2e.helpers import whisper
from tests.speech import read_wav, speech_wav
from tests.terminal.conftest import RATE, PulseAudio
from voice_agent.audio import resample
from voice_agent.evaluation import word_error_rate

QUESTION = "What is the largest planet?"
LONG_QUESTION = "Tell me a long story about a brave knight."
FOLLOW_UP = "What color is the sky?"


class Lines:
    """A process's output lines, collected by a thread as they come."""

    def __init__(self, stream: object) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self.lines.append(line.rstrip("\n"))

    def all(self) -> list[str]:
        """Every line, once the process has closed its end (it has exited)."""
        self._thread.join(timeout=30)
        return self.lines

    def wait_for(
        self, prefix: str, count: int = 1, timeout: float = 90, anywhere: bool = False
    ) -> list[str]:
        """Lines starting with `prefix` (or holding it, `anywhere`), once `count` have come."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [
                line
                for line in self.lines
                if (prefix in line if anywhere else line.startswith(prefix))
            ]
            if len(found) >= count:
                return found
            time.sleep(0.1)
        raise AssertionError(f"no {count} lines with {prefix!r} in {self.lines[-40:]}")


def wait_connected(err: Lines) -> None:
    # On a loaded machine alsa-lib prints underrun notes to the same stderr in several unbuffered
    # writes, so the client's status line can land in the middle of one of them.
    err.wait_for("connected: ws://", timeout=60, anywhere=True)


def said(line: str) -> str:
    """The text of a 'you: …' or 'assistant: … [footer]' line."""
    return line.split(": ", 1)[1].split(" [")[0]


def rms_between(audio: np.ndarray, start_s: float, end_s: float) -> float:
    part = audio[max(0, int(start_s * RATE)) : max(0, int(end_s * RATE))]
    return float(np.sqrt(np.mean(part**2))) if len(part) else 0.0


def loud_windows(recording: Path) -> np.ndarray:
    """Per 50 ms of a WAV that parec is still writing: whether it holds sound."""
    window = RATE // 20
    raw = recording.read_bytes()[44:] if recording.exists() else b""
    samples = np.frombuffer(raw[: len(raw) // 2 * 2], "<i2").astype(np.float32) / 32768
    windows = samples[: len(samples) // window * window].reshape(-1, window)
    return np.sqrt((windows**2).mean(axis=1)) > 0.01


def wait_for_sound(recording: Path, seconds: float, timeout: float = 120.0) -> None:
    """Wait until the speaker has played `seconds` of sound: the reply is audible."""
    deadline = time.monotonic() + timeout
    while int(loud_windows(recording).sum()) * 0.05 < seconds:
        if time.monotonic() > deadline:
            raise AssertionError(f"no reply audio reached the speaker within {timeout:.0f} s")
        time.sleep(0.05)


def wait_for_quiet(recording: Path, seconds: float = 0.6, timeout: float = 60.0) -> None:
    """Wait until the speaker has been silent for the last `seconds` (the reply is over)."""
    deadline = time.monotonic() + timeout
    tail = round(seconds / 0.05)
    while (loud := loud_windows(recording)).size < tail or loud[-tail:].any():
        if time.monotonic() > deadline:
            raise AssertionError(f"the speaker did not fall silent within {timeout:.0f} s")
        time.sleep(0.05)


def stop(process: subprocess.Popen[str], err: Lines) -> int:
    process.send_signal(signal.SIGINT)  # Ctrl-C, as a person would
    try:
        code = process.wait(timeout=20)
        if any(line.startswith("closing took over") for line in err.all()):
            # It exited, as a person needs; where closing hung goes into the test report.
            stacks = "\n".join(err.lines[-80:])
            warnings.warn(f"the client's closing hung after Ctrl-C:\n{stacks}", stacklevel=2)
        return code
    except subprocess.TimeoutExpired:
        # Where it hangs: SIGABRT makes the client's faulthandler print every thread's stack.
        process.send_signal(signal.SIGABRT)
        process.wait(timeout=20)
        stacks = "\n".join(err.all()[-80:])
        raise AssertionError(f"the client did not exit on Ctrl-C; its threads:\n{stacks}") from None


async def test_scripted_file_mode(server: ServerProcess, tmp_path: Path) -> None:
    question, _ = speech_wav(tmp_path / "q.wav", 0.5, QUESTION, 1.0)
    reply = tmp_path / "reply.wav"
    result = subprocess.run(
        [sys.executable, "-m", "voice_agent", "talk", "--url", server.ws_url,
         "--input-file", str(question), "--output-file", str(reply)],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    you = next(line for line in lines if line.startswith("you: "))
    assistant = next(line for line in lines if line.startswith("assistant: "))
    assert word_error_rate(QUESTION, said(you)) <= 0.25, you
    audio, rate = read_wav(reply)
    assert rate == 24_000 and len(audio) > rate // 2
    heard = await whisper().transcribe(resample(audio, rate, 16_000))
    assert word_error_rate(said(assistant), heard) <= 0.35, (assistant, heard)


@pytest.mark.parametrize("server_name", ["server", "semantic_server"])
async def test_a_spoken_turn_through_the_sound_devices(
    request: pytest.FixtureRequest, server_name: str, pulse: PulseAudio, tmp_path: Path
) -> None:
    server: ServerProcess = request.getfixturevalue(server_name)
    question, _ = speech_wav(tmp_path / "q.wav", 0.3, QUESTION, 1.0)
    client = pulse.talk("--url", server.ws_url)
    out, err = Lines(client.stdout), Lines(client.stderr)
    wait_connected(err)
    capture = tmp_path / "speaker.wav"
    recorder = pulse.record_speaker(capture)
    pulse.play_into_mic(question)
    assistant = out.wait_for("assistant: ")[0]
    you = out.wait_for("you: ")[0]
    wait_for_quiet(capture)  # the reply's last half second is still playing at response.done
    recorder.terminate()
    recorder.wait(timeout=10)
    assert stop(client, err) == 130
    assert word_error_rate(QUESTION, said(you)) <= 0.25, you
    played, rate = read_wav(capture)
    assert rate == RATE and float(np.max(np.abs(played))) > 0.05, "nothing reached the speaker"
    heard = await whisper().transcribe(played)
    assert word_error_rate(said(assistant), heard) <= 0.35, (assistant, heard)


async def test_speaking_over_the_reply_silences_it(
    server: ServerProcess, pulse: PulseAudio, tmp_path: Path
) -> None:
    question, _ = speech_wav(tmp_path / "question.wav", 0.3, LONG_QUESTION, 0.5)
    follow_up, spans = speech_wav(tmp_path / "follow-up.wav", 0.1, FOLLOW_UP, 1.0)
    client = pulse.talk("--url", server.ws_url)
    out, err = Lines(client.stdout), Lines(client.stderr)
    wait_connected(err)
    capture = tmp_path / "speaker.wav"
    recorder = pulse.record_speaker(capture)
    recording_from = time.monotonic()
    pulse.play_into_mic(question)
    wait_for_sound(capture, seconds=0.6)  # the reply is playing: now talk over it
    playing_from = time.monotonic()
    pulse.play_into_mic(follow_up)
    out.wait_for("assistant: ", count=2, timeout=120)
    wait_for_quiet(capture)
    recorder.terminate()
    recorder.wait(timeout=10)
    assert stop(client, err) == 130
    first = out.wait_for("assistant: ", count=2)[0]
    assert "interrupted" in first, first
    assert word_error_rate(FOLLOW_UP, said(out.wait_for("you: ", count=2)[1])) <= 0.25
    played, _ = read_wav(capture)
    shutil.copy(capture, ARTIFACTS / "talk-barge-in-speaker.wav")
    # Seconds into the recording where the follow-up question started and ended.
    shift = playing_from - recording_from
    follow_start, follow_end = (t + shift for t in spans[0])
    assert rms_between(played, follow_start - 1.5, follow_start) > 0.01, "no reply to cut"
    # Silent from shortly after the user started talking over it until they finished.
    envelope = [
        round(rms_between(played, follow_start + t, follow_start + t + 0.25), 3)
        for t in np.arange(-1.5, 2.5, 0.25)
    ]
    assert rms_between(played, follow_start + 1.0, follow_end + 0.3) < 0.005, (
        f"reply not silenced; RMS per 250 ms from 1.5 s before the follow-up: {envelope}"
    )


def test_terminal_ui_in_tmux(server: ServerProcess, pulse: PulseAudio, tmp_path: Path) -> None:
    question, _ = speech_wav(tmp_path / "q.wav", 0.3, QUESTION, 1.0)
    socket = str(tmp_path / "tmux.sock")
    command = f"{sys.executable} -m voice_agent talk --url {server.ws_url}"
    tmux = ["tmux", "-S", socket]
    subprocess.run(
        [*tmux, "new-session", "-d", "-x", "120", "-y", "30", "-s", "talk", command],
        env=pulse.env, check=True,
    )  # fmt: skip
    tmux_pid = int(subprocess.check_output([*tmux, "display", "-p", "#{pid}"], text=True))
    try:
        screen = _wait_for_screen(tmux, lambda s: "connected" in s and "mic" in s)
        pulse.play_into_mic(question)
        screen = _wait_for_screen(
            tmux, lambda s: "planet" in s and "Assistant:" in s and " s)" in s
        )
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "talk-screen.txt").write_text(screen)
        you = next(line for line in screen.splitlines() if "You:" in line)
        assert word_error_rate(QUESTION, you.split("You:", 1)[1].strip()) <= 0.25, screen
        subprocess.run([*tmux, "send-keys", "-t", "talk", "q"], check=True)
        deadline = time.monotonic() + 20
        while subprocess.run([*tmux, "has-session"], capture_output=True).returncode == 0:
            assert time.monotonic() < deadline, "q did not quit"
            time.sleep(0.2)
    finally:
        subprocess.run(["kill", str(tmux_pid)], capture_output=True)


def _wait_for_screen(tmux: list[str], ready: object, timeout: float = 90) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = subprocess.run(
            [*tmux, "capture-pane", "-p", "-t", "talk"], capture_output=True, text=True
        ).stdout
        if ready(screen):  # type: ignore[operator]
            return screen
        time.sleep(0.25)
    raise AssertionError(f"the screen never got there:\n{screen}")


def test_errors_in_plain_words(tmp_path: Path) -> None:
    question, _ = speech_wav(tmp_path / "q.wav", 0.5, QUESTION)
    nobody = f"ws://127.0.0.1:{free_port()}/v1/realtime"
    unreachable = subprocess.run(
        [sys.executable, "-m", "voice_agent", "talk", "--url", nobody, "--retries", "2",
         "--input-file", str(question)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert unreachable.returncode == 1
    assert "cannot reach the server" in unreachable.stderr and "retrying in 1 s" in (
        unreachable.stderr
    ), unreachable.stderr
    # No sound card here and no PulseAudio server: live mode says so and what to do.
    env = {k: v for k, v in os.environ.items() if k != "PULSE_SERVER"}
    no_device = subprocess.run(
        [sys.executable, "-m", "voice_agent", "talk", "--url", nobody, "--no-ui"],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert no_device.returncode == 2
    assert "no microphone found" in no_device.stderr and "--input-file" in no_device.stderr
    bad_file = subprocess.run(
        [sys.executable, "-m", "voice_agent", "talk", "--input-file", str(tmp_path / "none.wav")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert bad_file.returncode == 2 and "cannot read" in bad_file.stderr
