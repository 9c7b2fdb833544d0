"""A fuzz case (a message and what the server must answer to it), the judge of an answer,
and the figures of a run."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

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
