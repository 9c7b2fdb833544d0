from __future__ import annotations

from voice_agent.evaluation import word_error_rate
from voice_agent.text import ClauseSplitter, speakable, truncate_to_fraction
from voice_agent.turns.conversation import Segment, text_heard


def split(deltas: list[str]) -> list[str]:
    splitter = ClauseSplitter()
    out = [clause for delta in deltas for clause in splitter.push(delta)]
    return out + splitter.flush()


def test_sentences_are_cut_as_they_complete() -> None:
    deltas = ["Sure", "! The", " sky is", " blue. It", " scatters light", "."]
    assert split(deltas) == ["Sure!", "The sky is blue.", "It scatters light."]


def test_first_clause_may_end_at_a_comma_once_it_has_words() -> None:
    text = "Well, I think that, in general, cats sleep a lot of the day"
    clauses = split([w + " " for w in text.split()])
    assert clauses[0] == "Well, I think that,"
    assert " ".join(clauses) == text


def test_decimal_points_do_not_end_a_clause() -> None:
    assert split(["It costs 3.5 dollars today."]) == ["It costs 3.5 dollars today."]


def test_markdown_and_emoji_are_not_spoken() -> None:
    assert speakable("**Hello** there 😀 `code`") == "Hello there code"


def test_truncate_to_fraction_cuts_at_a_word() -> None:
    assert truncate_to_fraction("one two three four", 0.5) == "one two"
    assert truncate_to_fraction("one two", 1.0) == "one two"
    assert truncate_to_fraction("one two", 0.0) == ""


def test_text_heard_keeps_only_played_audio() -> None:
    segments = [Segment("Hello there.", 0, 1000), Segment("How are you today?", 1000, 2000)]
    assert text_heard(segments, 2000) == "Hello there. How are you today?"
    assert text_heard(segments, 1000) == "Hello there."
    assert text_heard(segments, 1500) == "Hello there. How are"
    assert text_heard(segments, 0) == ""


def test_word_error_rate() -> None:
    assert word_error_rate("What is the weather?", "what is the weather") == 0.0
    assert word_error_rate("one two three four", "one 2 three") == 0.25
    assert word_error_rate("a b", "c d e") == 1.5
