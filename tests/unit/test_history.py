"""What of the conversation the LLM is shown: the last user turns, cut where one begins, in
steps so that the prompt's start (and the LLM's cache of it) changes only every few turns."""

from __future__ import annotations

from voice_agent.engines.base import Message
from voice_agent.engines.history import recent_turns


def conversation(user_turns: int) -> list[Message]:
    history = []
    for index in range(user_turns):
        history += [Message("user", f"u{index}"), Message("assistant", f"a{index}")]
    return history[:-1]  # ends with the turn being answered


def shown(history: list[Message], turns: int) -> list[str]:
    return [message.text for message in recent_turns(history, turns)]


def test_the_window_grows_to_its_size_then_drops_to_half_of_it() -> None:
    users = [
        [text for text in shown(conversation(n), 4) if text.startswith("u")] for n in range(1, 10)
    ]
    assert users == [
        ["u0"], ["u0", "u1"], ["u0", "u1", "u2"], ["u0", "u1", "u2", "u3"],
        ["u3", "u4"], ["u3", "u4", "u5"], ["u3", "u4", "u5", "u6"],
        ["u6", "u7"], ["u6", "u7", "u8"],
    ]  # fmt: skip
    assert shown(conversation(6), 4) == ["u3", "a3", "u4", "a4", "u5"]  # replies between


def test_each_turn_s_prompt_begins_where_the_last_one_did_until_a_cut() -> None:
    starts = [recent_turns(conversation(n), 3)[0].text for n in range(1, 12)]
    assert starts == ["u0", "u0", "u0", "u2", "u2", "u4", "u4", "u6", "u6", "u8", "u8"]


def test_a_cut_starts_at_a_user_message_even_after_a_greeting_or_two_in_a_row() -> None:
    roles = ("assistant", "user", "user", "assistant", "user")
    history = [Message(role, f"{role} {index}") for index, role in enumerate(roles)]
    assert shown(history, 2) == ["user 4"]
    assert recent_turns(history, 3) == tuple(history)  # nothing to cut: the greeting stays


def test_zero_or_a_short_conversation_keeps_everything() -> None:
    history = conversation(3)
    assert recent_turns(history, 0) == tuple(history)
    assert recent_turns(history, 3) == tuple(history)
    assert recent_turns([], 4) == ()
