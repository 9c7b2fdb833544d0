"""`voice-agent` command line."""

from __future__ import annotations

import argparse
import sys

from .config import add_server_arguments, server_config_from_args


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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        from .server import serve

        serve(server_config_from_args(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
