"""Judging replies against accepted answers, and the question set they come from."""

from __future__ import annotations

import pytest

from voice_agent.bench.answers import accuracy_summary
from voice_agent.bench.judging import Verdict, is_right, judge, language_of, normalise
from voice_agent.bench.questions import all_questions, questions
from voice_agent.numbers import number_words


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Two hundred and six bones.", ["206", "bone"]),
        ("It is 5,280 feet.", ["it", "is", "5280", "feet"]),
        ("Twenty-four hours", ["24", "hour"]),
        ("24.0 degrees", ["24", "degree"]),
        ("a hundred years", ["100", "year"]),
        ("five thousand two hundred eighty", ["5280"]),
        ("two three", ["2", "3"]),
        ("Bread and butter", ["bread", "and", "butter"]),
        ("Brasília, São Paulo!", ["brasilia", "sao", "paulo"]),
    ],
)
def test_normalise_reads_numbers_case_accents_and_plurals_alike(
    text: str, words: list[str]
) -> None:
    assert normalise(text) == words


@pytest.mark.parametrize(
    ("reply", "accepted", "max_words", "right"),
    [
        ("The capital of France is Paris.", ("Paris",), None, True),
        ("The capital of France is Le Cap.", ("Paris",), None, False),
        ("Seven plus eight is 15.", ("fifteen",), None, True),
        ("Seven plus eight is fifteen!", ("15",), None, True),
        ("Seven plus eight is 16.", ("fifteen",), None, False),
        ("A baby cat is called a kitten.", ("kitten",), None, True),
        ("Kittens!", ("kitten",), None, True),
        ("Parisian food is great.", ("Paris",), None, False),  # whole words only
        ("Green.", ("green",), 3, True),
        ("Grass is green because of chlorophyll.", ("green",), 3, False),  # asked for one word
        ("It is Leonardo da Vinci.", ("Leonardo", "da Vinci"), None, True),
        ("An adult has two hundred and six bones.", ("two hundred and six",), None, True),
        ("Yes.", ("yes",), 4, True),
        ("No, the sun is a star, yes.", ("yes",), None, False),  # the answer comes first
    ],
)
def test_a_reply_is_right_when_it_says_an_accepted_answer(
    reply: str, accepted: tuple[str, ...], max_words: int | None, right: bool
) -> None:
    assert is_right(reply, accepted, max_words) is right


def test_language_drift_is_told_apart() -> None:
    assert language_of("The capital of France is Paris.") == "english"
    assert language_of("La capitale de la France est Paris.") == "french"
    assert language_of("La capital de España es Madrid y es una ciudad.") == "spanish"
    assert language_of("Paris.") == "english"  # nothing to go on: not counted as drift
    assert judge("Le capital est Paris, et la ville est belle.", ("Paris",)) == Verdict(
        right=True, english=False
    )


def test_the_question_set_is_big_split_and_does_not_give_answers_away() -> None:
    every = all_questions()
    assert len(every) >= 200
    assert {q.kind for q in every} == {"fact", "arithmetic", "common_sense", "instruction"}
    assert len({q.id for q in every}) == len(every) and len({q.text for q in every}) == len(every)
    dev, test = questions("dev"), questions("test")
    assert len(dev) + len(test) == len(every) and min(len(dev), len(test)) >= 100
    assert not {q.id for q in dev} & {q.id for q in test}
    for question in every:
        assert question.accepted and not is_right(question.asked, question.accepted)
    with pytest.raises(ValueError, match="unknown split"):
        questions("train")


def test_number_words_are_said_as_people_say_them() -> None:
    assert [number_words(n) for n in (0, 13, 40, 42, 100, 206)] == [
        "zero",
        "thirteen",
        "forty",
        "forty-two",
        "one hundred",
        "two hundred six",
    ]
    assert all(normalise(number_words(n)) == [str(n)] for n in range(1000))


def test_accuracy_summary_counts_per_kind_and_drift() -> None:
    summary = accuracy_summary(
        [
            ("fact", Verdict(True, True)),
            ("fact", Verdict(False, False)),
            ("arithmetic", Verdict(True, True, judge=False)),
        ]
    )
    assert summary["accuracy"] == pytest.approx(2 / 3, abs=1e-4)
    assert summary["non_english"] == 1
    assert summary["by_kind"] == {"arithmetic": 1.0, "fact": 0.5}
    assert summary["judge_accuracy"] == 0.0
