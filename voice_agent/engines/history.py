"""How much of the conversation the LLM is shown.

SmolLM2-135M, the embedded LLM, cannot use a long chat: once its prompt holds about four
earlier exchanges it answers every new question with an earlier answer ("Bamboksbrugs is a
popular and well-known restaurant in Boston." to "Why do leaves change color?"). Measured on
the bench's 24 prompts in one conversation, greedy (BENCHMARKS.md): 19 of 23 replies were a
near-copy of an earlier one with the whole history shown, 15 with the last five user turns,
1 with the last two to four.

A window that slides every turn would change the prompt's start every turn, and the LLM would
read the whole conversation again instead of only the new turn (its cache keeps a prompt's
unchanged beginning): 0.4-1 s more per turn on a 2-core CPU. So the window is cut in steps: it
grows from about half of `turns` to `turns` user turns, then drops back, and the prompt's
start changes only once every few turns. The session's conversation keeps every item; only
the prompt is cut, at a user turn so that no reply is shown without what it answered.
"""

from __future__ import annotations

from collections.abc import Sequence

from voice_agent.engines.base import Message

EMBEDDED_LLM_TURNS = 4  # at most: the user's turn and three exchanges before it


def recent_turns(history: Sequence[Message], turns: int) -> tuple[Message, ...]:
    """The conversation from one of its last `turns` user messages on (0: all of it): from
    between `turns` and ceil(`turns` / 2) back, a start that moves only every few turns."""
    users = [index for index, message in enumerate(history) if message.role == "user"]
    if turns <= 0 or len(users) <= turns:
        return tuple(history)
    fewest = (turns + 1) // 2
    step = turns - fewest + 1
    dropped = (len(users) - fewest) // step * step
    return tuple(history[users[dropped] :])
