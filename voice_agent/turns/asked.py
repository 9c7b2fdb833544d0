"""What a response is asked to do: the session's settings, overridden by a `response.create`
(its instructions, tools, token limit, modalities, metadata, input and conversation)."""

from __future__ import annotations

from voice_agent.engines.base import HistoryItem, Turn
from voice_agent.realtime.client_events import UNSET, ResponseOptions
from voice_agent.realtime.protocol import ProtocolError, SessionConfig
from voice_agent.turns.conversation import Conversation, Item
from voice_agent.turns.response import Response

SESSION_DEFAULTS = ResponseOptions()


def history_for(options: ResponseOptions, conversation: Conversation) -> tuple[HistoryItem, ...]:
    """The conversation, or the response's own `input`: its items, and conversation items
    named by id (`item_reference`)."""
    if options.input is None:
        return conversation.history()
    items = []
    for entry in options.input:
        if isinstance(entry, str):
            item = conversation.get(entry)
            if item is None:
                raise ProtocolError(
                    "item_not_found", f"no item with id {entry!r}", "response.input"
                )
        else:
            item = Item.from_spec(entry)
        items.append(item.for_engine())
    return tuple(items)


def turn_for(
    config: SessionConfig, history: tuple[HistoryItem, ...], options: ResponseOptions
) -> Turn:
    """A turn for the engine: the session's settings, with the response's own on top."""
    limit = options.max_output_tokens
    if limit is UNSET:
        limit = config.max_output_tokens
    tools = config.tools if options.tools is None else options.tools
    # The session's named function may not be among the response's own tools.
    choice = (options.tool_choice or config.tool_choice).within(tools)
    return Turn(
        history=history,
        instructions=options.instructions or config.instructions,
        temperature=config.temperature,
        max_output_tokens=limit,
        tools=tools,
        tool_choice=choice,
        speak=(options.output_modalities or config.output_modalities) == ("audio",),
    )


def response_for(turn: Turn, options: ResponseOptions) -> Response:
    response = Response(
        in_conversation=options.in_conversation, metadata=options.metadata, tools=turn.tools
    )
    response.item.spoken = turn.speak
    return response
