"""The cascade's reply text: a worked sum when the user asks one, else the LLM's answer.

A 135M model cannot add ("seven plus eight is nine"), and does not even repeat a sum it is
handed in its prompt (measured: 8 of 19 right), yet people ask a voice assistant sums all the
time. So a turn that asks one ("what is fifteen times four", "12 divided by 3") is answered by
working it out, as a calculator on a phone would; everything else goes to the LLM.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncGenerator, Sequence
from fractions import Fraction

from voice_agent.engines.base import AUTO, FunctionCall, FunctionTool, Message, ToolChoice
from voice_agent.models.llm import ChatLLM
from voice_agent.numbers import digits_of_number_words

_OPERATIONS = {
    "plus": lambda a, b: a + b,
    "minus": lambda a, b: a - b,
    "times": lambda a, b: a * b,
    "multiplied by": lambda a, b: a * b,
    "divided by": lambda a, b: a / b if b else None,
}
_SYMBOLS = {"+": "plus", "-": "minus", "*": "times", "x": "times", "×": "times", "/": "divided by"}
_SUM = re.compile(r"\b(\d+(?:\.\d+)?) (" + "|".join(_OPERATIONS) + r") (\d+(?:\.\d+)?)\b")


def worked_sum(text: str) -> str | None:
    """ "a op b is c." for the first sum `text` asks, or None."""
    text = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", text.lower().replace(",", ""))  # twenty-four
    words = re.findall(r"\d+(?:\.\d+)?|[a-z]+|[+*/×-]", text)
    words = [_SYMBOLS.get(w, w) for w in digits_of_number_words(words)]
    match = _SUM.search(" ".join(words))
    if not match:
        return None
    a, operation, b = Fraction(match[1]), match[2], Fraction(match[3])
    result = _OPERATIONS[operation](a, b)
    if result is None:
        return None
    said = f"{_say(a)} {operation} {_say(b)} is {_say(result)}."
    return said[0].upper() + said[1:]


def _say(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.3f}".rstrip("0")


async def reply_text(
    llm: ChatLLM,
    instructions: str,
    history: Sequence[Message],
    temperature: float,
    max_tokens: int | None,
    calculator: bool = True,
) -> AsyncGenerator[str, None]:
    """The reply's text deltas, with no tools offered: the worked sum the user's last turn
    asks for (`calculator`), or the LLM's answer to the instructions and the history."""
    deltas = reply(llm, instructions, history, temperature, max_tokens, calculator)
    async with contextlib.aclosing(deltas):
        async for delta in deltas:
            if isinstance(delta, str):
                yield delta


async def reply(
    llm: ChatLLM,
    instructions: str,
    history: Sequence[Message],
    temperature: float,
    max_tokens: int | None,
    calculator: bool = True,
    tools: tuple[FunctionTool, ...] = (),
    tool_choice: ToolChoice = AUTO,
) -> AsyncGenerator[str | FunctionCall, None]:
    """`reply_text`, or the functions the LLM calls when `tools` are offered."""
    asks = history[-1].text if history and history[-1].role == "user" else ""
    if calculator and not tool_choice.forces(tools) and (worked := worked_sum(asks)):
        yield worked
        return
    messages = [Message("system", instructions), *history]
    # Without tools, the three-argument call every ChatLLM has taken (and a test's fake takes).
    stream = (
        llm.stream(messages, temperature, max_tokens, tools, tool_choice)
        if tools
        else llm.stream(messages, temperature, max_tokens)
    )
    # Closing this generator closes the LLM's stream, which stops it at its next token.
    async with contextlib.aclosing(stream) as deltas:
        async for delta in deltas:
            yield delta
