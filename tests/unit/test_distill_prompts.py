"""The distillation prompt set: the bundled file, its generator, and the JSONL reader/writer."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from voice_agent.distill.prompt_file import (
    Prompt,
    PromptFileError,
    bundled_prompts_path,
    load_prompts,
    write_prompts,
)
from voice_agent.distill.prompts import (
    KIND_SHARES,
    generate_prompts,
    main,
    number_words,
)
from voice_agent.engines.base import Message


@pytest.fixture(scope="module")
def generated() -> list[Prompt]:
    return generate_prompts()


def key(prompt: Prompt) -> str:
    """Text and history without case, punctuation or spacing (the dedup rule)."""
    texts = [m.text for m in prompt.history] + [prompt.text]
    return "\n".join(re.sub(r"[^a-z0-9]+", " ", t.lower()).strip() for t in texts)


def test_bundled_file_is_the_generator_output(generated: list[Prompt], tmp_path: Path) -> None:
    path = bundled_prompts_path()
    assert path.parent.name == "data" and path.name == "prompts.jsonl"
    write_prompts(tmp_path / "fresh.jsonl", generated)
    stale = "the bundled prompts drifted: run python -m voice_agent.distill.prompts"
    assert (tmp_path / "fresh.jsonl").read_bytes() == path.read_bytes(), stale
    assert load_prompts(path) == generated
    assert path.stat().st_size < 1_000_000


def test_generation_is_deterministic_and_seeded() -> None:
    assert generate_prompts(200, seed=7) == generate_prompts(200, seed=7)
    assert generate_prompts(200, seed=7) != generate_prompts(200, seed=8)
    with pytest.raises(ValueError, match="at least one"):
        generate_prompts(0)


def test_thousands_of_distinct_prompts_in_order(generated: list[Prompt]) -> None:
    assert len(generated) == 5000
    assert [p.id for p in generated] == [f"p{i:05d}" for i in range(5000)]
    assert len({key(p) for p in generated}) == 5000
    # One-turn prompts differ by their text alone, not only by a history.
    one_turn = [p for p in generated if not p.history]
    assert len({key(p) for p in one_turn}) == len(one_turn)


def test_every_kind_in_its_share_and_spread_over_the_list(generated: list[Prompt]) -> None:
    counts = Counter(p.kind for p in generated)
    assert set(counts) == set(KIND_SHARES)
    for kind, share in KIND_SHARES.items():
        assert abs(counts[kind] - share * len(generated)) <= 1, kind
    # A prefix, or any stretch, of the list holds every kind.
    assert {p.kind for p in generated[:10]} == set(KIND_SHARES)
    for start in range(0, 5000, 250):
        window = Counter(p.kind for p in generated[start : start + 250])
        for kind, share in KIND_SHARES.items():
            assert abs(window[kind] - share * 250) <= 2, (start, kind)


def test_follow_ups_continue_a_well_formed_conversation(generated: list[Prompt]) -> None:
    lengths = Counter(len(p.history) for p in generated if p.kind == "follow_up")
    assert set(lengths) == {2, 4} and lengths[4] > 100
    for prompt in generated:
        if prompt.kind != "follow_up":
            assert prompt.history == ()
            continue
        roles = [m.role for m in prompt.history]
        assert roles == ["user", "assistant"] * (len(roles) // 2), prompt
    texts = Counter(p.text for p in generated if p.kind == "follow_up")
    assert texts["Why is that?"] > 5 and texts["Tell me more about it."] > 5
    assert any(t.startswith("And what about ") for t in texts)


def test_arithmetic_answers_in_histories_are_right(generated: list[Prompt]) -> None:
    value = {number_words(n): n for n in range(1000)}
    ops = {"plus": lambda a, b: a + b, "minus": lambda a, b: a - b, "times": lambda a, b: a * b}
    checked = 0
    for prompt in generated:
        turns = prompt.history
        for ask, answer in zip(turns[::2], turns[1::2], strict=True):
            sum_asked = re.search(r"\b([a-z-]+) (plus|minus|times) ([a-z-]+)\?$", ask.text)
            if not sum_asked or " in " in ask.text:
                continue
            said = re.search(r"(?:is|That's) ([a-z -]+)\.$", answer.text)
            assert said, answer.text
            a, op, b = sum_asked.groups()
            assert value[said.group(1)] == ops[op](value[a], value[b]), (ask.text, answer.text)
            checked += 1
    assert checked > 20


def test_number_words() -> None:
    assert [number_words(n) for n in (0, 7, 13, 20, 42, 100, 110, 999)] == [
        "zero",
        "seven",
        "thirteen",
        "twenty",
        "forty-two",
        "one hundred",
        "one hundred ten",
        "nine hundred ninety-nine",
    ]


# What a TTS voice can say and a listener can write down exactly.
SPEAKABLE = re.compile(r"[A-Z][A-Za-z ,.?!'-]*[.?!]")
NOT_SPEAKABLE = {
    "a digit or symbol": re.compile(r"[^A-Za-z ,.?!'-]"),
    "an apostrophe or hyphen outside a word": re.compile(r"(^|[^A-Za-z])['-]|['-]($|[^A-Za-z])"),
    "an all-capitals abbreviation": re.compile(r"\b[A-Z]{2,}\b"),
    "a dotted abbreviation": re.compile(r"\b(e\.g|i\.e|etc|vs|mr|mrs|dr|st)\b", re.IGNORECASE),
    "a lower-case sentence start": re.compile(r"[.?!] [a-z]"),
    "a lower-case I": re.compile(r"\bi\b"),
    "odd spacing": re.compile(r"  | [,.?!]|[,.?!][A-Za-z]|^ | $"),
    "doubled punctuation": re.compile(r"[,.?!]{2}"),
}


def test_every_text_is_speakable(generated: list[Prompt]) -> None:
    texts = {p.text for p in generated} | {m.text for p in generated for m in p.history}
    for text in texts:
        assert SPEAKABLE.fullmatch(text), text
        for what, pattern in NOT_SPEAKABLE.items():
            assert not pattern.search(text), f"{what}: {text}"
        assert len(text.split()) <= 60, text


def test_long_turns_are_long_and_short_turns_exist(generated: list[Prompt]) -> None:
    long_words = [len(p.text.split()) for p in generated if p.kind == "long"]
    assert min(long_words) >= 20 and max(long_words) <= 60
    assert sum(n >= 30 for n in long_words) > len(long_words) / 2
    short = [p.text for p in generated if p.kind == "small_talk" and len(p.text.split()) <= 2]
    assert len(short) >= 10


def test_write_then_load_round_trips(tmp_path: Path) -> None:
    prompts = [
        Prompt("a", "question", "What is the capital of Peru?"),
        Prompt(
            "b",
            "follow_up",
            "Why is that?",
            (Message("user", "Is a bat a bird?"), Message("assistant", "No, it's a mammal.")),
        ),
        Prompt("c", "custom", "Caf\u00e9 au lait, s'il vous pla\u00eet."),
    ]
    path = tmp_path / "sub" / "prompts.jsonl"
    write_prompts(path, prompts)
    assert load_prompts(path) == prompts
    assert '"history"' not in path.read_text(encoding="utf-8").splitlines()[0]


def test_optional_fields_default_and_blank_lines_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl"
    path.write_text('\n{"text": " Hello there. "}\n\n{"text": "Bye.", "history": []}\n')
    assert load_prompts(path) == [
        Prompt("line-2", "custom", "Hello there."),
        Prompt("line-4", "custom", "Bye."),
    ]


GOOD = '{"id": "a", "text": "Hi."}'
USER = '{"role": "user", "text": "A."}'
BAD_LINES = {
    "{not json": "bad JSON",
    "[1, 2]": "expected a JSON object",
    '{"id": "b"}': 'missing "text"',
    '{"text": "  "}': '"text" must be a non-empty string',
    '{"text": 3}': '"text" must be a non-empty string',
    '{"text": "Hi.", "id": 7}': '"id" must be a non-empty string',
    '{"text": "Hi.", "kind": ""}': '"kind" must be a non-empty string',
    '{"text": "Hi.", "txet": "x"}': "unknown field 'txet'",
    '{"text": "Hi.", "history": "earlier"}': '"history" must be a list',
    '{"text": "Hi.", "history": [{"role": "system", "text": "x"}]}': "bad role 'system'",
    '{"text": "Hi.", "history": [{"role": "user"}]}': 'just "role" and "text"',
    '{"text": "Hi.", "history": [{"role": "user", "text": ""}]}': 'non-empty "text"',
    '{"text": "Hi.", "history": [{"role": "user", "text": "A."}]}': "end with an assistant",
    f'{{"text": "Hi.", "history": [{USER}, {USER}]}}': "in a row",
    '{"id": "a", "text": "Again."}': "duplicate id 'a' (first used on line 1)",
}


@pytest.mark.parametrize("bad", BAD_LINES)
def test_a_bad_line_names_the_file_the_line_and_the_problem(bad: str, tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl"
    path.write_text(f"{GOOD}\n\n{bad}\n{GOOD.replace('a', 'z')}\n", encoding="utf-8")
    with pytest.raises(PromptFileError) as caught:
        load_prompts(path)
    message = str(caught.value)
    assert str(path) in message and "line 3" in message, message
    assert BAD_LINES[bad] in message, message
    assert isinstance(caught.value, ValueError)


def test_unreadable_and_empty_files_are_errors(tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl"
    path.write_bytes(GOOD.encode() + b'\n{"text": "caf\xe9"}\n')
    with pytest.raises(PromptFileError, match="line 2: not UTF-8"):
        load_prompts(path)
    path.write_text("\n  \n")
    with pytest.raises(PromptFileError, match="no prompts"):
        load_prompts(path)
    with pytest.raises(PromptFileError, match="cannot read"):
        load_prompts(tmp_path / "missing.jsonl")


def test_command_line_writes_a_prompt_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "prompts.jsonl"
    assert main(["--out", str(out), "--count", "60", "--seed", "3"]) == 0
    assert load_prompts(out) == generate_prompts(60, seed=3)
    printed = capsys.readouterr().out
    assert "follow_up" in printed and "60" in printed
