"""Valid client events of every kind the server handles, drawn at random: the fuzzer's
starting points, and what a scenario or a final check sends."""

from __future__ import annotations

import json
import random
from collections import deque
from collections.abc import Callable
from typing import Any

from voice_agent.fuzz.json_paths import set_path
from voice_agent.fuzz.values import UNICODE, pcm_b64

# A session.update's turn_detection changes only the fields it names: this names them all.
PLAIN_TURNS = {
    "type": "server_vad",
    "threshold": 0.5,
    "prefix_padding_ms": 300,
    "silence_duration_ms": 500,
    "create_response": True,
    "interrupt_response": True,
}
# Everything a run may have changed, back to plain: what its final check sends first.
PLAIN_SESSION = {
    "instructions": "Be brief.",
    "turn_detection": PLAIN_TURNS,
    "input_audio_format": "pcm16",
    "output_audio_format": "pcm16",
    "modalities": ["audio", "text"],
    "tools": [],
    "tool_choice": "auto",
    "max_response_output_tokens": "inf",
}
# How often each kind is drawn.
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


class ValidEvents:
    """Valid events from `rng`; `observe` the server's events so that later ones name real
    items and calls (the cases are then a function of the seed and of those ids)."""

    def __init__(self, rng: random.Random, engines: tuple[str, ...] = ()) -> None:
        self.rng = rng
        self.engines = engines
        self.item_ids: deque[str] = deque(maxlen=64)
        self.call_ids: deque[str] = deque(maxlen=32)

    def observe(self, event: dict[str, Any]) -> None:
        item = event.get("item")
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            if item["id"] not in self.item_ids:
                self.item_ids.append(item["id"])
            if item.get("type") == "function_call" and isinstance(item.get("call_id"), str):
                self.call_ids.append(item["call_id"])

    def draw(self) -> tuple[str, dict[str, Any], frozenset[str]]:
        """A kind, a valid event of it, and the error codes the session's state may earn it."""
        kind = self.rng.choices(
            list(VALID_WEIGHTS), weights=list(VALID_WEIGHTS.values()), k=1
        ).pop()
        event, tolerated = self.event(kind)
        return kind, {"type": kind, **event}, frozenset(tolerated)

    def event(self, kind: str) -> tuple[dict[str, Any], set[str]]:
        """The fields of a valid event of `kind` (all but its type), and tolerated codes."""
        build: Callable[[], tuple[dict[str, Any], set[str]]]
        build = getattr(self, "_" + kind.replace(".", "_"))
        return build()

    def text(self) -> str:
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

    def _session_update(self) -> tuple[dict[str, Any], set[str]]:
        rng = self.rng
        session: dict[str, Any] = {}
        ga = rng.random() < 0.5
        options: dict[str, Callable[[], None]] = {
            "instructions": lambda: session.update(instructions=self.text()),
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
            "voice": lambda: set_path(
                session, ("audio", "output", "voice") if ga else ("voice",), "joe"
            ),
            "input": lambda: set_path(
                session,
                ("audio", "input", "format") if ga else ("input_audio_format",),
                self._format(),
            ),
            "output": lambda: set_path(
                session,
                ("audio", "output", "format") if ga else ("output_audio_format",),
                self._format(),
            ),
            "turn": lambda: set_path(
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

    def _transcription_session_update(self) -> tuple[dict[str, Any], set[str]]:
        return self._session_update()

    def _input_audio_buffer_append(self) -> tuple[dict[str, Any], set[str]]:
        return {"audio": pcm_b64(self.rng)}, {"input_audio_buffer_full"}

    def _input_audio_buffer_commit(self) -> tuple[dict[str, Any], set[str]]:
        return {}, {"input_audio_buffer_commit_empty"}

    def _input_audio_buffer_clear(self) -> tuple[dict[str, Any], set[str]]:
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
                "content": [{"type": part, "text": self.text()}],
            }
        elif roll < 0.85:
            item = {
                "type": "function_call",
                "name": rng.choice(("get_weather", "end_call")),
                "arguments": json.dumps({"city": self.text()}),
            }
            if rng.random() < 0.5:
                item["call_id"] = f"call_fz{rng.randrange(10**6)}"
        else:
            known = list(self.call_ids)
            call_id = rng.choice(known) if known else "call_unknown"
            item = {"type": "function_call_output", "call_id": call_id, "output": self.text()}
            tolerated.add("invalid_value")  # the call may have left the conversation
        if rng.random() < 0.2:
            item["id"] = f"item_fz{rng.randrange(10**6)}"
        return item, tolerated

    def _conversation_item_create(self) -> tuple[dict[str, Any], set[str]]:
        item, tolerated = self._item()
        return {"item": item}, tolerated

    def _known_item(self) -> str:
        return self.rng.choice(list(self.item_ids)) if self.item_ids else "item_unknown"

    def _conversation_item_delete(self) -> tuple[dict[str, Any], set[str]]:
        return {"item_id": self._known_item()}, {"item_not_found"}

    def _conversation_item_retrieve(self) -> tuple[dict[str, Any], set[str]]:
        return {"item_id": self._known_item()}, {"item_not_found"}

    def _conversation_item_truncate(self) -> tuple[dict[str, Any], set[str]]:
        event = {
            "item_id": self._known_item(),
            "content_index": 0,
            "audio_end_ms": self.rng.choice((0, 10, 300, 1_000, 60_000)),
        }
        return event, {"item_not_found", "invalid_value"}

    def _response_create(self) -> tuple[dict[str, Any], set[str]]:
        rng = self.rng
        tolerated = {"conversation_already_has_active_response"}
        if rng.random() < 0.5:
            return {}, tolerated
        response: dict[str, Any] = {}
        if rng.random() < 0.3:
            response["instructions"] = self.text()
        if rng.random() < 0.3:
            response["max_output_tokens"] = rng.choice((1, 16, 4096, "inf"))
        if rng.random() < 0.3:
            response["output_modalities"] = rng.choice((["audio"], ["text"]))
        if rng.random() < 0.2:
            response["metadata"] = {"topic": self.text()}
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

    def _response_cancel(self) -> tuple[dict[str, Any], set[str]]:
        return {}, {"response_cancel_not_active"}

    def _output_audio_buffer_clear(self) -> tuple[dict[str, Any], set[str]]:
        return {}, {"invalid_request"}  # WebRTC's: a WebSocket session says so
