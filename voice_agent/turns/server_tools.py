"""Functions the server runs itself (`--demo-tools`): a session offered one gets its result
from the server, with no client code, so the page can show function calling end to end."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from voice_agent.engines.base import AUTO, FunctionTool
from voice_agent.realtime import server_events
from voice_agent.realtime.client_events import ResponseOptions
from voice_agent.turns.conversation import Conversation, Item
from voice_agent.turns.response import Response

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


# The reply to results the server added: it may answer or call again (up to a bound), but it
# is never forced to call, which would make a model under tool_choice "required" loop.
ANSWER_RESULTS = ResponseOptions(tool_choice=AUTO)
MAX_SERVER_ROUNDS = 3


@dataclass(frozen=True)
class Answered:
    results: list[Item]  # the server's results, in call order
    complete: bool  # every call of the response is answered: the server may reply


def answer_calls(
    items: list[Item],
    offered: tuple[FunctionTool, ...],
    functions: dict[str, tuple[FunctionTool, ServerFunction]],
) -> Answered:
    """Run the calls among `items` of the server's own functions: those it offered itself
    (a client's function of the same name is the client's to answer)."""
    results, calls = [], [item.call for item in items if item.call is not None]
    for call in calls:
        tool, run = functions.get(call.name, (None, None))
        if run is None or not any(tool is mine for mine in offered):
            continue
        result = Item("tool", run(call.arguments))
        result.call_id = call.call_id
        results.append(result)
    return Answered(results, bool(results) and len(results) == len(calls))


class ServerFunctions:
    """What a session does after each completed response: answer the calls of the server's
    own functions, then ask for the reply to their results."""

    def __init__(
        self,
        functions: dict[str, tuple[FunctionTool, ServerFunction]],
        conversation: Conversation,
        emit: Callable[[dict[str, Any]], Awaitable[None]],
        busy: Callable[[], bool],
        reply: Callable[[ResponseOptions], Awaitable[None]],
    ) -> None:
        self.functions = functions
        self.conversation = conversation
        self.emit = emit
        self.busy = busy  # the session closed, or the user is talking: no reply now
        self.reply = reply
        self.rounds = 0  # server-answered responses in a row

    async def after(self, response: Response) -> None:
        if not self.functions or not response.in_conversation:
            return
        answered = answer_calls(response.output, response.tools, self.functions)
        for result in answered.results:
            previous = self.conversation.add(result)
            await self.emit(server_events.item_created(result.to_wire(), previous))
        self.rounds = self.rounds + 1 if answered.results else 0
        # No reply while the client has calls to answer, over the user's speech, or for a
        # model that keeps on calling.
        if answered.complete and not self.busy() and self.rounds <= MAX_SERVER_ROUNDS:
            await self.reply(ANSWER_RESULTS)
