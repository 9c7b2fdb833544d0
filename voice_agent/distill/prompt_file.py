"""The distillation prompts file: JSONL, one {"id", "kind", "text", "history"?} object per
line; the bundled one and any a user writes."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from voice_agent.engines.base import Message

ROLES = ("user", "assistant")
FIELDS = ("id", "kind", "text", "history")


@dataclass(frozen=True)
class Prompt:
    id: str
    kind: str
    text: str  # the user turn to be spoken
    history: tuple[Message, ...] = ()  # the conversation before it, oldest first


class PromptFileError(ValueError):
    """A prompts file that cannot be used; the message names the file and the line."""


def bundled_prompts_path() -> Path:
    return Path(__file__).resolve().parent / "data" / "prompts.jsonl"


def write_prompts(path: Path, prompts: list[Prompt]) -> None:
    lines = []
    for prompt in prompts:
        record: dict[str, Any] = {"id": prompt.id, "kind": prompt.kind, "text": prompt.text}
        if prompt.history:
            record["history"] = [{"role": m.role, "text": m.text} for m in prompt.history]
        lines.append(json.dumps(record, ensure_ascii=False) + "\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(lines), encoding="utf-8")


def load_prompts(path: Path) -> list[Prompt]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PromptFileError(f"{path}: cannot read the prompts file ({exc.strerror})") from exc
    prompts: list[Prompt] = []
    first_line: dict[str, int] = {}
    for number, line in enumerate(raw.splitlines(), start=1):
        where = f"{path}, line {number}"
        try:
            text = line.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            raise PromptFileError(f"{where}: not UTF-8 text") from None
        if not text.strip():
            continue
        prompt = _parse_line(text, where, default_id=f"line-{number}")
        if prompt.id in first_line:
            raise PromptFileError(
                f"{where}: duplicate id {prompt.id!r} (first used on line {first_line[prompt.id]})"
            )
        first_line[prompt.id] = number
        prompts.append(prompt)
    if not prompts:
        raise PromptFileError(f"{path}: no prompts in the file")
    return prompts


def _parse_line(line: str, where: str, default_id: str) -> Prompt:
    def fail(what: str) -> NoReturn:
        raise PromptFileError(f"{where}: {what}")

    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        fail(f"bad JSON ({exc.msg} at column {exc.colno})")
    if not isinstance(record, dict):
        fail("expected a JSON object")
    unknown = sorted(set(record) - set(FIELDS))
    if unknown:  # most likely a misspelt field, which would otherwise be dropped silently
        fail(f"unknown field {unknown[0]!r} (the fields are {', '.join(FIELDS)})")
    if "text" not in record:
        fail('missing "text"')
    values = {}
    for name, default in (("text", None), ("id", default_id), ("kind", "custom")):
        value = record.get(name, default)
        if not isinstance(value, str) or not value.strip():
            fail(f'"{name}" must be a non-empty string')
        values[name] = value.strip()
    history = _parse_history(record.get("history", []), fail)
    return Prompt(values["id"], values["kind"], values["text"], history)


def _parse_history(raw: object, fail: Callable[[str], NoReturn]) -> tuple[Message, ...]:
    if not isinstance(raw, list):
        fail('"history" must be a list of {"role": ..., "text": ...} objects')
    messages: list[Message] = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or set(item) != {"role", "text"}:
            fail(f'history turn {number} must be an object with just "role" and "text"')
        role, text = item["role"], item["text"]
        if role not in ROLES:
            fail(f'history turn {number} has bad role {role!r} (expected "user" or "assistant")')
        if not isinstance(text, str) or not text.strip():
            fail(f'history turn {number} needs a non-empty "text"')
        if messages and messages[-1].role == role:
            fail(f"history turn {number} is a second {role} turn in a row (turns must alternate)")
        messages.append(Message(role, text.strip()))
    if messages and messages[-1].role != "assistant":
        fail("history must end with an assistant turn, since the prompt is the next user turn")
    return tuple(messages)
