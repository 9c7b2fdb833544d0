"""What of the conversation the LLM is shown: the last user turns, cut where one begins."""

from __future__ import annotations

from voice_agent.engines.base import Message
from voice_agent.engines.history import recent_turns


def chat(*roles: str) -> list[Message]:
    return [Message(role, f"{role} {index}") for index, role in enumerate(roles)]


def test_the_last_user_turns_are_kept_with_the_replies_between_them() -> None:
    history = chat("user", "assistant", "user", "assistant", "user", "assistant", "user")
    assert [m.text for m in recent_turns(history, 2)] == ["user 4", "assistant 5", "user 6"]
    assert recent_turns(history, 1) == (history[-1],)


def test_a_cut_starts_at_a_user_turn_and_counts_each_user_message() -> None:
    history = chat("assistant", "user", "user", "assistant", "user")  # a greeting; two in a row
    assert [m.text for m in recent_turns(history, 2)] == ["user 2", "assistant 3", "user 4"]
    assert [m.text for m in recent_turns(history, 1)] == ["user 4"]
    assert recent_turns(history, 3) == tuple(history)  # nothing to cut: the greeting stays


def test_zero_or_a_short_conversation_keeps_everything() -> None:
    history = chat("user", "assistant", "user")
    assert recent_turns(history, 0) == tuple(history)
    assert recent_turns(history, 2) == tuple(history)
    assert recent_turns(history, 5) == tuple(history)
    assert recent_turns([], 3) == ()
