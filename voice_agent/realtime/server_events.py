"""Sans-I/O builders of the server events: every wire event the server sends is built
here, with GA names, from plain values."""

from __future__ import annotations

from typing import Any, Literal

from voice_agent.realtime.protocol import b64

Event = dict[str, Any]
ItemKind = Literal["assistant_audio", "assistant_text", "user_audio", "text"]
PartKind = Literal["audio", "text"]


def item(item_id: str, role: str, status: str, kind: ItemKind, text: str | None) -> dict[str, Any]:
    """A message item; `text` is None for user speech still being transcribed."""
    content: list[dict[str, Any]]
    if kind == "assistant_audio":
        content = [{"type": "output_audio", "transcript": text or ""}]
    elif kind == "assistant_text":
        content = [{"type": "output_text", "text": text or ""}]
    elif kind == "user_audio":
        content = [{"type": "input_audio", "transcript": text}]
    else:
        content = [{"type": "input_text", "text": text or ""}]
    return {
        "id": item_id,
        "object": "realtime.item",
        "type": "message",
        "role": role,
        "status": status,
        "content": content,
    }


def function_call_item(
    item_id: str, status: str, call_id: str, name: str, arguments: str
) -> dict[str, Any]:
    return {
        "id": item_id,
        "object": "realtime.item",
        "type": "function_call",
        "status": status,
        "call_id": call_id,
        "name": name,
        "arguments": arguments,
    }


def function_output_item(item_id: str, call_id: str, output: str) -> dict[str, Any]:
    return {
        "id": item_id,
        "object": "realtime.item",
        "type": "function_call_output",
        "status": "completed",
        "call_id": call_id,
        "output": output,
    }


def response(
    response_id: str,
    status: str,
    output: list[dict[str, Any]],
    reason: str | dict[str, str] | None = None,
    settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A response object; `settings` adds what it was asked with (`output_modalities`,
    `conversation_id`, `metadata`...)."""
    details = None
    if status == "cancelled":
        details = {"type": "cancelled", "reason": reason}
    elif status == "failed":
        details = {"type": "failed", "error": reason}
    return {
        "id": response_id,
        "object": "realtime.response",
        "status": status,
        "status_details": details,
        "output": output,
        "usage": None,
        **(settings or {}),
    }


def session(kind: Literal["session.created", "session.updated"], shape: Event) -> Event:
    return {"type": kind, "session": shape}


# ---- input audio and user items --------------------------------------------------------


def speech_started(audio_start_ms: int, item_id: str) -> Event:
    return {
        "type": "input_audio_buffer.speech_started",
        "audio_start_ms": audio_start_ms,
        "item_id": item_id,
    }


def speech_stopped(audio_end_ms: int, item_id: str) -> Event:
    return {
        "type": "input_audio_buffer.speech_stopped",
        "audio_end_ms": audio_end_ms,
        "item_id": item_id,
    }


def committed(item_id: str, previous_item_id: str | None) -> Event:
    return {
        "type": "input_audio_buffer.committed",
        "previous_item_id": previous_item_id,
        "item_id": item_id,
    }


def input_cleared() -> Event:
    return {"type": "input_audio_buffer.cleared"}


def transcription_delta(item_id: str, delta: str) -> Event:
    return {
        "type": "conversation.item.input_audio_transcription.delta",
        "item_id": item_id,
        "content_index": 0,
        "delta": delta,
    }


def transcription_completed(item_id: str, transcript: str) -> Event:
    return {
        "type": "conversation.item.input_audio_transcription.completed",
        "item_id": item_id,
        "content_index": 0,
        "transcript": transcript,
    }


def transcription_failed(item_id: str, message: str) -> Event:
    return {
        "type": "conversation.item.input_audio_transcription.failed",
        "item_id": item_id,
        "content_index": 0,
        "error": {"type": "server_error", "code": "asr_failed", "message": message},
    }


# ---- conversation items ----------------------------------------------------------------


def item_created(wire_item: dict[str, Any], previous_item_id: str | None) -> Event:
    return {
        "type": "conversation.item.created",
        "previous_item_id": previous_item_id,
        "item": wire_item,
    }


def item_deleted(item_id: str) -> Event:
    return {"type": "conversation.item.deleted", "item_id": item_id}


def item_retrieved(wire_item: dict[str, Any]) -> Event:
    return {"type": "conversation.item.retrieved", "item": wire_item}


def item_truncated(item_id: str, audio_end_ms: int, content_index: int = 0) -> Event:
    return {
        "type": "conversation.item.truncated",
        "item_id": item_id,
        "content_index": content_index,
        "audio_end_ms": audio_end_ms,
    }


# ---- responses -------------------------------------------------------------------------


def response_created(wire_response: dict[str, Any]) -> Event:
    return {"type": "response.created", "response": wire_response}


def response_done(wire_response: dict[str, Any]) -> Event:
    return {"type": "response.done", "response": wire_response}


def output_item_added(response_id: str, wire_item: dict[str, Any], index: int = 0) -> Event:
    return {
        "type": "response.output_item.added",
        "response_id": response_id,
        "output_index": index,
        "item": wire_item,
    }


def output_item_done(response_id: str, wire_item: dict[str, Any], index: int = 0) -> Event:
    return {
        "type": "response.output_item.done",
        "response_id": response_id,
        "output_index": index,
        "item": wire_item,
    }


def _part(response_id: str, item_id: str, index: int = 0) -> Event:
    return {
        "response_id": response_id,
        "item_id": item_id,
        "output_index": index,
        "content_index": 0,
    }


def _content(kind: PartKind, text: str) -> dict[str, str]:
    return (
        {"type": "audio", "transcript": text} if kind == "audio" else {"type": "text", "text": text}
    )


def content_part_added(
    response_id: str, item_id: str, index: int = 0, kind: PartKind = "audio"
) -> Event:
    return {
        **_part(response_id, item_id, index),
        "type": "response.content_part.added",
        "part": _content(kind, ""),
    }


def content_part_done(
    response_id: str, item_id: str, transcript: str, index: int = 0, kind: PartKind = "audio"
) -> Event:
    return {
        **_part(response_id, item_id, index),
        "type": "response.content_part.done",
        "part": _content(kind, transcript),
    }


def audio_delta(response_id: str, item_id: str, audio: bytes, index: int = 0) -> Event:
    return {
        **_part(response_id, item_id, index),
        "type": "response.output_audio.delta",
        "delta": b64(audio),
    }


def audio_done(response_id: str, item_id: str, index: int = 0) -> Event:
    return {**_part(response_id, item_id, index), "type": "response.output_audio.done"}


def transcript_delta(response_id: str, item_id: str, delta: str, index: int = 0) -> Event:
    return {
        **_part(response_id, item_id, index),
        "type": "response.output_audio_transcript.delta",
        "delta": delta,
    }


def transcript_done(response_id: str, item_id: str, transcript: str, index: int = 0) -> Event:
    return {
        **_part(response_id, item_id, index),
        "type": "response.output_audio_transcript.done",
        "transcript": transcript,
    }


def text_delta(response_id: str, item_id: str, delta: str, index: int = 0) -> Event:
    return {
        **_part(response_id, item_id, index),
        "type": "response.output_text.delta",
        "delta": delta,
    }


def text_done(response_id: str, item_id: str, text: str, index: int = 0) -> Event:
    return {**_part(response_id, item_id, index), "type": "response.output_text.done", "text": text}


def arguments_delta(response_id: str, item_id: str, call_id: str, delta: str, index: int) -> Event:
    return {
        "type": "response.function_call_arguments.delta",
        "response_id": response_id,
        "item_id": item_id,
        "output_index": index,
        "call_id": call_id,
        "delta": delta,
    }


def arguments_done(
    response_id: str, item_id: str, call_id: str, name: str, arguments: str, index: int
) -> Event:
    return {
        "type": "response.function_call_arguments.done",
        "response_id": response_id,
        "item_id": item_id,
        "output_index": index,
        "call_id": call_id,
        "name": name,
        "arguments": arguments,
    }


def output_buffer(kind: str, response_id: str | None) -> Event:
    """WebRTC: `output_audio_buffer.started`, `.stopped` or `.cleared` for a reply's audio
    on the track."""
    return {"type": kind, "response_id": response_id}


def turn_metrics(response_id: str, item_id: str | None, marks: dict[str, Any]) -> Event:
    """Our extension: when each stage of the turn finished (monotonic seconds)."""
    return {
        "type": "voice_agent.turn.metrics",
        "response_id": response_id,
        "item_id": item_id,
        "clock": "monotonic",
        **marks,
    }
