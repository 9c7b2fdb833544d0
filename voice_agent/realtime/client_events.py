"""Sans-I/O parsing of client events: raw messages and their fields, checked, in plain
values. Each failure is a `ProtocolError` the session answers with an `error` event."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from voice_agent.realtime.protocol import CLIENT_ALIASES, CLIENT_EVENTS, ProtocolError


def parse_client_event(raw: str | bytes, max_bytes: int) -> dict[str, Any]:
    """Decode one client message into an event dict with a known GA `type`."""
    if len(raw) > max_bytes:
        raise ProtocolError(
            "message_too_large",
            f"event of {len(raw)} bytes exceeds the limit of {max_bytes} bytes; "
            "send audio in smaller input_audio_buffer.append events",
        )
    try:
        event = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ProtocolError("invalid_json", f"message is not valid JSON: {exc}") from None
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


def decode_audio_field(event: dict[str, Any]) -> bytes:
    data = event.get("audio")
    if not isinstance(data, str):
        raise ProtocolError("invalid_value", "'audio' must be a base64 string", "audio")
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ProtocolError("invalid_audio", "'audio' is not valid base64", "audio") from None


def parse_message_item(spec: Any) -> tuple[str, str, str | None]:
    """(role, text, requested id) of a `conversation.item.create` message item."""
    if not isinstance(spec, dict):
        raise ProtocolError("invalid_value", "'item' must be an object", "item")
    if spec.get("type", "message") != "message":
        raise ProtocolError(
            "invalid_value", "only items of type 'message' are supported", "item.type"
        )
    role = spec.get("role")
    if role not in ("user", "assistant", "system"):
        raise ProtocolError(
            "invalid_value", "'item.role' must be 'user', 'assistant' or 'system'", "item.role"
        )
    content = spec.get("content")
    if not isinstance(content, list) or not content:
        raise ProtocolError(
            "invalid_value", "'item.content' must be a non-empty list", "item.content"
        )
    texts = []
    for part in content:
        text = part.get("text", part.get("transcript")) if isinstance(part, dict) else None
        if not isinstance(text, str):
            raise ProtocolError(
                "invalid_value",
                "each content part needs a 'text' (or 'transcript') string; "
                "send audio with input_audio_buffer.append",
                "item.content",
            )
        texts.append(text)
    requested_id = spec.get("id") if isinstance(spec.get("id"), str) else None
    return role, " ".join(texts), requested_id


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


def parse_response_instructions(event: dict[str, Any]) -> str | None:
    """The `instructions` of a `response.create`, if it brings its own."""
    options = event.get("response") or {}
    if not isinstance(options, dict):
        raise ProtocolError("invalid_value", "'response' must be an object", "response")
    instructions = options.get("instructions")
    if instructions is not None and not isinstance(instructions, str):
        raise ProtocolError(
            "invalid_value", "'response.instructions' must be a string", "response.instructions"
        )
    return instructions
