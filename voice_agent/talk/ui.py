"""What the terminal shows: a live rich screen, or plain lines when stdout is not a terminal."""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from voice_agent.talk.state import TalkState, Turn

KEYS = {
    "full-duplex": "speak any time (headphones!) · q quit",
    "half-duplex": "mic is muted while the assistant speaks · space interrupt · q quit",
    "push-to-talk": "space start/stop talking · q quit",
}


def level_bar(level: float, width: int = 30) -> Text:
    filled = min(width, int(level * width * 1.4))
    return Text("mic ") + Text("█" * filled, style="green") + Text("░" * (width - filled))


def turn_footer(turn: Turn) -> str:
    parts = []
    if turn.latency_ms is not None:
        parts.append(f"{turn.latency_ms / 1000:.2f} s")
    if turn.interrupted_at_ms is not None or turn.status == "cancelled":
        heard = turn.interrupted_at_ms
        parts.append("interrupted" + (f" after {heard / 1000:.1f} s" if heard else ""))
    if turn.status == "failed":
        parts.append("failed")
    return " · ".join(parts)


def render(state: TalkState, rows: int = 8) -> Group:
    status = {"connected": "green", "connecting": "yellow", "busy": "red"}.get(
        state.connection, "red"
    )
    header = Text.assemble(
        ("voice-agent talk ", "bold"),
        (state.url, "dim"),
        "  ",
        (state.connection, status),
        (f" · {state.phase}" if state.phase and state.connection == "connected" else ""),
        (f"   [{state.mode}]", "dim"),
    )
    table = Table(show_header=False, box=None, expand=True, padding=(0, 1))
    table.add_column(style="bold", width=10, no_wrap=True)
    table.add_column(ratio=1)
    for turn in state.turns[-rows:]:
        table.add_row(Text("You:", style="magenta"), turn.user or "…")
        reply = Text(turn.assistant.strip())
        footer = turn_footer(turn)
        if footer:
            reply.append(f"  ({footer})", style="dim")
        table.add_row(Text("Assistant:", style="cyan"), reply)
    notice = Text(state.notice, style="red") if state.notice else Text("")
    return Group(header, level_bar(state.mic_level), notice, table, Text(KEYS[state.mode], "dim"))


class PlainOutput:
    """One line per finished turn, for pipes and logs."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stdout
        self._last_notice = ""
        self._last_connection = ""

    def turn_done(self, turn: Turn) -> None:
        footer = turn_footer(turn)
        print(f"you: {turn.user}", file=self.stream)
        print(f"assistant: {turn.assistant.strip()}" + (f" [{footer}]" if footer else ""),
              file=self.stream, flush=True)  # fmt: skip

    def notice(self, state: TalkState) -> None:
        """Connection changes and notices, on stderr (stdout is for the conversation)."""
        if state.connection != self._last_connection:
            print(f"{state.connection}: {state.url}", file=sys.stderr, flush=True)
            self._last_connection = state.connection
        if state.notice and state.notice != self._last_notice:
            print(f"note: {state.notice}", file=sys.stderr, flush=True)
        self._last_notice = state.notice
