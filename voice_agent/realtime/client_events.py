"""Sans-I/O parsing of client events: raw messages and their fields, checked, in plain
values. Each failure is a `ProtocolError` the session answers with an `error` event."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from voice_agent.engines.base import FunctionTool, ToolChoice
from voice_agent.realtime.protocol import CLIENT_ALIASES, CLIENT_EVENTS, ProtocolError, new_id
from voice_agent.realtime.tools import (
    parse_modalities,
    parse_token_limit,
    parse_tool_choice,
    parse_tools,
)

MAX_DEPTH = 64  # nesting of arrays and objects in one event (a tool's schema needs a dozen)


def parse_client_event(raw: str | bytes, max_bytes: int) -> dict[str, Any]:
    """Decode one client message into an event dict with a known GA `type`."""
    if len(raw) > max_bytes:
        raise ProtocolError(
            "message_too_large",
            f"event of {len(raw)} bytes exceeds the limit of {max_bytes} bytes; "
            "send audio in smaller input_audio_buffer.append events",
        )
    event = parse_json(raw)
    if not isinstance(event, dict):
        raise ProtocolError("invalid_event", "an event must be a JSON object")
    kind = event.get("type")
    if not isinstance(kind, str):
        raise ProtocolError("missing_type", "an event needs a string 'type'", "type")
    kind = CLIENT_ALIASES.get(kind, kind)
    if kind not in CLIENT_EVENTS:
        raise ProtocolError("unknown_event", f"unknown event type {kind!r}", "type")
    event_id = event.get("event_id")
    if event_id is not None and not isinstance(event_id, str):
        raise ProtocolError("invalid_value", "'event_id' must be a string", "event_id")
    return {**event, "type": kind}


def parse_json(raw: str | bytes) -> Any:
    """A JSON value from a client (an event, an offer's session config, a request body), or
    a `ProtocolError` that says what is wrong with it."""
    try:
        value = json.loads(raw)
    except RecursionError:  # thousands of nested arrays: refused before it reaches anything
        raise ProtocolError(
            "invalid_json", f"message nests arrays or objects deeper than {MAX_DEPTH} levels"
        ) from None
    except ValueError as exc:  # bad JSON or UTF-8, or a number of more than 4,300 digits
        raise ProtocolError("invalid_json", f"message is not valid JSON: {exc}") from None
    if isinstance(value, (dict, list)):
        _check_values(value)
    return value


def _check_values(event: dict[str, Any] | list[Any]) -> None:
    """Refuse what JSON can carry but nothing downstream can use: nesting deep enough to
    exhaust the stack of whatever walks it (a `repr` in an error message, a schema
    check), and lone UTF-16 surrogates (`"\\ud800"`), which are not Unicode and would fail
    every later reply of the session that holds them."""
    stack: list[tuple[Any, int]] = [(event, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ProtocolError(
                "invalid_json", f"message nests arrays or objects deeper than {MAX_DEPTH} levels"
            )
        for child in (*value, *value.values()) if isinstance(value, dict) else value:
            if isinstance(child, str):
                if not child.isascii() and not _is_unicode(child):
                    raise ProtocolError(
                        "invalid_json",
                        "message holds a lone UTF-16 surrogate escape (such as \\ud800), "
                        "which is not a Unicode character",
                    )
            elif isinstance(child, (dict, list)):
                stack.append((child, depth + 1))


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def decode_audio_field(event: dict[str, Any]) -> bytes:
    data = event.get("audio")
    if not isinstance(data, str):
        raise ProtocolError("invalid_value", "'audio' must be a base64 string", "audio")
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ProtocolError("invalid_audio", "'audio' is not valid base64", "audio") from None


@dataclass(frozen=True)
class ItemSpec:
    """A client's conversation item: a message, a function call, or a function's result."""

    kind: str  # 'message' | 'function_call' | 'function_call_output'
    role: str  # 'user' | 'assistant' | 'system'; 'assistant' for a call, 'tool' for a result
    text: str  # a message's text, or a function's output
    requested_id: str | None = None
    call_id: str | None = None
    name: str | None = None
    arguments: str | None = None


def parse_item(spec: Any, param: str = "item") -> ItemSpec:
    """An item of `conversation.item.create` (or of a `response.create` input list)."""
    if not isinstance(spec, dict):
        raise ProtocolError("invalid_value", f"'{param}' must be an object", param)
    requested_id = spec.get("id") if isinstance(spec.get("id"), str) else None
    kind = spec.get("type", "message")
    if kind == "function_call_output":
        call_id = _string(spec, "call_id", param)
        output = spec.get("output", "")
        if not isinstance(output, str):
            raise ProtocolError(
                "invalid_value", f"'{param}.output' must be a string", f"{param}.output"
            )
        return ItemSpec(kind, "tool", output, requested_id, call_id)
    if kind == "function_call":
        arguments = spec.get("arguments", "{}")
        if not isinstance(arguments, str) or not _is_json_object(arguments):
            raise ProtocolError(
                "invalid_value",
                f"'{param}.arguments' must be a JSON object as a string",
                f"{param}.arguments",
            )
        call_id = spec.get("call_id") or new_id("call")  # optional in GA
        if not isinstance(call_id, str):
            raise ProtocolError(
                "invalid_value", f"'{param}.call_id' must be a string", f"{param}.call_id"
            )
        name = _string(spec, "name", param)
        return ItemSpec(kind, "assistant", "", requested_id, call_id, name, arguments)
    if kind != "message":
        raise ProtocolError(
            "invalid_value",
            f"'{param}.type' {kind!r} is not one of message, function_call, function_call_output",
            f"{param}.type",
        )
    role = spec.get("role")
    if role not in ("user", "assistant", "system"):
        raise ProtocolError(
            "invalid_value",
            f"'{param}.role' must be 'user', 'assistant' or 'system'",
            f"{param}.role",
        )
    content = spec.get("content")
    if not isinstance(content, list) or not content:
        raise ProtocolError(
            "invalid_value", f"'{param}.content' must be a non-empty list", f"{param}.content"
        )
    texts = []
    for part in content:
        text = part.get("text", part.get("transcript")) if isinstance(part, dict) else None
        if not isinstance(text, str):
            raise ProtocolError(
                "invalid_value",
                "each content part needs a 'text' (or 'transcript') string; "
                "send audio with input_audio_buffer.append",
                f"{param}.content",
            )
        texts.append(text)
    return ItemSpec("message", role, " ".join(texts), requested_id)


def _string(spec: dict[str, Any], key: str, param: str) -> str:
    value = spec.get(key)
    if not isinstance(value, str) or not value:
        raise ProtocolError(
            "invalid_value", f"'{param}.{key}' must be a non-empty string", f"{param}.{key}"
        )
    return value


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except json.JSONDecodeError:
        return False


@dataclass(frozen=True)
class Truncate:
    item_id: Any
    content_index: int
    audio_end_ms: int


def parse_truncate(event: dict[str, Any]) -> Truncate:
    end_ms = event.get("audio_end_ms")
    if not isinstance(end_ms, int) or isinstance(end_ms, bool) or end_ms < 0:
        raise ProtocolError(
            "invalid_value", "'audio_end_ms' must be a non-negative integer", "audio_end_ms"
        )
    index = event.get("content_index", 0)
    if not isinstance(index, int) or isinstance(index, bool):
        raise ProtocolError("invalid_value", "'content_index' must be an integer", "content_index")
    return Truncate(event.get("item_id"), index, end_ms)


UNSET: Any = object()  # a response setting the client did not give: the session's applies


@dataclass(frozen=True)
class ResponseOptions:
    """What a `response.create` asks beyond the session's settings (None: not asked)."""

    instructions: str | None = None
    tools: tuple[FunctionTool, ...] | None = None
    tool_choice: ToolChoice | None = None
    max_output_tokens: Any = UNSET  # an int, or None for 'inf'
    output_modalities: tuple[str, ...] | None = None
    metadata: dict[str, str] | None = None
    input: tuple[ItemSpec | str, ...] | None = None  # items, or ids of conversation items
    in_conversation: bool = True  # conversation 'none': out of band, the history untouched


def parse_response_create(
    event: dict[str, Any], session_tools: tuple[FunctionTool, ...]
) -> ResponseOptions:
    """The `response` object of a `response.create`, checked."""
    options = event.get("response")
    options = {} if options is None else options
    if not isinstance(options, dict):
        raise ProtocolError("invalid_value", "'response' must be an object", "response")
    instructions = options.get("instructions")
    if instructions is not None and not isinstance(instructions, str):
        raise ProtocolError(
            "invalid_value", "'response.instructions' must be a string", "response.instructions"
        )
    tools = parse_tools(options["tools"], "response.tools") if "tools" in options else None
    choice = None
    if "tool_choice" in options:
        choice = parse_tool_choice(
            options["tool_choice"],
            session_tools if tools is None else tools,
            "response.tool_choice",
        )
    limit = UNSET
    for key in ("max_output_tokens", "max_response_output_tokens"):
        if key in options:
            limit = parse_token_limit(options[key], f"response.{key}")
    modalities = None
    for key in ("output_modalities", "modalities"):
        if key in options:
            modalities = parse_modalities(options[key], f"response.{key}")
    conversation = options.get("conversation", "auto")
    if conversation not in ("auto", "none"):
        raise ProtocolError(
            "invalid_value",
            "'response.conversation' must be 'auto' or 'none'",
            "response.conversation",
        )
    return ResponseOptions(
        instructions,
        tools,
        choice,
        limit,
        modalities,
        _metadata(options.get("metadata")),
        _input(options["input"]) if "input" in options else None,
        conversation == "auto",
    )


def _metadata(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    if (
        not isinstance(value, dict)
        or len(value) > 16
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
    ):
        raise ProtocolError(
            "invalid_value",
            "'response.metadata' must map at most 16 string keys to strings",
            "response.metadata",
        )
    return value


def _input(value: Any) -> tuple[ItemSpec | str, ...]:
    if not isinstance(value, list):
        raise ProtocolError("invalid_value", "'response.input' must be a list", "response.input")
    items: list[ItemSpec | str] = []
    for index, spec in enumerate(value):
        param = f"response.input[{index}]"
        if isinstance(spec, dict) and spec.get("type") == "item_reference":
            items.append(_string(spec, "id", param))
        else:
            items.append(parse_item(spec, param))
    return tuple(items)
