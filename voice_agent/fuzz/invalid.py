"""Values that are surely invalid, per field of each client event, and messages that are
surely not events: each must get its `error`."""

from __future__ import annotations

import math
from typing import Any

NOT_STRING: list[Any] = [None, 1, -1, 1.5, True, [], {}, ["x"], 1e308]
BAD_TOKEN_LIMIT: list[Any] = [0, -1, 4097, 10**30, 1.5, "10", "INF", True, None, [], math.nan]
BAD_MODALITIES: list[Any] = ["audio", [], ["video"], [1], None, {}, ["audio", "video"], [None]]
BAD_TOOL_CHOICE: list[Any] = [
    1,
    "sometimes",
    "",
    None,
    [],
    {"type": "function", "name": "no_such_fn_zz"},
    {"type": "function", "function": {"name": "no_such_fn_zz"}},
    {"type": "web_search"},
]
BAD_TOOLS: list[Any] = [
    "x",
    {},
    1,
    None,
    [1],
    ["x"],
    [{"name": "bad name"}],
    [{"name": ""}],
    [{"name": "a" * 65}],
    [{"name": "f", "type": "retrieval"}],
    [{"name": "f", "parameters": {"type": "array"}}],
    [{"name": "f", "parameters": []}],
    [{"name": "f", "parameters": {"type": "object", "properties": 1}}],
    [{"name": "f", "parameters": {"type": "object", "$ref": "#/nowhere"}}],
    [{"name": "f", "parameters": {"type": "object", "$ref": "http://example.com/s.json"}}],
    [{"name": "f", "parameters": {"type": "object", "$schema": 5}}],
    [{"name": "f", "parameters": {"type": "object", "properties": {"a": {"type": "bogus"}}}}],
    [{"name": "f"}, {"name": "f"}],
    [{"name": "f", "description": 1}],
    [{"name": f"f{i}"} for i in range(129)],
]
BAD_FORMAT: list[Any] = [
    1,
    None,
    [],
    "mp3",
    "",
    "AUDIO/PCM",
    {"type": "audio/pcm", "rate": 12345},
    {"type": "audio/pcmu", "rate": 16000},
    {"type": "audio/pcm", "rate": "24000"},
    {"type": "audio/pcm", "rate": 24000.0},
    {"type": "audio/pcm", "rate": -24000},
    {"type": "audio/pcm", "rate": 10**30},
    {"type": ["audio/pcm"]},
    {"type": {"a": 1}},
    {"rate": 24000},
]
BAD_TURN_DETECTION: list[Any] = [
    1,
    "server_vad",
    [],
    True,
    {"type": "bogus"},
    {"type": None},
    {"type": ["server_vad"]},
    {"type": "server_vad", "threshold": 1.0},
    {"silence_duration_ms": 49},
    {"prefix_padding_ms": 5001},
    {"eagerness": "max"},
    {"create_response": "yes"},
    {"interrupt_response": 1},
]
TURN_FIELDS: dict[str, list[Any]] = {
    "threshold": [0, 1, -0.5, 1.5, "0.5", True, None, math.nan, math.inf, []],
    "silence_duration_ms": [49, 10_001, -1, 500.5, "500", True, None, 10**30],
    "prefix_padding_ms": [-1, 5_001, 300.5, "300", False, None],
    "eagerness": ["", "max", "LOW", 1, None],
    "create_response": [1, 0, "true", None, []],
    "interrupt_response": [1, 0, "false", None, {}],
}
BAD_OBJECT: list[Any] = [1, "x", [], True, 1.5]
BAD_ITEM: list[Any] = [
    None,
    1,
    "x",
    [],
    {},
    {"type": "message", "role": "bot", "content": [{"type": "input_text", "text": "hi"}]},
    {"type": "message", "role": "user", "content": []},
    {"role": "user", "content": "hi"},
    {"role": "user", "content": [{"type": "input_audio", "audio": "AAAA"}]},
    {"role": "user", "content": [{"type": "input_text", "text": 1}]},
    {"role": "user", "content": [1]},
    {"type": "function_call", "name": "", "arguments": "{}"},
    {"type": "function_call", "name": "f", "arguments": "[1]"},
    {"type": "function_call", "name": "f", "arguments": "{"},
    {"type": "function_call", "name": "f", "arguments": {}},
    {"type": "function_call", "name": "f", "call_id": 5},
    {"type": "function_call_output", "call_id": "never_made_zz", "output": "x"},
    {"type": "function_call_output", "call_id": "", "output": "x"},
    {"type": "function_call_output", "output": "x"},
    {"type": "weird"},
    {"type": None, "role": "user", "content": [{"type": "input_text", "text": "hi"}]},
    {"type": "item_reference", "id": "x"},
]
BAD_AUDIO: list[Any] = [None, 1, [], {}, True, "@@@@", "AAA", "A", "AA==AA==", "QUJD\n"]
BAD_AUDIO += [" QUJD", "QUJD-_-_", "¡¡¡¡", "===="]
BAD_ITEM_ID: list[Any] = [None, 1, [], {}, "no_such_item_zz", ""]
BAD_METADATA: list[Any] = [1, "x", [], {"a": 1}, {"a": None}, {f"k{i}": "v" for i in range(17)}]
BAD_INPUT: list[Any] = [
    "x",
    1,
    {},
    None,
    [1],
    [{"type": "item_reference"}],
    [{"type": "item_reference", "id": "no_such_item_zz"}],
    [{"role": "bot", "content": [{"type": "input_text", "text": "hi"}]}],
]

SESSION_FIELDS: dict[tuple[str, ...], list[Any]] = {
    ("session",): [None, *BAD_OBJECT],
    ("session", "instructions"): NOT_STRING,
    ("session", "model"): NOT_STRING,
    ("session", "voice"): NOT_STRING,
    ("session", "engine"): [None, 1, "no-such-engine", ""],
    ("session", "temperature"): [-0.01, 2.01, 1e308, -math.inf, math.nan, "0.5", True, None, []],
    ("session", "max_output_tokens"): BAD_TOKEN_LIMIT,
    ("session", "max_response_output_tokens"): BAD_TOKEN_LIMIT,
    ("session", "tools"): BAD_TOOLS,
    ("session", "tool_choice"): BAD_TOOL_CHOICE,
    ("session", "output_modalities"): BAD_MODALITIES,
    ("session", "modalities"): BAD_MODALITIES,
    ("session", "turn_detection"): BAD_TURN_DETECTION,
    ("session", "input_audio_format"): BAD_FORMAT,
    ("session", "output_audio_format"): BAD_FORMAT,
    ("session", "audio"): BAD_OBJECT,
    ("session", "audio", "input"): [None, *BAD_OBJECT],
    ("session", "audio", "output"): [None, *BAD_OBJECT],
    ("session", "audio", "input", "format"): BAD_FORMAT,
    ("session", "audio", "output", "format"): BAD_FORMAT,
    ("session", "audio", "output", "voice"): NOT_STRING,
    ("session", "audio", "input", "turn_detection"): BAD_TURN_DETECTION,
    **{("session", "turn_detection", k): v for k, v in TURN_FIELDS.items()},
    **{("session", "audio", "input", "turn_detection", k): v for k, v in TURN_FIELDS.items()},
}
RESPONSE_FIELDS: dict[tuple[str, ...], list[Any]] = {
    ("response",): [*BAD_OBJECT, "", 0, False],
    ("response", "instructions"): [1, [], {}, True, 1.5],
    ("response", "max_output_tokens"): BAD_TOKEN_LIMIT,
    ("response", "max_response_output_tokens"): BAD_TOKEN_LIMIT,
    ("response", "output_modalities"): BAD_MODALITIES,
    ("response", "modalities"): BAD_MODALITIES,
    ("response", "conversation"): ["", "None", "default", 1, None, []],
    ("response", "metadata"): BAD_METADATA,
    ("response", "input"): BAD_INPUT,
    ("response", "tools"): BAD_TOOLS,
    ("response", "tool_choice"): BAD_TOOL_CHOICE,
}
# Per event type: fields whose listed values are surely invalid, and required fields.
BAD_FIELDS: dict[str, dict[tuple[str, ...], list[Any]]] = {
    "session.update": SESSION_FIELDS,
    "transcription_session.update": SESSION_FIELDS,
    "input_audio_buffer.append": {("audio",): BAD_AUDIO},
    "conversation.item.create": {("item",): BAD_ITEM},
    "conversation.item.delete": {("item_id",): BAD_ITEM_ID},
    "conversation.item.retrieve": {("item_id",): BAD_ITEM_ID},
    "conversation.item.truncate": {
        ("item_id",): [None, 1, [], "no_such_item_zz"],
        ("audio_end_ms",): [-1, -(10**30), 1.5, "100", True, None, math.nan, math.inf, []],
        ("content_index",): ["0", 1.5, True, None, []],
    },
    "response.create": RESPONSE_FIELDS,
}
REQUIRED: dict[str, list[tuple[str, ...]]] = {
    "session.update": [("session",)],
    "transcription_session.update": [("session",)],
    "input_audio_buffer.append": [("audio",)],
    "conversation.item.create": [("item",)],
    "conversation.item.delete": [("item_id",)],
    "conversation.item.retrieve": [("item_id",)],
    "conversation.item.truncate": [("item_id",), ("audio_end_ms",)],
}
REJECTED_RAW = [
    "",
    " ",
    "\n",
    "null",
    "true",
    "1",
    "-1e999",
    '"response.create"',
    "[]",
    '[{"type": "response.create"}]',
    "{}",
    '{"type": null}',
    '{"type": 1}',
    '{"type": ["response.create"]}',
    '{"type": {"a": 1}}',
    '{"type": "RESPONSE.CREATE"}',
    '{"type": "response.create "}',
    '{"type": "response"}',
    '{"type": ""}',
    '{"type": "session.created"}',
    '{"type": "error"}',
    "{'type': 'response.create'}",
    '\ufeff{"type": "response.create"}',
    '{"type": "response.create",}',
    '{"type": "response.create"} {"type": "response.cancel"}',
    "NaN",
    "<html>",
    '{"type": "response.create", "x": 0x10}',
    '{"type": "input_audio_buffer.append", "audio": "AAAA"',
]
