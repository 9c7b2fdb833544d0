"""`voice-agent talk`: options in, a conversation out, the terminal left as it was found."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import faulthandler
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from rich.console import Console
from rich.live import Live

from voice_agent.audio.wavfile import write_wav
from voice_agent.talk.client import ServerGone, TalkClient, TalkOptions
from voice_agent.talk.devices import AudioDeviceError, Microphone, Speaker, list_devices
from voice_agent.talk.files import FileMicrophone, RecordingSpeaker
from voice_agent.talk.keys import key_presses
from voice_agent.talk.state import TalkState
from voice_agent.talk.ui import PlainOutput, render

QUIET_AFTER_FILES_S = 2.0  # scripted mode ends this long after the last reply, once input ran out
SCRIPT_GRACE_S = 120.0  # scripted mode gives up this long after its input ran out
EXIT_GRACE_S = 5.0  # after Ctrl-C, closing gets this long; then the process ends anyway


def add_talk_arguments(commands: argparse._SubParsersAction) -> None:
    talk = commands.add_parser(
        "talk",
        help="talk to a Realtime server from this terminal, with the microphone",
        description="Talk to a Realtime server with this machine's microphone and speaker. "
        "Full duplex (default) needs headphones, or the assistant hears itself; "
        "--half-duplex mutes the mic while it speaks (space interrupts it); "
        "--push-to-talk sends only what you say between two presses of space.",
    )
    talk.add_argument("--url", default="ws://127.0.0.1:8765/v1/realtime", help="server URL")
    talk.add_argument("--input-device", default=None, help="microphone: index or name")
    talk.add_argument("--output-device", default=None, help="speaker: index or name")
    talk.add_argument("--list-devices", action="store_true", help="list sound devices and exit")
    mode = talk.add_mutually_exclusive_group()
    mode.add_argument("--half-duplex", action="store_true", help="mute the mic during replies")
    mode.add_argument("--push-to-talk", action="store_true", help="space starts and stops a turn")
    talk.add_argument(
        "--input-file",
        type=Path,
        action="append",
        default=[],
        help="scripted: speak this 16-bit WAV instead of the mic (repeatable; no sound device)",
    )
    talk.add_argument("--output-file", type=Path, help="scripted: save the replies to this WAV")
    talk.add_argument("--instructions", help="system prompt for this session")
    talk.add_argument(
        "--retries",
        type=int,
        default=6,
        help="connection attempts before giving up, with backoff 1, 2, 4… s (default: 6)",
    )
    talk.add_argument("--no-ui", action="store_true", help="plain lines instead of the live screen")


def _device(value: str | None) -> int | str | None:
    return int(value) if value is not None and value.isdigit() else value


def run_talk(args: argparse.Namespace) -> int:
    if args.list_devices:
        try:
            print(list_devices())
        except AudioDeviceError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        return 0
    if args.output_file and not args.input_file:
        print("error: --output-file goes with --input-file (scripted mode)", file=sys.stderr)
        return 2
    mode = "push-to-talk" if args.push_to_talk else "half-duplex" if args.half_duplex else None
    options = TalkOptions(args.url, mode or "full-duplex", args.instructions, max(1, args.retries))
    try:
        return asyncio.run(_talk(args, options))
    except KeyboardInterrupt:
        print("bye", file=sys.stderr)
        return 130
    except AudioDeviceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ServerGone as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


async def _talk(args: argparse.Namespace, options: TalkOptions) -> int:
    scripted = bool(args.input_file)
    state = TalkState(options.url, options.mode)
    plain = PlainOutput()
    if scripted:
        mic: FileMicrophone | Microphone = FileMicrophone(args.input_file)
        speaker: RecordingSpeaker | Speaker = RecordingSpeaker()
    else:
        mic, speaker = Microphone(_device(args.input_device)), Speaker(_device(args.output_device))
    vad = None
    if not scripted and options.mode == "full-duplex":
        from voice_agent.models.vad import SileroVAD, SpeechDetector

        vad = SpeechDetector(SileroVAD(), silence_duration_ms=300)
    client = TalkClient(options, mic, speaker, state, vad, on_turn_done=plain.turn_done)
    live_ui = not scripted and not args.no_ui and sys.stdout.isatty()
    if live_ui:
        client.on_turn_done = lambda turn: None
    session = asyncio.create_task(client.run())
    quit_requested = asyncio.Event()
    key_tasks: set[asyncio.Task[None]] = set()

    def on_key(key: str) -> None:
        if key in ("q", "Q"):
            quit_requested.set()
        elif key == " ":
            task = asyncio.create_task(client.space())
            key_tasks.add(task)
            task.add_done_callback(key_tasks.discard)

    try:
        with key_presses(on_key), _screen(live_ui, state) as refresh:
            while not session.done() and not quit_requested.is_set():
                await asyncio.wait([session], timeout=0.08)
                refresh()
                if not live_ui:
                    plain.notice(state)
                if scripted and _script_finished(mic, state):
                    break
    except asyncio.CancelledError:  # Ctrl-C: what closes below must not keep the process
        _exit_anyway_after(EXIT_GRACE_S)
        raise
    finally:
        session.cancel()
        try:
            with contextlib.suppress(asyncio.CancelledError):
                await session  # a ServerGone that ended it is raised here
        finally:
            client.close()
    if scripted and args.output_file:
        assert isinstance(speaker, RecordingSpeaker)
        write_wav(args.output_file, speaker.recording(), speaker.rate)
    return 0


def _exit_anyway_after(seconds: float) -> None:
    """End the process after `seconds` if it has not ended by then. Closing waits on others
    (PortAudio's device threads, the server's reply to the WebSocket close, the sound
    library's exit handler), and a person who pressed Ctrl-C must get the prompt back: say
    where it was stuck, for a bug report, and exit as Ctrl-C does."""

    def expire() -> None:
        print(f"closing took over {seconds:g} s; stuck in:", file=sys.stderr, flush=True)
        faulthandler.dump_traceback(sys.stderr, all_threads=True)
        print("bye", file=sys.stderr, flush=True)
        os._exit(130)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True  # a process that closes in time does not wait for it
    timer.start()


def _script_finished(mic: object, state: TalkState) -> bool:
    assert isinstance(mic, FileMicrophone)
    if not mic.finished.is_set():
        return False
    if time.monotonic() - mic.finished_at > SCRIPT_GRACE_S:
        raise ServerGone(f"no reply within {SCRIPT_GRACE_S:.0f} s of the end of the input")
    if state.active_response is not None:
        return False
    answered = any(turn.status for turn in state.turns)
    return answered and time.monotonic() - state.last_event_at > QUIET_AFTER_FILES_S


@contextlib.contextmanager
def _screen(live_ui: bool, state: TalkState) -> Iterator[Callable[[], None]]:
    if not live_ui:
        yield lambda: None
        return
    console = Console()
    with Live(render(state), console=console, refresh_per_second=12, transient=False) as live:
        yield lambda: live.update(render(state))
