"""The fuzzer: cases from a seed, valid events and mutations of them.

Mutations: wrong types and out-of-range values per field, fields dropped and added, huge,
negative and non-finite numbers, bad base64 and odd-length PCM, unicode junk and lone
surrogates, deep nesting, non-JSON text, oversized messages and binary frames; now and then a
scenario of valid events that takes the session deeper (a spoken turn, a text turn).
"""

from __future__ import annotations

import base64
import json
import random
from collections import deque
from collections.abc import Iterator
from typing import Any

from voice_agent.fuzz.cases import Case, Expect
from voice_agent.fuzz.invalid import BAD_AUDIO, BAD_FIELDS, REJECTED_RAW, REQUIRED
from voice_agent.fuzz.json_paths import all_paths, get_path, set_path
from voice_agent.fuzz.valid import PLAIN_TURNS, ValidEvents
from voice_agent.fuzz.values import UNICODE, junk, nested, pcm_b64
from voice_agent.realtime.client_events import MAX_DEPTH


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
        self.binary = binary
        self.count = 0
        self.valid = ValidEvents(self.rng, engines)
        self._queue: deque[Case] = deque()

    def observe(self, event: dict[str, Any]) -> None:
        self.valid.observe(event)

    def cases(self, n: int) -> Iterator[Case]:
        for _ in range(n):
            yield self.next()

    def next(self) -> Case:
        if not self._queue:
            self._generate()
        return self._queue.popleft()

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
        kind, event, tolerated = self.valid.draw()
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
        set_path(event, path, self.rng.choice(fields[path]))
        self._event_case(event, "error", f"{kind} bad {'.'.join(path)}")

    def _drop(self, kind: str, event: dict[str, Any], tolerated: frozenset[str]) -> None:
        required = REQUIRED.get(kind, [])
        paths = [p for p in all_paths(event) if p not in (("type",), ("event_id",))]
        if required and (not paths or self.rng.random() < 0.5):
            path = self.rng.choice(required)
            expect: Expect = "error"
        elif paths:
            path, expect = self.rng.choice(paths), "any"
        else:
            self._event_case(event, "ok", f"valid {kind}", tolerated)
            return
        parent = get_path(event, path[:-1])
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
        paths = [p for p in all_paths(event) if p not in (("type",), ("event_id",))]
        if not paths:
            self._envelope(event)
            return
        path = self.rng.choice(paths)
        parent = get_path(event, path[:-1])
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
            paths = [p for p in all_paths(event) if isinstance(get_path(event, p), str)]
            paths = [p for p in paths if p not in (("type",),)] or [("x_text",)]
            set_path(event, rng.choice(paths), "abc" + rng.choice(("\ud800", "\udfff", "\udc00x")))
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
            item = {"type": "message", "role": "user", "content": [{"text": self.valid.text()}]}
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
