"""`voice-agent` command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from voice_agent.bench.answers import add_answers_command, run_answers_command
from voice_agent.codec.cli import add_codec_commands, run_codec_command
from voice_agent.config import add_server_arguments, server_config_from_args
from voice_agent.direct.cli import add_direct_commands, run_eval_command, run_train_command
from voice_agent.distill.cli import add_distill_commands, run_distill_command, run_stats_command
from voice_agent.talk.main import add_talk_arguments, run_talk
from voice_agent.voice_tokens.cli import add_voice_token_commands, run_voice_token_command


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="voice-agent",
        description="Real-time speech-to-speech assistant server (OpenAI Realtime protocol).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="run the server",
        description="Run the server. Every option can also be set with the VOICE_AGENT_* "
        "environment variable shown in its help.",
    )
    add_server_arguments(serve)
    add_bench_arguments(commands)
    add_answers_command(commands)
    add_talk_arguments(commands)
    add_distill_commands(commands)
    add_direct_commands(commands)
    add_codec_commands(commands)
    add_voice_token_commands(commands)
    return parser


def add_bench_arguments(commands: argparse._SubParsersAction) -> None:
    from voice_agent.bench.runner import DEFAULT_CORPUS

    bench = commands.add_parser(
        "bench",
        help="measure voice-to-voice latency and correctness of a Realtime server",
        description="Speak prompts from a spoken corpus to one or more OpenAI-Realtime "
        "WebSocket servers at real-time pace and report latency, the servers' own stage "
        "timings, transcript and reply correctness, and barge-in behaviour.",
    )
    bench.add_argument("--url", default="ws://127.0.0.1:8765/v1/realtime", help="server to measure")
    bench.add_argument(
        "--compare",
        action="append",
        default=[],
        metavar="URL",
        help="another server to measure in the same, interleaved run (repeatable); "
        "the report gives ratios against --url",
    )
    bench.add_argument(
        "--turn-detection",
        default="",
        metavar="TYPES",
        help="the turn detection sessions ask for, comma-separated: server_vad (500 ms), "
        "semantic_vad; each is measured on every server, interleaved, so "
        "'server_vad,semantic_vad' compares the two on one server (default: the server's)",
    )
    bench.add_argument(
        "--pauses-every",
        type=int,
        default=0,
        metavar="N",
        help="every Nth turn says a prompt with a 0.6-1.5 s pause mid-turn (a list, an 'um'); "
        "a reply begun at the pause is a cut-in, counted in the report (0: never)",
    )
    bench.add_argument("--sessions", type=int, default=1, help="concurrent sessions per server")
    bench.add_argument(
        "--turns",
        type=int,
        default=None,
        help="turns per session (default: 10; with --questions, enough to ask them all)",
    )
    bench.add_argument(
        "--corpus",
        type=Path,
        default=DEFAULT_CORPUS,
        help="spoken-prompt corpus directory; built there if missing (default: %(default)s)",
    )
    bench.add_argument(
        "--out",
        type=Path,
        default=None,
        help="report directory (default: bench-results/<date-time>)",
    )
    bench.add_argument(
        "--barge-in-every",
        type=int,
        default=None,
        help="every Nth turn talks over the reply (0: never; default: 4, with --questions 0: "
        "an interrupted answer cannot be judged)",
    )
    bench.add_argument(
        "--questions",
        choices=("test", "dev", "all"),
        default=None,
        help="measure answer accuracy too: ask the bundled questions with accepted answers "
        "(test: the held-out split; dev: the split defaults are tuned on)",
    )
    bench.add_argument(
        "--judge-url",
        default="",
        help="with --questions: also ask this OpenAI-compatible judge model (base URL, e.g. "
        "http://127.0.0.1:8080/v1) whether each reply is right; reported beside the rule's verdict",
    )
    bench.add_argument("--judge-model", default="default", help="model name for --judge-url")
    bench.add_argument(
        "--turn-timeout", type=float, default=60.0, help="seconds before a turn counts as failed"
    )
    bench.add_argument(
        "--transport",
        choices=("websocket", "webrtc"),
        default="websocket",
        help="how to reach the server: the WebSocket at --url, or WebRTC calls posted to "
        "--url's /calls endpoint (default: %(default)s)",
    )
    bench.add_argument(
        "--ice-host-addresses",
        default="",
        help="WebRTC: local addresses to offer as host candidates, comma-separated "
        "(127.0.0.1 for a server on this machine that offers only loopback)",
    )
    bench.add_argument(
        "--no-reply-check",
        action="store_true",
        help="skip running Whisper on the reply audio after the run",
    )
    bench.add_argument("--no-progress", action="store_true", help="no progress bars")

    build = commands.add_parser(
        "corpus",
        help="render (or extend) the spoken-prompt corpus of the benchmark",
        description="Render the benchmark's prompts with several espeak-ng and Piper voices "
        "into WAV files with a manifest.jsonl of their exact texts.",
    )
    build.add_argument("--out", type=Path, default=DEFAULT_CORPUS, help="corpus directory")
    build.add_argument(
        "--count", type=int, default=None, help="prompt recordings to render (default: all)"
    )


def run_bench_command(args: argparse.Namespace) -> int:
    import asyncio
    import time

    from voice_agent.bench.questions import questions
    from voice_agent.bench.runner import BenchConfig, run_bench
    from voice_agent.bench.turn import TURN_DETECTIONS

    if args.ice_host_addresses:
        from voice_agent.gateway.webrtc import restrict_host_addresses

        restrict_host_addresses(args.ice_host_addresses)
    if args.turns is None and args.questions:
        asked = len(questions(None if args.questions == "all" else args.questions))
        args.turns = -(-asked // max(args.sessions, 1))  # every question once
    if args.barge_in_every is None:
        args.barge_in_every = 0 if args.questions else 4
    args.turns = 10 if args.turns is None else args.turns
    if args.sessions < 1 or args.turns < 1:
        print("error: --sessions and --turns must be at least 1", file=sys.stderr)
        return 2
    kinds = [kind.strip() for kind in args.turn_detection.split(",") if kind.strip()]
    unknown = [kind for kind in kinds if kind not in TURN_DETECTIONS]
    if unknown or args.pauses_every < 0:
        print(
            f"error: --turn-detection takes {', '.join(TURN_DETECTIONS)} and --pauses-every "
            "is at least 0",
            file=sys.stderr,
        )
        return 2
    out = args.out or Path("bench-results") / time.strftime("%Y%m%d-%H%M%S")
    config = BenchConfig(
        urls=[args.url, *args.compare],
        turn_detections=tuple(kinds),
        pauses_every=args.pauses_every,
        sessions=args.sessions,
        turns=args.turns,
        corpus_dir=args.corpus,
        out_dir=out,
        barge_in_every=args.barge_in_every,
        turn_timeout_s=args.turn_timeout,
        check_replies=not args.no_reply_check,
        progress=not args.no_progress,
        transport=args.transport,
        questions=args.questions,
        judge_url=args.judge_url,
        judge_model=args.judge_model,
    )
    result = asyncio.run(run_bench(config))
    print(result["table"])
    print(f"\nreport: {out / 'report.json'}; plots: {', '.join(result['plots'])}")
    ok = sum(target["ok"] for target in result["targets"].values())
    return 0 if ok else 3  # 3: not a single turn could be measured


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        from voice_agent.gateway.server import serve

        serve(server_config_from_args(args))
    elif args.command == "bench":
        return run_bench_command(args)
    elif args.command == "answers":
        return run_answers_command(args)
    elif args.command == "talk":
        return run_talk(args)
    elif args.command == "distill":
        return run_distill_command(args)
    elif args.command == "distill-stats":
        return run_stats_command(args)
    elif args.command == "distill-tokens":
        from voice_agent.distill import add_tokens

        return add_tokens.run(args)
    elif args.command == "train-direct":
        return run_train_command(args)
    elif args.command == "eval-direct":
        return run_eval_command(args)
    elif args.command in ("train-codec", "eval-codec"):
        return run_codec_command(args)
    elif args.command in ("fit-voice-tokens", "eval-voice-tokens"):
        return run_voice_token_command(args)
    elif args.command == "corpus":
        from voice_agent.bench import corpus

        count = args.count if args.count is not None else len(corpus.plan())
        items = corpus.build(args.out, count)
        print(f"{len(items)} recordings in {args.out} ({args.out / corpus.MANIFEST})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
