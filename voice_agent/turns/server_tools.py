"""Functions the server runs itself (`--demo-tools`): a session offered one gets its result
from the server, with no client code, so the page can show function calling end to end."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

from voice_agent.engines.base import FunctionTool
from voice_agent.turns.conversation import Item

ServerFunction = Callable[[str], str]  # JSON arguments -> JSON result

CLOCK = FunctionTool(
    "get_server_time",
    "Get the current time and date.",
    {"type": "object", "properties": {}, "additionalProperties": False},
)


def server_time(arguments: str) -> str:
    now = datetime.now().astimezone()
    hour = now.strftime("%I").lstrip("0")
    said = f"{hour}:{now:%M} {now:%p} on {now:%A}, {now:%B} {now.day}"
    # Only the spoken form: given an ISO time too, SmolLM2 read out "2026-12-3".
    return json.dumps({"time": said})


DEMO_TOOLS: dict[str, tuple[FunctionTool, ServerFunction]] = {CLOCK.name: (CLOCK, server_time)}


def answer_calls(items: list[Item], functions: dict[str, ServerFunction]) -> list[Item]:
    """The results of the calls among `items` of functions the server runs itself."""
    results = []
    for item in items:
        if item.call is not None and item.call.name in functions:
            result = Item("tool", functions[item.call.name](item.call.arguments))
            result.call_id = item.call.call_id
            results.append(result)
    return results
