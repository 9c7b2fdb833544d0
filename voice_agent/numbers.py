"""Numbers as people say them: words to digits and back (0 to millions, English)."""

from __future__ import annotations


def word_list(text: str) -> list[str]:
    """The whitespace-separated words of a table written as one string."""
    return text.split()


ONES = word_list(
    """zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen
    fifteen sixteen seventeen eighteen nineteen"""
)
TENS = word_list("_ _ twenty thirty forty fifty sixty seventy eighty ninety")
_SMALL = {w: i for i, w in enumerate(ONES)}
_TENS = {w: 10 * i for i, w in enumerate(TENS) if w != "_"}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}


def number_words(n: int) -> str:
    """0 <= n < 1000 in words, as a person would say it ("one hundred twelve")."""
    if n < 20:
        return ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return TENS[tens] + (f"-{ONES[ones]}" if ones else "")
    hundreds, rest = divmod(n, 100)
    return f"{ONES[hundreds]} hundred" + (f" {number_words(rest)}" if rest else "")


def digits_of_number_words(words: list[str]) -> list[str]:
    """Lower-case words with each run of number words made one number in digits
    ("two hundred and six" -> "206", "a hundred" -> "100", "two three" -> "2", "3")."""
    out: list[str] = []
    total = current = 0
    in_number = False

    def flush() -> None:
        nonlocal total, current, in_number
        if in_number:
            out.append(str(total + current))
        total = current = 0
        in_number = False

    for index, word in enumerate(words):
        if word in _SMALL or word in _TENS:
            if in_number and current % 10:
                flush()  # "two three": two numbers
            current += _SMALL.get(word, 0) + _TENS.get(word, 0)
            in_number = True
        elif word in _SCALES and in_number:
            if _SCALES[word] == 100:
                current *= 100
            else:
                total += current * _SCALES[word]
                current = 0
        elif word == "hundred" and out and out[-1] == "a":
            out.pop()  # "a hundred"
            current, in_number = 100, True
        elif word == "and" and in_number and index + 1 < len(words):
            following = words[index + 1]
            if following not in _SMALL and following not in _TENS:
                flush()
                out.append(word)
        else:
            flush()
            out.append(word)
    flush()
    return out
