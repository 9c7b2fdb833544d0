"""The long fuzz run: generated and mutated client events against the protocol and a session.

    python scripts/fuzz.py --events 100000 --seed 1
    python scripts/fuzz.py --events 20000 --seed 1 --url ws://127.0.0.1:8765/v1/realtime

Without --url the events go through the gateway's `dispatch` into a real session with a
model-free engine and VAD on virtual time (sans-I/O); with it, over a WebSocket to a running
server (give it --max-events-per-s and --max-audio-rate high enough for a fuzzer, and
--max-event-mb as the server has it). Prints a progress line now and then, the final
figures, and each problem (an event answered wrongly, a crash, a hang); exits 1 on any.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from voice_agent.fuzz.cases import Figures
from voice_agent.fuzz.live import fuzz_live
from voice_agent.fuzz.sans_io import fuzz_sans_io


def progress(figures: Figures) -> None:
    rate = figures.events / figures.wall_s if figures.wall_s else 0.0
    print(
        f"{figures.events} events, {figures.errors_answered} errors answered, "
        f"{figures.problem_count} problems, {rate:.0f} events/s",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000, help="how many events to send")
    parser.add_argument("--seed", type=int, default=1, help="the cases are a function of it")
    parser.add_argument("--url", default="", help="a running server's WebSocket URL (live run)")
    parser.add_argument(
        "--max-event-mb", type=float, default=16.0, help="the live server's --max-event-mb"
    )
    parser.add_argument("--every", type=int, default=0, help="progress every N events")
    args = parser.parse_args()
    if args.url:
        every = args.every or 1_000
        max_bytes = int(args.max_event_mb * 1024 * 1024)
        run = fuzz_live(args.url, args.events, args.seed, max_bytes, progress, every)
    else:
        run = fuzz_sans_io(args.events, args.seed, progress, args.every or 10_000)
    figures = asyncio.run(run)
    print(figures.summary())
    for problem in figures.problems:
        print("  problem:", problem[:500])
    failed = figures.problem_count or figures.crashes or figures.hangs or figures.usable_after
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
