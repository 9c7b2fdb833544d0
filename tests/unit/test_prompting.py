"""The cascade's reply text: sums worked out (a 135M model cannot add), the rest from the LLM."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import pytest

from voice_agent.engines.base import Message
from voice_agent.engines.prompting import reply_text, worked_sum


@pytest.mark.parametrize(
    ("asked", "worked"),
    [
        ("What is seven plus eight?", "7 plus 8 is 15."),
        ("what's eighteen times nine", "18 times 9 is 162."),
        ("What is twenty-four minus one?", "24 minus 1 is 23."),
        ("How much is 12 divided by 5?", "12 divided by 5 is 2.4."),
        ("What is 7-2?", "7 minus 2 is 5."),
        ("and 3 x 4?", "3 times 4 is 12."),
        ("What is a hundred multiplied by three?", "100 multiplied by 3 is 300."),
        ("What is five divided by zero?", None),
        ("Tell me about the twenty-four hours of Le Mans.", None),
        ("I have two cats and one dog.", None),
    ],
)
def test_worked_sum(asked: str, worked: str | None) -> None:
    assert worked_sum(asked) == worked


class EchoLLM:
    """Answers with the messages it was given, to show what reached it."""

    def __init__(self) -> None:
        self.closed = 0

    async def stream(
        self, messages: list[Message], temperature: float, max_tokens: int | None
    ) -> AsyncGenerator[str, None]:
        try:
            for message in messages:
                yield f"[{message.role}: {message.text}]"
        finally:
            self.closed += 1

    async def warm_up(self) -> None: ...

    def reseed(self, seed: int) -> None: ...

    async def close(self) -> None: ...


async def reply(llm: EchoLLM, history: list[Message], calculator: bool = True) -> str:
    deltas = reply_text(llm, "Be brief.", history, 0.0, None, calculator)
    return "".join([delta async for delta in deltas])


async def test_a_sum_is_worked_out_and_the_rest_goes_to_the_llm() -> None:
    llm = EchoLLM()
    asked = [Message("user", "What is two plus two?")]
    assert await reply(llm, asked) == "2 plus 2 is 4."
    assert llm.closed == 0  # the LLM was never asked
    assert await reply(llm, asked, calculator=False) == (
        "[system: Be brief.][user: What is two plus two?]"
    )
    later = [*asked, Message("assistant", "Four."), Message("user", "Thanks!")]
    assert (await reply(llm, later)).startswith("[system: Be brief.][user: What is two")
    assert llm.closed == 2
