"""Fuzzed client events against the sans-I/O protocol and a real session (model-free engine
and VAD, virtual time): no exception escapes, nothing hangs, every bad event gets exactly
one `error`, and the session still holds a conversation afterwards.

The long run is `scripts/fuzz.py --events 100000`; this is its CI-sized sample.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from voice_agent.fuzz.cases import Case, judge
from voice_agent.fuzz.invalid import BAD_FIELDS, REJECTED_RAW
from voice_agent.fuzz.json_paths import set_path
from voice_agent.fuzz.mutate import Fuzzer
from voice_agent.fuzz.sans_io import SansIOFuzz, fuzz_sans_io
from voice_agent.realtime.client_events import MAX_DEPTH


@pytest.fixture
async def fuzz() -> AsyncIterator[SansIOFuzz]:
    run = SansIOFuzz(seed=0)
    await run.session.start()
    yield run
    await run.close()


@pytest.mark.parametrize("seed", [1, 2])
async def test_fuzzed_events_are_each_answered_and_the_session_lives_on(seed: int) -> None:
    figures = await fuzz_sans_io(8_000, seed)
    assert figures.crashes == 0, figures.problems
    assert figures.hangs == 0, figures.problems
    assert figures.problems == []
    assert figures.usable_after == []
    # The run reached every kind of case, and replies happened in between.
    assert min(figures.expected[kind] for kind in ("reject", "error", "ok", "any")) > 300
    assert figures.errors_answered >= figures.expected["reject"] + figures.expected["error"]
    assert figures.responses_done > 50


def test_the_cases_are_a_function_of_the_seed() -> None:
    def raws(seed: int) -> list[str | bytes]:
        return [case.raw for case in Fuzzer(seed).cases(2_000)]

    assert raws(7) == raws(7)
    assert raws(7) != raws(8)


async def test_every_surely_invalid_field_value_gets_one_error(fuzz: SansIOFuzz) -> None:
    """The fuzzer's table of wrong values, each tried once on a valid event of its type."""
    tried = 0
    for kind, fields in BAD_FIELDS.items():
        for path, values in fields.items():
            for value in values:
                fields_of_kind, _ = fuzz.fuzzer.valid.event(kind)
                event = {"type": kind, **fields_of_kind, "event_id": f"bad{tried}"}
                set_path(event, path, value)
                raw = json.dumps(event)
                errors = await fuzz.send(raw)
                case = Case(tried, raw, "error", f"{kind} {path}", event_id=f"bad{tried}")
                assert judge(case, errors) is None, (raw[:300], errors)
                tried += 1
    assert tried > 250


async def test_messages_the_parser_refuses_get_one_error_without_an_event_id(
    fuzz: SansIOFuzz,
) -> None:
    refused: list[str | bytes] = [
        *REJECTED_RAW,
        "[" * 100_000 + "]" * 100_000,  # json.loads: RecursionError, once a crash
        '{"type": "response.create", "x": ' + "[" * 5_000 + "]" * 5_000 + "}",
        '{"type": "response.create", "x": ' + json.dumps(_nested(MAX_DEPTH)) + "}",
        '{"type": "response.create", "n": ' + "9" * 5_000 + "}",  # ValueError, once a crash
        '{"type": "response.create", "instructions": "\\ud800"}',  # not Unicode
        '{"type": "response.create", "event_id": "\\udfff"}',
        b'{"type": "response.create", "x": "\xff"}',  # not UTF-8
        json.dumps({"type": "input_audio_buffer.append", "audio": "A" * (300 * 1024)}),
    ]
    for index, raw in enumerate(refused):
        errors = await fuzz.send(raw)
        assert judge(Case(index, raw, "reject", "refused"), errors) is None, (raw[:100], errors)
    # A surrogate pair is a real character, and nesting within the limit is fine.
    fine = [
        '{"type": "conversation.item.create", "event_id": "e1", "item": {"type": "message",'
        ' "role": "user", "content": [{"type": "input_text", "text": "\\ud83d\\ude00"}]}}',
        '{"type": "response.cancel", "event_id": "e2", "x": '
        + json.dumps(_nested(MAX_DEPTH - 1))
        + "}",
    ]
    assert await fuzz.send(fine[0]) == []
    errors = await fuzz.send(fine[1])
    assert [e["error"]["code"] for e in errors] == ["response_cancel_not_active"]


def _nested(depth: int) -> Any:
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


async def test_an_unhashable_audio_format_name_is_an_invalid_value(fuzz: SansIOFuzz) -> None:
    """Once a TypeError ('unhashable type: list') that the gateway reported as server_error."""
    update = {"audio": {"input": {"format": {"type": ["audio/pcm"], "rate": 24000}}}}
    errors = await fuzz.send(json.dumps({"type": "session.update", "session": update}))
    assert [(e["error"]["type"], e["error"]["code"]) for e in errors] == [
        ("invalid_request_error", "invalid_value")
    ]


async def test_a_response_that_is_not_an_object_is_refused(fuzz: SansIOFuzz) -> None:
    for value in ([], "", 0, False):
        event = {"type": "response.create", "event_id": "r", "response": value}
        errors = await fuzz.send(json.dumps(event))
        assert [e["error"]["param"] for e in errors] == ["response"]
    assert fuzz.session.response is None
