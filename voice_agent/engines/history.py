"""How much of the conversation the LLM is shown.

SmolLM2-135M, the embedded LLM, cannot use a long chat: once its prompt holds about four
earlier exchanges it answers every new question with an earlier answer ("Bamboksbrugs is a
popular and well-known restaurant in Boston." to "Why do leaves change color?"). Measured on
the bench's 24 prompts in one conversation, greedy (BENCHMARKS.md): 19 of 23 replies were a
near-copy of an earlier one with the whole history shown, 15 with the last four exchanges, 1
with the last two or three. The session's conversation keeps every item; only the prompt is
cut, at a user turn so that no reply is shown without what it answered.
"""

from __future__ import annotations

from collections.abc import Sequence

from voice_agent.engines.base import Message

EMBEDDED_LLM_TURNS = 3  # the user's turn and the two exchanges before it


def recent_turns(history: Sequence[Message], turns: int) -> tuple[Message, ...]:
    """The conversation from its `turns`-th last user message on (0: all of it)."""
    users = [index for index, message in enumerate(history) if message.role == "user"]
    if turns <= 0 or len(users) <= turns:
        return tuple(history)
    return tuple(history[users[-turns] :])
