"""Judging a spoken reply against a question's accepted answers.

A reply is right when one accepted answer occurs in it as whole words, after both are
normalised the same way: case, accents and punctuation dropped, numbers in words and in digits
made the same ("twenty-four", "24" and "24.0" all read 24), a plural `s` ignored. A question
with a length instruction also needs a reply no longer than it allows. Language drift is
judged apart: a reply is English unless the common words of another language outnumber its
English ones (SmolLM2-135M drifts into French and Spanish).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from voice_agent.numbers import digits_of_number_words, word_list


def normalise(text: str) -> list[str]:
    """The words of `text`, compared by `is_right` (see the module's docstring)."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)  # 5,280
    text = re.sub(r"(?<=\d)\.0+\b", "", text)  # 24.0
    text = re.sub(r"(?<=\d)(?=[a-z])|(?<=[a-z])(?=\d)", " ", text)  # 206bones, h2o stays h 2 o
    words = re.findall(r"[a-z]+|\d+(?:\.\d+)?", text.replace("-", " "))
    return [_singular(w) for w in digits_of_number_words(words)]


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _contains(words: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return n > 0 and any(words[i : i + n] == phrase for i in range(len(words) - n + 1))


def is_right(reply: str, accepted: Sequence[str], max_words: int | None = None) -> bool:
    if max_words is not None and len(reply.split()) > max_words:
        return False
    words = normalise(reply)
    if {a.lower() for a in accepted} <= {"yes", "no"}:
        return words[:1] == [accepted[0].lower()]  # "No, it is not." is a no
    return any(_contains(words, normalise(answer)) for answer in accepted)


_STOPWORDS = {
    language: set(word_list(common))
    for language, common in {
        "english": "the is are of and to in it a you that this what was for with on be have",
        "french": "le la les est et des une un du que qui dans pour pas sont avec au aux",
        "spanish": "el la los las es y de que en un una por con para del se son",
        "german": "der die das ist und ein eine nicht mit auf den dem sich von zu",
        "italian": "il lo la gli le di che e un una per con sono della del",
        "portuguese": "o os as e de que em um uma para com do da dos nao",
    }.items()
}


def language_of(text: str) -> str:
    """The language whose common words `text` uses most (English on a tie or on none)."""
    found = re.findall(r"[a-z]+", unicodedata.normalize("NFKD", text).lower())
    if not found:
        return "english"
    counts = {
        language: sum(1 for w in found if w in stopwords)
        for language, stopwords in _STOPWORDS.items()
    }
    best = max(counts, key=lambda language: counts[language])
    return "english" if counts[best] <= counts["english"] else best


@dataclass(frozen=True)
class Verdict:
    right: bool
    english: bool
    judge: bool | None = None  # the judge model's verdict, when one was asked


def judge(reply: str, accepted: Sequence[str], max_words: int | None = None) -> Verdict:
    return Verdict(is_right(reply, accepted, max_words), language_of(reply) == "english")
