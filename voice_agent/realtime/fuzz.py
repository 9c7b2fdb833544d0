"""Seeded fuzzing of the Realtime protocol: what a client may send, and what it must get back.

`Fuzzer` starts from valid examples of every client event the server handles, then mutates
them: wrong types and out-of-range values per field, fields dropped and added, huge, negative
and non-finite numbers, bad base64 and odd-length PCM, unicode junk and lone surrogates, deep
nesting, non-JSON text, oversized messages and binary frames. Every `Case` carries what the
server must answer (`Case.expect`), and `judge` holds a server's answer against it. The
cases are a function of the seed alone (and of the item ids the fuzzer is told of through
`observe`, which make later events refer to real items).

`SansIOFuzz` runs cases through the gateway's `dispatch` into a real `Session`, with a
model-free engine and VAD and on virtual time: no sockets, no models, thousands of events a
second (the unit test and `scripts/fuzz.py`). The live test sends the same cases over a
WebSocket to a real server.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
import random
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import aiohttp
import numpy as np

from voice_agent.engines.base import (
    EngineEvent,
    FunctionCall,
    ReplyAudio,
    ReplyStarted,
    Turn,
    UserTranscript,
)
from voice_agent.gateway.runtime import dispatch
from voice_agent.models.workers import ModelWorker
from voice_agent.realtime.client_events import MAX_DEPTH
from voice_agent.realtime.protocol import SessionConfig, new_id
from voice_agent.turns.clock import VirtualClock, settle
from voice_agent.turns.session import Session, SessionLimits

# reject: the parser refuses it: one error, echoing no event id (a binary frame too).
# error: a parsed event that is surely invalid: one error echoing its event id.
# ok: valid: no error, unless one of `tolerated` (codes the session's state may earn it).
# any: valid or not: at most one error, echoing its event id.
Expect = Literal["reject", "error", "ok", "any"]


@dataclass(frozen=True)
class Case:
    index: int
    raw: str | bytes  # what goes on the wire; bytes: not UTF-8 (a binary frame on a socket)
    expect: Expect
    mutation: str  # what was done, for reports
    event_id: str | None = None  # the id an error about it echoes (a parsed event)
    tolerated: frozenset[str] = frozenset()
    odd_pcm: bool = False  # PCM of an odd byte count: an error while the input is PCM16

    def describe(self) -> str:
        raw = self.raw if isinstance(self.raw, str) else repr(self.raw)
        return f"#{self.index} {self.mutation} ({self.expect}): {raw[:160]}"


def judge(case: Case, errors: list[dict[str, Any]], input_pcm16: bool | None = True) -> str | None:
    """What is wrong with `errors` as the server's answer to `case` (None: nothing)."""
    wrong_kind = [e for e in errors if e["error"].get("type") != "invalid_request_error"]
    if wrong_kind:
        return f"server error {wrong_kind[0]['error']}"
    if len(errors) > 1:
        return f"{len(errors)} errors: {[e['error']['code'] for e in errors]}"
    error = errors[0]["error"] if errors else None
    expect = case.expect
    if case.odd_pcm:  # None: the input format is not known at the time
        expect = "any" if input_pcm16 is None else "error" if input_pcm16 else "ok"
    if expect == "reject":
        if error is None:
            return "no error"
        if error.get("event_id") is not None:
            return f"an unparsed event's error echoes event id {error['event_id']!r}"
        return None
    if error is not None and error.get("event_id") != case.event_id:
        return f"error echoes {error.get('event_id')!r}, not {case.event_id!r}"
    if expect == "error" and error is None:
        return "no error"
    if expect == "ok" and error is not None and error["code"] not in case.tolerated:
        return f"error {error['code']}: {error['message'][:200]}"
    return None


# ---- values ---------------------------------------------------------------------------

UNICODE = [
    "hello",
    "",
    " ",
    "\x00",
    "\x1b[31m",
    "\u200b\u200d\ufeff",
    "\u202eevil",
    "مرحبا",
    "你好",
    "😀👩‍👩‍👧",
    "e\u0301\u0301\u0301",
    "\uffff",
    "\U0010ffff",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "'; DROP TABLE items; --",
    "<script>alert(1)</script>",
    "${jndi:ldap://x}",
    "%s%n%x",
    "\\u0000",
    "null",
]
NUMBERS: list[Any] = [
    0,
    -1,
    1,
    2**31,
    -(2**63),
    10**30,
    -(10**300),
    1.5,
    -0.0,
    5e-324,
    1e308,
    -1e308,
    math.inf,
    -math.inf,
    math.nan,
]


def junk(rng: random.Random, depth: int = 0) -> Any:
    """Any JSON value, odd ones first."""
    roll = rng.random()
    if roll < 0.25:
        return rng.choice(UNICODE) * rng.choice((1, 1, 2, 50))
    if roll < 0.5:
        return rng.choice(NUMBERS)
    if roll < 0.6:
        return rng.choice((True, False, None))
    if roll < 0.65:
        return "".join(chr(rng.randrange(0x20, 0xD7FF)) for _ in range(rng.randrange(1, 40)))
    if roll < 0.7:
        return "x" * rng.randrange(1_000, 20_000)
    if depth > 3:
        return None
    if roll < 0.85:
        return [junk(rng, depth + 1) for _ in range(rng.randrange(0, 4))]
    return {rng.choice(UNICODE) + str(i): junk(rng, depth + 1) for i in range(rng.randrange(4))}


def nested(depth: int, leaf: Any = 0) -> Any:
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"a": value}
    return value


def pcm_b64(rng: random.Random, rate: int = 24_000, loud: bool | None = None) -> str:
    seconds = rng.choice((0.02, 0.02, 0.04, 0.1, 0.25))
    n = int(rate * seconds)
    kind = rng.choice(("loud", "silent", "noise")) if loud is None else "loud" if loud else "silent"
    if kind == "loud":
        wave = 0.3 * np.sin(2 * np.pi * 200 * np.arange(n) / rate)
    elif kind == "silent":
        wave = np.zeros(n)
    else:
        wave = np.array([rng.uniform(-1, 1) for _ in range(min(n, 64))] * (n // 64 + 1))[:n]
    return base64.b64encode((wave * 32767).astype("<i2").tobytes()).decode()


# ---- surely invalid values per field -------------------------------------------------------

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


def _get(event: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = event
    for key in path:
        value = value[key]
    return value


def _set(event: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    target = event
    for key in path[:-1]:
        if not isinstance(target.get(key), dict):
            target[key] = {}
        target = target[key]
    target[path[-1]] = value


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(value, dict):
        for key, child in value.items():
            yield (*prefix, key)
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield (*prefix, index)
            yield from _paths(child, (*prefix, index))


# ---- the generator ------------------------------------------------------------------------


class Fuzzer:
    """Client events from a seed: valid ones of every kind, then mutated.

    `binary`: the transport has binary frames (a socket), so cases of bytes stand for them.
    `observe` the server's events to make later events name real items and calls.
    """

    def __init__(
        self,
        seed: int,
        max_bytes: int = 256 * 1024,
        engines: tuple[str, ...] = (),
        binary: bool = False,
    ) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.max_bytes = max_bytes
        self.engines = engines
        self.binary = binary
        self.count = 0
        self.item_ids: deque[str] = deque(maxlen=64)
        self.call_ids: deque[str] = deque(maxlen=32)
        self._queue: deque[Case] = deque()

    def observe(self, event: dict[str, Any]) -> None:
        item = event.get("item")
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            if item["id"] not in self.item_ids:
                self.item_ids.append(item["id"])
            if item.get("type") == "function_call" and isinstance(item.get("call_id"), str):
                self.call_ids.append(item["call_id"])

    def cases(self, n: int) -> Iterator[Case]:
        for _ in range(n):
            yield self.next()

    def next(self) -> Case:
        if not self._queue:
            self._generate()
        return self._queue.popleft()

    # ---- building cases

    def _case(self, raw: str | bytes, expect: Expect, mutation: str, **kw: Any) -> None:
        self.count += 1
        self._queue.append(Case(self.count, raw, expect, mutation, **kw))

    def _event_case(
        self,
        event: dict[str, Any],
        expect: Expect,
        mutation: str,
        tolerated: frozenset[str] = frozenset(),
        odd_pcm: bool = False,
    ) -> None:
        event_id = f"fz{self.seed}_{self.count + 1}"
        event = {**event, "event_id": event_id}
        raw = json.dumps(event)
        if len(raw) > self.max_bytes:
            expect, mutation = "reject", mutation + "+too_large"
        self._case(raw, expect, mutation, event_id=event_id, tolerated=tolerated, odd_pcm=odd_pcm)

    def _generate(self) -> None:
        rng = self.rng
        if rng.random() < 0.015:
            self._scenario()
            return
        roll = rng.random()
        kind, event, tolerated = self._valid()
        if roll < 0.34:
            self._event_case(event, "ok", f"valid {kind}", tolerated)
        elif roll < 0.56:
            self._wrong_value(kind, event)
        elif roll < 0.62:
            self._drop(kind, event, tolerated)
        elif roll < 0.70:
            self._extra(kind, event, tolerated)
        elif roll < 0.80:
            self._random_value(kind, event)
        elif roll < 0.86:
            self._envelope(event)
        elif roll < 0.90:
            self._audio(kind)
        else:
            self._raw(kind, event)

    def _wrong_value(self, kind: str, event: dict[str, Any]) -> None:
        fields = BAD_FIELDS.get(kind)
        if not fields:  # commit, clear, cancel: nothing to get wrong but the envelope
            self._envelope(event)
            return
        path = self.rng.choice(list(fields))
        _set(event, path, self.rng.choice(fields[path]))
        self._event_case(event, "error", f"{kind} bad {'.'.join(path)}")

    def _drop(self, kind: str, event: dict[str, Any], tolerated: frozenset[str]) -> None:
        required = REQUIRED.get(kind, [])
        paths = [p for p in _paths(event) if p not in (("type",), ("event_id",))]
        if required and (not paths or self.rng.random() < 0.5):
            path = self.rng.choice(required)
            expect: Expect = "error"
        elif paths:
            path, expect = self.rng.choice(paths), "any"
        else:
            self._event_case(event, "ok", f"valid {kind}", tolerated)
            return
        parent = _get(event, path[:-1])
        del parent[path[-1]]
        self._event_case(event, expect, f"{kind} without {'.'.join(map(str, path))}")

    def _extra(self, kind: str, event: dict[str, Any], tolerated: frozenset[str]) -> None:
        """Fields no one knows, at the top or in the first object: ignored, never an error."""
        targets = [event] + [v for v in event.values() if isinstance(v, dict)]
        target = self.rng.choice(targets)
        for _ in range(self.rng.randrange(1, 4)):
            key = "x_" + self.rng.choice(UNICODE) + str(self.rng.randrange(1000))
            target[key] = junk(self.rng)
        self._event_case(event, "ok", f"{kind} with extra fields", tolerated)

    def _random_value(self, kind: str, event: dict[str, Any]) -> None:
        paths = [p for p in _paths(event) if p not in (("type",), ("event_id",))]
        if not paths:
            self._envelope(event)
            return
        path = self.rng.choice(paths)
        parent = _get(event, path[:-1])
        if self.rng.random() < 0.1:
            parent[path[-1]] = nested(self.rng.randrange(1, MAX_DEPTH - len(path) - 2))
        else:
            parent[path[-1]] = junk(self.rng)
        self._event_case(event, "any", f"{kind} junk at {'.'.join(map(str, path))}")

    def _envelope(self, event: dict[str, Any]) -> None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.3:
            event = {**event, "type": rng.choice([None, 1, [], {}, True, 1.5, ["response.create"]])}
            self._case(json.dumps(event), "reject", "type of a wrong type")
        elif roll < 0.5:
            event = {k: v for k, v in event.items() if k != "type"}
            self._case(json.dumps(event), "reject", "no type")
        elif roll < 0.75:
            name = rng.choice(
                [
                    event["type"].upper(),
                    event["type"] + ".",
                    "." + event["type"],
                    event["type"].replace(".", "_"),
                    "session.created",
                    "response.done",
                    rng.choice(UNICODE),
                    "x" * rng.randrange(100, 10_000),
                ]
            )
            self._case(json.dumps({**event, "type": name}), "reject", "unknown type")
        else:
            bad_id = rng.choice([1, 1.5, [], {}, True, ["fz"], 10**30])
            self._case(json.dumps({**event, "event_id": bad_id}), "reject", "event_id not a string")

    def _audio(self, kind: str) -> None:
        rng = self.rng
        event: dict[str, Any] = {"type": "input_audio_buffer.append"}
        full = frozenset({"input_audio_buffer_full"})
        roll = rng.random()
        if roll < 0.4:
            data = bytes(rng.randrange(256) for _ in range(rng.choice((1, 3, 481, 4801))))
            event["audio"] = base64.b64encode(data).decode()
            self._event_case(event, "error", "odd-length PCM", full, odd_pcm=True)
        elif roll < 0.8:
            event["audio"] = rng.choice(BAD_AUDIO)
            self._event_case(event, "error", "bad base64")
        else:  # valid base64 of random bytes: any sound at all
            data = bytes(rng.randrange(256) for _ in range(2 * rng.randrange(0, 2000)))
            event["audio"] = base64.b64encode(data).decode()
            self._event_case(event, "ok", "random PCM", full)

    def _raw(self, kind: str, event: dict[str, Any]) -> None:
        rng = self.rng
        event = {**event, "event_id": f"fz{self.seed}_{self.count + 1}"}
        text = json.dumps(event)
        roll = rng.random()
        if roll < 0.2:
            self._case(rng.choice(REJECTED_RAW), "reject", "not an event")
        elif roll < 0.35:
            self._case(text[: rng.randrange(len(text))], "reject", "truncated JSON")
        elif roll < 0.45:
            depth = rng.choice((MAX_DEPTH + 1, 200, 1_000, 10_000, 100_000))
            if rng.random() < 0.5:
                raw = "[" * depth + "]" * depth
            elif depth < 1_000:
                raw = text[:-1] + ', "deep": ' + json.dumps(nested(depth)) + "}"
            else:
                raw = text[:-1] + ', "deep": ' + "[" * depth + "]" * depth + "}"
            self._case(raw, "reject", f"nested {depth} deep")
        elif roll < 0.55:
            digits = rng.choice((4_301, 10_000, 100_000))
            raw = text[:-1] + ', "n": ' + rng.choice(("", "-")) + "9" * digits + "}"
            self._case(raw, "reject", f"a {digits}-digit number")
        elif roll < 0.7:
            paths = [p for p in _paths(event) if isinstance(_get(event, p), str)]
            paths = [p for p in paths if p not in (("type",),)] or [("x_text",)]
            _set(event, rng.choice(paths), "abc" + rng.choice(("\ud800", "\udfff", "\udc00x")))
            self._case(json.dumps(event), "reject", "a lone surrogate")
        elif roll < 0.8:
            data = rng.choice([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\x00\xff\xfe"])
            self._case(data + text.encode(), "reject", "binary frame / not UTF-8")
        elif roll < 0.85 and self.max_bytes <= 4 * 1024 * 1024:
            padding = "A" * (self.max_bytes + 4 * rng.randrange(1, 1_000))
            big = json.dumps({"type": "input_audio_buffer.append", "audio": padding})
            self._case(big, "reject", "too large")
        elif roll < 0.95:
            chars = [chr(rng.randrange(0x20, 0xD7FF)) for _ in range(rng.randrange(1, 200))]
            self._case("".join(chars), "reject", "unicode noise")
        else:  # duplicate keys: the last one counts
            raw = '{"type": "no.such.event", ' + text[1:]
            self._case(raw, "any", "duplicate type key", event_id=event["event_id"])

    # ---- valid events

    def _valid(self) -> tuple[str, dict[str, Any], frozenset[str]]:
        kind = self.rng.choices(
            list(VALID_WEIGHTS), weights=list(VALID_WEIGHTS.values()), k=1
        ).pop()
        event, tolerated = getattr(self, "_valid_" + kind.replace(".", "_"))()
        return kind, {"type": kind, **event}, frozenset(tolerated)

    def _text(self) -> str:
        return " ".join(self.rng.choice(UNICODE) for _ in range(self.rng.randrange(1, 5)))

    def _tools(self) -> list[dict[str, Any]]:
        tools: list[dict[str, Any]] = [
            {
                "type": "function",
                "name": "get_weather",
                "description": "Weather in a city.",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                },
            },
            {"type": "function", "name": "end_call", "parameters": {"type": "object"}},
            {"name": "lookup_" + str(self.rng.randrange(100))},
        ]
        return self.rng.sample(tools, self.rng.randrange(0, 4))

    def _tool_choice(self, tools: list[dict[str, Any]]) -> Any:
        choices: list[Any] = ["auto", "none", "required"]
        choices += [{"type": "function", "name": t["name"]} for t in tools]
        return self.rng.choice(choices)

    def _format(self) -> Any:
        return self.rng.choice(
            [
                {"type": "audio/pcm", "rate": 24_000},
                {"type": "audio/pcm", "rate": self.rng.choice((8_000, 16_000, 44_100, 48_000))},
                {"type": "audio/pcm"},
                {"type": "audio/pcmu"},
                {"type": "audio/pcma", "rate": 8_000},
                "pcm16",
                "g711_ulaw",
                "g711_alaw",
            ]
        )

    def _turn_detection(self) -> Any:
        rng = self.rng
        return rng.choice(
            [
                None,
                {"type": "server_vad"},
                {
                    "type": "server_vad",
                    "threshold": rng.uniform(0.05, 0.95),
                    "prefix_padding_ms": rng.randrange(0, 5_001),
                    "silence_duration_ms": rng.randrange(50, 1_500),
                    "create_response": rng.random() < 0.8,
                    "interrupt_response": rng.random() < 0.8,
                },
                {
                    "type": "semantic_vad",
                    "eagerness": rng.choice(("low", "medium", "high", "auto")),
                },
            ]
        )

    def _valid_session_update(self) -> tuple[dict[str, Any], set[str]]:
        rng = self.rng
        session: dict[str, Any] = {}
        ga = rng.random() < 0.5
        options: dict[str, Callable[[], None]] = {
            "instructions": lambda: session.update(instructions=self._text()),
            "model": lambda: session.update(model=rng.choice(("voice-agent", "gpt-realtime"))),
            "temperature": lambda: session.update(temperature=rng.uniform(0, 2)),
            "max_output_tokens": lambda: session.update(
                {
                    ("max_output_tokens" if ga else "max_response_output_tokens"): rng.choice(
                        (1, 64, 4096, "inf")
                    )
                }
            ),
            "tools": lambda: session.update(tools=self._tools()),
            "modalities": lambda: session.update(
                {("output_modalities" if ga else "modalities"): rng.choice((["audio"], ["text"]))}
            ),
            "voice": lambda: _set(
                session, ("audio", "output", "voice") if ga else ("voice",), "joe"
            ),
            "input": lambda: _set(
                session,
                ("audio", "input", "format") if ga else ("input_audio_format",),
                self._format(),
            ),
            "output": lambda: _set(
                session,
                ("audio", "output", "format") if ga else ("output_audio_format",),
                self._format(),
            ),
            "turn": lambda: _set(
                session,
                ("audio", "input", "turn_detection") if ga else ("turn_detection",),
                self._turn_detection(),
            ),
        }
        if self.engines:
            options["engine"] = lambda: session.update(engine=rng.choice(self.engines))
        for name in rng.sample(list(options), rng.randrange(0, 5)):
            options[name]()
        if "tools" in session and rng.random() < 0.7:
            session["tool_choice"] = self._tool_choice(session["tools"])
        return {"session": session}, set()

    def _valid_transcription_session_update(self) -> tuple[dict[str, Any], set[str]]:
        return self._valid_session_update()

    def _valid_input_audio_buffer_append(self) -> tuple[dict[str, Any], set[str]]:
        return {"audio": pcm_b64(self.rng)}, {"input_audio_buffer_full"}

    def _valid_input_audio_buffer_commit(self) -> tuple[dict[str, Any], set[str]]:
        return {}, {"input_audio_buffer_commit_empty"}

    def _valid_input_audio_buffer_clear(self) -> tuple[dict[str, Any], set[str]]:
        return {}, set()

    def _item(self) -> tuple[dict[str, Any], set[str]]:
        rng = self.rng
        roll = rng.random()
        item: dict[str, Any]
        tolerated: set[str] = set()
        if roll < 0.7:
            part = rng.choice(("input_text", "text", "output_text"))
            item = {
                "type": "message",
                "role": rng.choice(("user", "user", "system", "assistant")),
                "content": [{"type": part, "text": self._text()}],
            }
        elif roll < 0.85:
            item = {
                "type": "function_call",
                "name": rng.choice(("get_weather", "end_call")),
                "arguments": json.dumps({"city": self._text()}),
            }
            if rng.random() < 0.5:
                item["call_id"] = f"call_fz{rng.randrange(10**6)}"
        else:
            known = list(self.call_ids)
            call_id = rng.choice(known) if known else "call_unknown"
            item = {"type": "function_call_output", "call_id": call_id, "output": self._text()}
            tolerated.add("invalid_value")  # the call may have left the conversation
        if rng.random() < 0.2:
            item["id"] = f"item_fz{rng.randrange(10**6)}"
        return item, tolerated

    def _valid_conversation_item_create(self) -> tuple[dict[str, Any], set[str]]:
        item, tolerated = self._item()
        return {"item": item}, tolerated

    def _known_item(self) -> str:
        return self.rng.choice(list(self.item_ids)) if self.item_ids else "item_unknown"

    def _valid_conversation_item_delete(self) -> tuple[dict[str, Any], set[str]]:
        return {"item_id": self._known_item()}, {"item_not_found"}

    def _valid_conversation_item_retrieve(self) -> tuple[dict[str, Any], set[str]]:
        return {"item_id": self._known_item()}, {"item_not_found"}

    def _valid_conversation_item_truncate(self) -> tuple[dict[str, Any], set[str]]:
        event = {
            "item_id": self._known_item(),
            "content_index": 0,
            "audio_end_ms": self.rng.choice((0, 10, 300, 1_000, 60_000)),
        }
        return event, {"item_not_found", "invalid_value"}

    def _valid_response_create(self) -> tuple[dict[str, Any], set[str]]:
        rng = self.rng
        tolerated = {"conversation_already_has_active_response"}
        if rng.random() < 0.5:
            return {}, tolerated
        response: dict[str, Any] = {}
        if rng.random() < 0.3:
            response["instructions"] = self._text()
        if rng.random() < 0.3:
            response["max_output_tokens"] = rng.choice((1, 16, 4096, "inf"))
        if rng.random() < 0.3:
            response["output_modalities"] = rng.choice((["audio"], ["text"]))
        if rng.random() < 0.2:
            response["metadata"] = {"topic": self._text()}
        if rng.random() < 0.2:
            response["conversation"] = rng.choice(("auto", "none"))
        if rng.random() < 0.2:
            response["tools"] = tools = self._tools()
            response["tool_choice"] = self._tool_choice(tools)
        if rng.random() < 0.2:
            item, _ = self._item()
            if item["type"] == "function_call_output":
                item = {"type": "message", "role": "user", "content": [{"text": "hi"}]}
            entries: list[Any] = [item]
            if self.item_ids:
                entries.append({"type": "item_reference", "id": self._known_item()})
                tolerated.add("item_not_found")
            response["input"] = entries
        return {"response": response}, tolerated

    def _valid_response_cancel(self) -> tuple[dict[str, Any], set[str]]:
        return {}, {"response_cancel_not_active"}

    def _valid_output_audio_buffer_clear(self) -> tuple[dict[str, Any], set[str]]:
        return {}, {"invalid_request"}  # WebRTC's: a WebSocket session says so

    def _scenario(self) -> None:
        """A coherent burst of valid events that takes the session somewhere deeper: a
        spoken turn (with barge-in if a reply plays), a text turn, a turn cut short."""
        rng = self.rng
        ok: Expect = "ok"
        full = frozenset({"input_audio_buffer_full"})
        roll = rng.random()
        if roll < 0.4:
            for loud, count in ((True, rng.randrange(5, 40)), (False, rng.randrange(5, 50))):
                for _ in range(count):
                    event = {"type": "input_audio_buffer.append", "audio": pcm_b64(rng, loud=loud)}
                    self._event_case(event, ok, "scenario: speech", full)
        elif roll < 0.7:
            item = {"type": "message", "role": "user", "content": [{"text": self._text()}]}
            self._event_case({"type": "conversation.item.create", "item": item}, ok, "scenario")
            busy = frozenset({"conversation_already_has_active_response"})
            self._event_case({"type": "response.create"}, ok, "scenario: text turn", busy)
        elif roll < 0.85:
            self._event_case(
                {"type": "response.cancel"},
                ok,
                "scenario: cancel",
                frozenset({"response_cancel_not_active"}),
            )
        else:  # back to a plain session, so that turns happen again
            session = {"turn_detection": PLAIN_TURNS, "input_audio_format": "pcm16"}
            self._event_case({"type": "session.update", "session": session}, ok, "scenario: reset")


# A session.update's turn_detection changes only the fields it names: this names them all.
PLAIN_TURNS = {
    "type": "server_vad",
    "threshold": 0.5,
    "prefix_padding_ms": 300,
    "silence_duration_ms": 500,
    "create_response": True,
    "interrupt_response": True,
}
VALID_WEIGHTS: dict[str, float] = {
    "session.update": 10,
    "transcription_session.update": 1,
    "input_audio_buffer.append": 25,
    "input_audio_buffer.commit": 5,
    "input_audio_buffer.clear": 3,
    "conversation.item.create": 12,
    "conversation.item.delete": 4,
    "conversation.item.retrieve": 4,
    "conversation.item.truncate": 6,
    "response.create": 12,
    "response.cancel": 6,
    "output_audio_buffer.clear": 2,
}


# ---- sans-I/O runs -----------------------------------------------------------------------


class LoudnessVAD:
    """Scores a window 1.0 when it is loud: turns from synthetic audio, without a model."""

    def new_state(self) -> None:
        return None

    def __call__(self, window: np.ndarray, state: object) -> float:
        return 1.0 if float(np.sqrt(np.mean(window**2))) > 0.05 else 0.0


class FuzzEngine:
    """Answers like the cascade without models: transcribes speech, then speaks three short
    clauses, or calls a function when the turn must. It checks what any model needs of its
    input: text that is Unicode (a tokenizer encodes it as UTF-8)."""

    name: str = "fuzz"
    transcription_model: str | None = "fuzz-asr"

    def __init__(self) -> None:
        self.turns = 0

    async def respond(self, turn: Turn) -> AsyncIterator[EngineEvent]:
        self.turns += 1
        texts = [turn.instructions] + [item.text or "" for item in turn.history]
        for text in texts:
            text.encode("utf-8")  # raises on a lone surrogate, as a tokenizer would
        for item in turn.history:
            if item.text is None and item.audio is not None:
                yield UserTranscript(item.id, "hello there")
        yield ReplyStarted()
        if turn.tool_choice.forces(turn.tools):
            tool = turn.tool_choice.allowed(turn.tools)[0]
            yield FunctionCall(new_id("call"), tool.name, '{"city": "Paris"}')
            return
        for text in ("First clause.", "Second clause.", "Third.")[: turn.max_output_tokens or 3]:
            yield ReplyAudio(np.full(4_800, 0.1, np.float32), 16_000, text)

    async def warm_up(self) -> None: ...

    async def close(self) -> None: ...


@dataclass
class Figures:
    events: int = 0
    expected: Counter[str] = field(default_factory=Counter)
    errors_answered: int = 0
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0
    crashes: int = 0  # exceptions out of dispatch (the socket's receive loop would die)
    hangs: int = 0
    max_handling_s: float = 0.0
    wall_s: float = 0.0
    responses_done: int = 0
    usable_after: list[str] = field(default_factory=list)  # problems of the final check

    def add_problem(self, text: str) -> None:
        self.problem_count += 1
        if len(self.problems) < 50:
            self.problems.append(text)

    def summary(self) -> str:
        rate = self.events / self.wall_s if self.wall_s else 0.0
        return (
            f"events {self.events} ({dict(self.expected)}), errors answered "
            f"{self.errors_answered}, problems {self.problem_count}, crashes {self.crashes}, "
            f"hangs {self.hangs}, max handling {self.max_handling_s * 1000:.1f} ms, "
            f"responses done {self.responses_done}, {rate:.0f} events/s, "
            f"usable afterwards: {'yes' if not self.usable_after else self.usable_after}"
        )


class SansIOFuzz:
    """A real `Session` behind the gateway's `dispatch`, a model-free engine and VAD, and
    virtual time that moves `step_s` per event (so replies play while events arrive)."""

    def __init__(self, seed: int, max_bytes: int = 256 * 1024, step_s: float = 0.02) -> None:
        self.fuzzer = Fuzzer(seed, max_bytes)
        self.max_bytes = max_bytes
        self.step_s = step_s
        self.clock = VirtualClock()
        self.worker = ModelWorker("fuzz-vad")
        self.events: list[dict[str, Any]] = []
        self._answer: list[dict[str, Any]] = []
        self._changed = asyncio.Event()
        self.session = Session(
            engines={"fuzz": FuzzEngine()},
            vad_model=LoudnessVAD(),
            vad_worker=self.worker,
            emit=self._emit,
            config=SessionConfig(engine="fuzz"),
            limits=SessionLimits(),
            clock=self.clock,
            end_of_turn=lambda audio16k: 0.9,
        )

    async def _emit(self, event: dict[str, Any]) -> None:
        json.dumps(event)  # what a transport does with it: must not fail
        self.fuzzer.observe(event)
        if event["type"] == "error":
            self._answer.append(event)
        elif event["type"] == "response.done":
            self.events.append(event)
        self._changed.set()

    async def send(self, raw: str | bytes, hang_s: float = 30.0) -> list[dict[str, Any]]:
        """Dispatch one message and let virtual time move on; the errors in answer."""
        self._answer = []
        await asyncio.wait_for(dispatch(self.session, raw, self.max_bytes), hang_s)  # type: ignore[arg-type]
        await self.clock.advance(self.step_s)
        return self._answer

    async def run(
        self, n: int, progress: Callable[[Figures], None] | None = None, every: int = 10_000
    ) -> Figures:
        figures = Figures()
        await self.session.start()
        started = time.perf_counter()
        for case in self.fuzzer.cases(n):
            pcm16 = self.session.config.input_format.encoding == "pcm16"
            began = time.perf_counter()
            try:
                errors = await self.send(case.raw)
            except TimeoutError:
                figures.hangs += 1
                figures.add_problem(f"hang: {case.describe()}")
                continue
            except Exception as exc:
                figures.crashes += 1
                figures.add_problem(f"crash {exc!r}: {case.describe()}")
                continue
            finally:
                figures.events += 1
                figures.expected[case.expect] += 1
                figures.max_handling_s = max(figures.max_handling_s, time.perf_counter() - began)
            figures.errors_answered += len(errors)
            if (problem := judge(case, errors, pcm16)) is not None:
                figures.add_problem(f"{problem}: {case.describe()}")
            if progress is not None and figures.events % every == 0:
                figures.wall_s = time.perf_counter() - started
                figures.responses_done = len(self.events)
                progress(figures)
        figures.wall_s = time.perf_counter() - started
        figures.responses_done = len(self.events)
        figures.usable_after = await self.check_usable()
        return figures

    async def until(self, done: Callable[[], bool], hang_s: float = 30.0) -> None:
        """Run the session, moving virtual time on, until `done()`."""

        async def run() -> None:
            while not done():
                await settle()
                if done():
                    break
                if (deadline := self.clock.next_deadline) is not None:
                    await self.clock.advance(deadline - self.clock.now())
                else:
                    self._changed.clear()
                    await self._changed.wait()

        await asyncio.wait_for(run(), hang_s)

    async def check_usable(self) -> list[str]:
        """After the fuzz: a plain session update, a text turn and a spoken turn all work."""
        problems = []
        if self.session.response is not None:
            await self.send(json.dumps({"type": "response.cancel"}))
            await self.until(lambda: self.session.response is None)
        reset = {
            "type": "session.update",
            "session": {
                "instructions": "Be brief.",
                "turn_detection": PLAIN_TURNS,
                "input_audio_format": "pcm16",
                "output_audio_format": "pcm16",
                "modalities": ["audio", "text"],
                "tools": [],
                "tool_choice": "auto",
                "max_response_output_tokens": "inf",
            },
        }
        for event in (reset, {"type": "input_audio_buffer.clear"}):
            if errors := await self.send(json.dumps(event)):
                problems.append(f"{event['type']}: {errors}")
        done = len(self.events)
        item = {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "Hi"}],
        }
        for event in (
            {"type": "conversation.item.create", "item": item},
            {"type": "response.create"},
        ):
            if errors := await self.send(json.dumps(event)):
                problems.append(f"{event['type']}: {errors}")
        await self.until(lambda: len(self.events) > done)
        if (status := self.events[done]["response"]["status"]) != "completed":
            problems.append(f"text turn: response {status}")
        done = len(self.events)
        rng = random.Random(0)
        for loud, count in ((True, 50), (False, 60)):
            for _ in range(count):
                audio = pcm_b64(rng, loud=loud)
                if errors := await self.send(
                    json.dumps({"type": "input_audio_buffer.append", "audio": audio})
                ):
                    problems.append(f"append: {errors}")
        await self.until(lambda: len(self.events) > done)
        if (status := self.events[done]["response"]["status"]) != "completed":
            problems.append(f"spoken turn: response {status}")
        return problems

    async def close(self) -> None:
        await self.session.close()
        self.worker.shutdown()


async def fuzz_sans_io(
    n: int, seed: int, progress: Callable[[Figures], None] | None = None, every: int = 10_000
) -> Figures:
    fuzz = SansIOFuzz(seed)
    try:
        return await fuzz.run(n, progress, every)
    finally:
        await fuzz.close()


# ---- live runs -----------------------------------------------------------------------------


class LiveFuzz:
    """Cases sent over a WebSocket to a running server, in batches, each closed by a
    sentinel event whose own error says the server has handled the whole batch (a session
    handles its events in order). Errors are matched to cases by event id; those of
    messages the parser refused carry none, so they are counted."""

    def __init__(self, url: str, seed: int, max_bytes: int, engines: tuple[str, ...] = ()):
        self.url = url
        self.fuzzer = Fuzzer(seed, max_bytes, engines, binary=True)
        self.events: list[dict[str, Any]] = []
        self.by_id: dict[str, list[dict[str, Any]]] = {}
        self.unnamed: list[dict[str, Any]] = []  # errors without an event id
        self.server_errors: list[dict[str, Any]] = []
        self._changed = asyncio.Event()
        self.closed = False

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for message in ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            event = json.loads(message.data)
            self.fuzzer.observe(event)
            self.events.append(event)
            if event["type"] == "error":
                error = event["error"]
                if error.get("type") != "invalid_request_error":
                    self.server_errors.append(event)
                elif error.get("event_id") is None:
                    self.unnamed.append(event)
                else:
                    self.by_id.setdefault(error["event_id"], []).append(event)
            self._changed.set()
        self.closed = True
        self._changed.set()

    async def wait(self, done: Callable[[], bool], timeout: float) -> None:
        async def run() -> None:
            while not done() and not self.closed:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(run(), timeout)

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == kind]

    async def run(
        self,
        n: int,
        batch: int = 50,
        progress: Callable[[Figures], None] | None = None,
        every: int = 1_000,
        hang_s: float = 120.0,
    ) -> Figures:
        figures = Figures()
        async with aiohttp.ClientSession() as http:
            ws = await http.ws_connect(self.url, max_msg_size=0)
            reader = asyncio.create_task(self._read(ws))
            try:
                await self.wait(lambda: bool(self.of_type("session.created")), hang_s)
                started = time.perf_counter()
                for first in range(0, n, batch):
                    cases = list(self.fuzzer.cases(min(batch, n - first)))
                    began = time.perf_counter()
                    if not await self._batch(ws, cases, figures, first, hang_s):
                        break
                    figures.max_handling_s = max(
                        figures.max_handling_s, (time.perf_counter() - began) / len(cases)
                    )
                    if progress is not None and figures.events % every < batch:
                        figures.wall_s = time.perf_counter() - started
                        figures.responses_done = len(self.of_type("response.done"))
                        progress(figures)
                figures.wall_s = time.perf_counter() - started
                figures.responses_done = len(self.of_type("response.done"))
                for event in self.server_errors:
                    figures.add_problem(f"server error {event['error']}")
                if not self.closed:
                    figures.usable_after = await self.check_usable(ws)
                else:
                    figures.usable_after = ["the socket closed"]
            finally:
                await ws.close()
                await reader
        return figures

    async def _batch(
        self,
        ws: aiohttp.ClientWebSocketResponse,
        cases: list[Case],
        figures: Figures,
        first: int,
        hang_s: float,
    ) -> bool:
        unnamed = len(self.unnamed)
        for case in cases:
            if isinstance(case.raw, bytes):
                await ws.send_bytes(case.raw)
            else:
                await ws.send_str(case.raw)
        sentinel = f"sentinel_{first}"
        probe = {"type": "conversation.item.retrieve", "item_id": sentinel, "event_id": sentinel}
        await ws.send_str(json.dumps(probe))
        try:
            await self.wait(lambda: sentinel in self.by_id, hang_s)
        except TimeoutError:
            figures.hangs += 1
            figures.add_problem(f"no answer in {hang_s:.0f} s to the batch from #{first}")
            return False
        if self.closed:
            figures.crashes += 1
            figures.add_problem(f"the socket closed in the batch from #{first}")
            return False
        rejected = 0
        for case in cases:
            figures.events += 1
            figures.expected[case.expect] += 1
            errors = self.by_id.pop(case.event_id, []) if case.event_id else []
            figures.errors_answered += len(errors)
            if case.expect == "reject":
                rejected += 1
                if errors:
                    figures.add_problem(f"refused, yet answered by id: {case.describe()}")
            elif (problem := judge(case, errors, None)) is not None:
                figures.add_problem(f"{problem}: {case.describe()}")
        answered = len(self.unnamed) - unnamed
        figures.errors_answered += answered
        if answered != rejected:
            figures.add_problem(
                f"{rejected} refused messages got {answered} errors without an event id "
                f"in the batch from #{first}"
            )
        return True

    async def check_usable(self, ws: aiohttp.ClientWebSocketResponse) -> list[str]:
        """After the fuzz: a plain session answers a text turn with speech."""
        problems = []
        await ws.send_str(json.dumps({"type": "response.cancel", "event_id": "final_cancel"}))
        await self.wait(lambda: "final_cancel" in self.by_id or not self._active(), timeout=60)
        await self.wait(lambda: not self._active(), timeout=60)
        reset = {
            "type": "session.update",
            "event_id": "final_reset",
            "session": {
                "instructions": "Be brief.",
                "turn_detection": PLAIN_TURNS,
                "input_audio_format": "pcm16",
                "output_audio_format": "pcm16",
                "modalities": ["audio", "text"],
                "tools": [],
                "tool_choice": "auto",
                "max_response_output_tokens": "inf",
            },
        }
        updated = len(self.of_type("session.updated"))
        await ws.send_str(json.dumps(reset))
        await self.wait(lambda: len(self.of_type("session.updated")) > updated, 30)
        if errors := self.by_id.get("final_reset"):
            problems.append(f"session.update: {errors}")
        done = len(self.of_type("response.done"))
        item = {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "Say hello."}],
        }
        await ws.send_str(json.dumps({"type": "conversation.item.create", "item": item}))
        await ws.send_str(json.dumps({"type": "response.create", "event_id": "final_reply"}))
        await self.wait(lambda: len(self.of_type("response.done")) > done, 120)
        if errors := self.by_id.get("final_reply"):
            problems.append(f"response.create: {errors}")
        if self.closed:
            return [*problems, "the socket closed"]
        response = self.of_type("response.done")[done]["response"]
        if response["status"] != "completed":
            problems.append(f"text turn: response {response['status']}")
        deltas = [
            e
            for e in self.of_type("response.output_audio.delta")
            if e.get("response_id") == response["id"]
        ]
        if not deltas:
            problems.append("text turn: no audio")
        return problems

    def _active(self) -> bool:
        return len(self.of_type("response.created")) > len(self.of_type("response.done"))


async def fuzz_live(
    url: str,
    n: int,
    seed: int,
    max_bytes: int,
    progress: Callable[[Figures], None] | None = None,
    every: int = 1_000,
) -> Figures:
    return await LiveFuzz(url, seed, max_bytes).run(n, progress=progress, every=every)
