"""Soak and fault runs against a real `voice-agent serve` (a benchmark, not a test: minutes long).

    python scripts/soak.py sessions --sessions 8 --minutes 10  # talk; watch memory and leaks
    python scripts/soak.py cycles --cycles 1000   # connect and leave, some mid-reply
    python scripts/soak.py llm-kill               # the --llm-url server dies mid-reply
    python scripts/soak.py sigterm                # SIGTERM while replies play
    python scripts/soak.py overload               # callers keep coming: who is let in, how fast

Each starts its own server on a free loopback port (and stops it by its pid), samples the
server's resident memory, open file descriptors and threads from /proc, and prints one JSON
line of figures at the end (also written to --out). The numbers in RELIABILITY.md came from it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from voice_agent.models.llm import default_gguf_path
from voice_agent.models.voices import Voice, speak
from voice_agent.realtime.client import (
    RealtimeConnection,
    ServerEvent,
    response_create,
    text_item,
)

QUESTIONS = [
    "What is the capital of France?",
    "How many legs does a spider have?",
    "What color is the sky on a clear day?",
    "Name a fruit that is yellow.",
    "What is the largest planet in our solar system?",
    "Which animal is known as the king of the jungle?",
]
VOICES = [Voice("us", "espeak", "en-us", 160, 50), Voice("gb", "espeak", "en-gb", 150, 40)]
RATE = 24_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A server process on loopback, and what /proc says of it."""

    args: list[str]
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "voice_agent", "serve", "--port", str(self.port)]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen([*command, *self.args], stdout=log, stderr=log)
        wait_until_up(f"http://127.0.0.1:{self.port}/healthz", self.process)

    def stop(self) -> int | None:
        if self.process is None:
            return None
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/v1/realtime"

    def sample(self) -> dict[str, int]:
        """Resident memory (kB), open file descriptors and threads of the server process."""
        assert self.process is not None
        pid = self.process.pid
        status = Path(f"/proc/{pid}/status").read_text()
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        return {
            "rss_kb": int(fields["VmRSS"].split()[0]),
            "fds": len(os.listdir(f"/proc/{pid}/fd")),
            "threads": int(fields["Threads"]),
        }

    def health(self) -> dict[str, Any]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=10) as r:
            return dict(json.load(r))


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}; see its log")
        with contextlib.suppress(OSError):
            urllib.request.urlopen(url, timeout=2)
            return
        time.sleep(0.5)
    raise SystemExit(f"{url} did not answer in {timeout_s:.0f} s")


@contextlib.contextmanager
def running(server: Server) -> Iterator[Server]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


def spoken_questions() -> list[np.ndarray]:
    """Each question in each voice at 24 kHz, with silence after it so the turn ends."""
    from voice_agent.audio import resample

    spoken = []
    for question in QUESTIONS:
        for voice in VOICES:
            audio, rate = speak(question, voice)
            spoken.append(np.concatenate([resample(audio, rate, RATE), np.zeros(RATE, np.float32)]))
    return spoken


# ---- sessions: talk for minutes -----------------------------------------------------------


@dataclass
class Tally:
    turns: int = 0  # turns the server committed
    done: int = 0  # of those, answered with a response.done
    statuses: dict[str, int] = field(default_factory=dict)
    stale_audio: int = 0  # audio deltas of a response after its response.done
    errors: dict[str, int] = field(default_factory=dict)
    v2v_ms: list[float] = field(default_factory=list)

    def v2v_figures(self) -> dict[str, int | None]:
        """Voice-to-voice median and 90th percentile, ms."""
        v2v = sorted(self.v2v_ms)
        return {
            "v2v_p50_ms": round(v2v[len(v2v) // 2]) if v2v else None,
            "v2v_p90_ms": round(v2v[int(len(v2v) * 0.9)]) if v2v else None,
        }


async def talk(url: str, until: float, speech: list[np.ndarray], seed: int, tally: Tally) -> None:
    """One caller: asks a question, waits for the answer (or talks over it now and then)."""
    rng = random.Random(seed)
    conn = await RealtimeConnection.connect(url)
    try:
        await conn.wait_for(ServerEvent.SESSION_CREATED, 60)
        while time.monotonic() < until:
            created = len(conn.of_type(ServerEvent.RESPONSE_CREATED))
            await conn.stream(rng.choice(speech))
            with contextlib.suppress(TimeoutError):
                await conn.wait_for(ServerEvent.RESPONSE_DONE, 180, count=created + 1)
    finally:
        await conn.close()
    _count(conn, tally)


def _count(conn: RealtimeConnection, tally: Tally) -> None:
    done_at: dict[str, int] = {}
    for index, event in enumerate(conn.events):
        kind = event["type"]
        if kind == ServerEvent.RESPONSE_DONE:
            response = event["response"]
            done_at[response["id"]] = index
            tally.done += 1
            status = response["status"]
            tally.statuses[status] = tally.statuses.get(status, 0) + 1
        elif kind == "input_audio_buffer.committed":
            tally.turns += 1
        elif kind == ServerEvent.ERROR:
            code = event["error"].get("code") or "?"
            tally.errors[code] = tally.errors.get(code, 0) + 1
        elif kind == ServerEvent.AUDIO_DELTA and event.get("response_id") in done_at:
            tally.stale_audio += 1
    stopped = None
    for record in conn.received:
        if record.event["type"] == "input_audio_buffer.speech_stopped":
            stopped = record.at
        elif record.event["type"] == ServerEvent.AUDIO_DELTA and stopped is not None:
            tally.v2v_ms.append((record.at - stopped) * 1000)
            stopped = None


async def soak_sessions(args: argparse.Namespace, server: Server) -> dict[str, Any]:
    speech = spoken_questions()
    start = time.monotonic()
    until = start + args.minutes * 60
    samples: list[dict[str, Any]] = []

    async def sample_every(period_s: float) -> None:
        while True:
            samples.append({"t_s": round(time.monotonic() - start), **server.sample()})
            await asyncio.sleep(period_s)

    sampler = asyncio.create_task(sample_every(10))
    tally = Tally()
    callers = [talk(server.ws_url, until, speech, seed, tally) for seed in range(args.sessions)]
    results = await asyncio.gather(*callers, return_exceptions=True)
    sampler.cancel()
    await asyncio.sleep(2)  # let the server close what the callers left
    samples.append({"t_s": round(time.monotonic() - start), **server.sample()})
    warm = [s for s in samples if s["t_s"] >= args.warm_up_s] or samples
    return {
        "sessions": args.sessions,
        "minutes": args.minutes,
        "caller_failures": [repr(r) for r in results if isinstance(r, BaseException)],
        "turns_committed": tally.turns,
        "responses_done": tally.done,
        "statuses": tally.statuses,
        "stale_audio_deltas": tally.stale_audio,
        "errors": tally.errors,
        **tally.v2v_figures(),
        "rss_after_warm_up_kb": warm[0]["rss_kb"],
        "rss_end_kb": samples[-1]["rss_kb"],
        "rss_growth_pct": round(100 * (samples[-1]["rss_kb"] / warm[0]["rss_kb"] - 1), 2),
        "fds_start_end": [samples[0]["fds"], samples[-1]["fds"]],
        "threads_start_end": [samples[0]["threads"], samples[-1]["threads"]],
        "sessions_left": server.health()["sessions"],
        "samples": samples,
    }


# ---- overload: callers keep coming ----------------------------------------------------------


@dataclass
class Arrivals:
    admitted: int = 0
    refused: int = 0
    refusal_messages: dict[str, int] = field(default_factory=dict)
    active: int = 0
    most_active: int = 0


async def opening(conn: RealtimeConnection) -> dict[str, Any]:
    """The session's first word: `session.created`, or the `error` that refuses it."""

    def first() -> dict[str, Any] | None:
        events = conn.of_type(ServerEvent.SESSION_CREATED) or conn.of_type(ServerEvent.ERROR)
        return events[0] if events else None

    return await conn.wait(first, 60, "session.created or error")


async def call_now_and_then(
    url: str,
    until: float,
    speech: list[np.ndarray],
    seed: int,
    tally: Tally,
    arrivals: Arrivals,
    turns_per_call: int,
) -> None:
    """One caller who calls, asks a few questions, hangs up and calls again; refused, they
    try again a little later, as a person would."""
    rng = random.Random(seed)
    while time.monotonic() < until:
        conn = await RealtimeConnection.connect(url)
        try:
            first = await opening(conn)
            if first["type"] == ServerEvent.SESSION_CREATED:
                await converse(conn, until, speech, rng, arrivals, turns_per_call)
        finally:
            await conn.close()
        if first["type"] == ServerEvent.ERROR:
            arrivals.refused += 1
            why = first["error"]["message"].split(":")[0]
            arrivals.refusal_messages[why] = arrivals.refusal_messages.get(why, 0) + 1
            await asyncio.sleep(rng.uniform(10, 20))
            continue
        _count(conn, tally)
        await asyncio.sleep(rng.uniform(2, 6))  # between calls


async def converse(
    conn: RealtimeConnection,
    until: float,
    speech: list[np.ndarray],
    rng: random.Random,
    arrivals: Arrivals,
    turns: int,
) -> None:
    arrivals.admitted += 1
    arrivals.active += 1
    arrivals.most_active = max(arrivals.most_active, arrivals.active)
    try:
        for _ in range(turns):
            if time.monotonic() >= until:
                break
            created = len(conn.of_type(ServerEvent.RESPONSE_CREATED))
            await conn.stream(rng.choice(speech))
            with contextlib.suppress(TimeoutError):
                await conn.wait_for(ServerEvent.RESPONSE_DONE, 180, count=created + 1)
    finally:
        arrivals.active -= 1


async def soak_overload(args: argparse.Namespace, server: Server) -> dict[str, Any]:
    speech = spoken_questions()
    start = time.monotonic()
    until = start + args.minutes * 60
    tally, arrivals = Tally(), Arrivals()

    async def caller(seed: int) -> None:
        await asyncio.sleep(seed * args.arrival_s)  # callers arrive one by one
        await call_now_and_then(
            server.ws_url, until, speech, seed, tally, arrivals, args.turns_per_call
        )

    results = await asyncio.gather(
        *(caller(seed) for seed in range(args.sessions)), return_exceptions=True
    )
    return {
        "callers": args.sessions,
        "minutes": args.minutes,
        "server_args": server.args,
        "caller_failures": [repr(r) for r in results if isinstance(r, BaseException)],
        "calls_admitted": arrivals.admitted,
        "calls_refused": arrivals.refused,
        "refusals": arrivals.refusal_messages,
        "most_sessions_at_once": arrivals.most_active,
        "turns_committed": tally.turns,
        "responses_done": tally.done,
        "statuses": tally.statuses,
        "errors": tally.errors,
        **tally.v2v_figures(),
        "v2v_count": len(tally.v2v_ms),
    }


# ---- cycles: connect and leave --------------------------------------------------------------


async def soak_cycles(args: argparse.Namespace, server: Server) -> dict[str, Any]:
    before = server.sample()
    mid_reply = 0
    for cycle in range(args.cycles):
        conn = await RealtimeConnection.connect(server.ws_url)
        await conn.wait_for(ServerEvent.SESSION_CREATED, 60)
        if cycle % 10 == 0:  # leave in the middle of a reply
            await conn.send(text_item(QUESTIONS[cycle % len(QUESTIONS)]))
            await conn.send(response_create())
            await conn.wait_for(ServerEvent.AUDIO_DELTA, 120)
            mid_reply += 1
        await conn.close()
        if cycle % 100 == 99:
            print(f"{cycle + 1} cycles: {server.sample()}", file=sys.stderr, flush=True)
    await asyncio.sleep(2)
    after = server.sample()
    return {
        "cycles": args.cycles,
        "mid_reply": mid_reply,
        "before": before,
        "after": after,
        "sessions_left": server.health()["sessions"],
    }


# ---- faults ----------------------------------------------------------------------------------


def start_llm_server(port: int, log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(default_gguf_path()),
               "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"]  # fmt: skip
    with log.open("ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=out)
    wait_until_up(f"http://127.0.0.1:{port}/v1/models", process)
    return process


async def llm_kill(args: argparse.Namespace, out_dir: Path) -> dict[str, Any]:
    llm_port = free_port()
    llm = start_llm_server(llm_port, out_dir / "llm-server.log")
    server = Server(["--llm-url", f"http://127.0.0.1:{llm_port}/v1"], out_dir / "server.log")
    result: dict[str, Any] = {}
    try:
        with running(server):
            conn = await RealtimeConnection.connect(server.ws_url)
            await conn.wait_for(ServerEvent.SESSION_CREATED, 60)
            await conn.send(text_item("Tell me a long story about a dragon and a knight."))
            await conn.send(response_create())
            await conn.wait_for(ServerEvent.AUDIO_DELTA, 120)
            llm.kill()  # mid-reply
            llm.wait()
            done = await conn.wait_for(ServerEvent.RESPONSE_DONE, 120)
            result["during_outage"] = {
                "status": done["response"]["status"],
                "errors": [e["error"] for e in conn.of_type(ServerEvent.ERROR)],
            }
            llm = start_llm_server(llm_port, out_dir / "llm-server.log")
            await conn.send(text_item("What is the capital of France?"))
            await conn.send(response_create())
            after = await conn.wait_for(ServerEvent.RESPONSE_DONE, 180, count=2)
            result["after_restart"] = {
                "status": after["response"]["status"],
                "answer": conn.response_text(after["response"]["id"]),
            }
            await conn.close()
    finally:
        llm.terminate()
        llm.wait(timeout=30)
    return result


async def sigterm(args: argparse.Namespace, out_dir: Path) -> dict[str, Any]:
    server = Server([], out_dir / "server.log")
    server.start()
    callers = []
    for question in QUESTIONS[:3]:
        conn = await RealtimeConnection.connect(server.ws_url)
        await conn.wait_for(ServerEvent.SESSION_CREATED, 60)
        await conn.send(text_item("Tell me a long story. " + question))
        await conn.send(response_create())
        callers.append(conn)
    for conn in callers:
        await conn.wait_for(ServerEvent.AUDIO_DELTA, 180)
    assert server.process is not None
    server.process.send_signal(signal.SIGTERM)
    exit_code = server.process.wait(timeout=60)
    for conn in callers:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(conn.closed.wait(), 30)
        await conn.close()
    return {
        "exit_code": exit_code,
        "callers": [
            {
                "statuses": [
                    e["response"]["status"] for e in conn.of_type(ServerEvent.RESPONSE_DONE)
                ],
                "close_code": conn.ws.close_code,
            }
            for conn in callers
        ],
    }


# ---- command line ---------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mode", choices=["sessions", "cycles", "llm-kill", "sigterm", "overload"])
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--warm-up-s", type=float, default=120.0)
    parser.add_argument("--cycles", type=int, default=1000)
    parser.add_argument("--arrival-s", type=float, default=15.0, help="overload: between callers")
    parser.add_argument("--turns-per-call", type=int, default=4, help="overload: then hang up")
    parser.add_argument("--out", type=Path, default=Path("soak-out"))
    parser.add_argument("server_args", nargs="*", help="more `voice-agent serve` options")
    # Options this script does not know are the server's (`soak.py overload --max-sessions 4`).
    args, server_options = parser.parse_known_args()
    args.server_args = [*args.server_args, *server_options]
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.time()
    if args.mode in ("sessions", "cycles"):
        # Every caller comes from this one address: let it hold them all, however slow the
        # replies get (this run is about what the sessions leave behind, not admission).
        room = [
            "--max-sessions",
            str(args.sessions),
            "--max-connections-per-ip",
            str(args.sessions),
            "--max-reply-delay-s",
            "0",
        ]
        server = Server([*room, *args.server_args], args.out / "server.log")
        with running(server):
            run = soak_sessions if args.mode == "sessions" else soak_cycles
            figures = asyncio.run(run(args, server))
    elif args.mode == "overload":
        # Admission is the server's own (--max-reply-delay-s; pass 0 to see it off); only the
        # per-address limit is lifted, as every caller comes from here.
        room = ["--max-connections-per-ip", str(args.sessions)]
        server = Server([*room, *args.server_args], args.out / "server.log")
        with running(server):
            figures = asyncio.run(soak_overload(args, server))
    elif args.mode == "llm-kill":
        figures = asyncio.run(llm_kill(args, args.out))
    else:
        figures = asyncio.run(sigterm(args, args.out))
    figures = {"mode": args.mode, "wall_s": round(time.time() - started), **figures}
    (args.out / f"{args.mode}.json").write_text(json.dumps(figures, indent=1))
    print(json.dumps({k: v for k, v in figures.items() if k != "samples"}))


if __name__ == "__main__":
    main()
