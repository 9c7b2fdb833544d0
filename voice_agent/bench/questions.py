"""The answer-accuracy question set: questions with accepted answers, built from our own tables.

Every question is written here from the distillation fact tables (`distill/prompt_facts.py`) and
the small tables below, so the set is deterministic and nothing but this code is committed. Each
question has a fixed split: `dev` is what defaults are tuned on, `test` is held out and is what
accuracy is reported on. Kinds: facts, arithmetic, common sense, and following an instruction
about the form of the answer ("answer in one word"), which also caps the reply's length.
"""

from __future__ import annotations

import hashlib
import itertools
import random
from dataclasses import dataclass

from voice_agent.bench.judging import is_right
from voice_agent.distill import prompt_facts as facts
from voice_agent.numbers import number_words

SPLITS = ("dev", "test")


@dataclass(frozen=True)
class Question:
    id: str
    kind: str  # fact | arithmetic | common_sense | instruction
    text: str
    accepted: tuple[str, ...]  # any one of them, said anywhere in the reply, is right
    max_words: int | None = None  # an instruction on length: longer replies are wrong

    @property
    def asked(self) -> str:
        """The question without its instruction on form ("Answer in one word. ...")."""
        return self.text.rsplit(". ", 1)[-1] if self.kind == "instruction" else self.text

    @property
    def split(self) -> str:
        # By a hash of the text, so adding questions never moves old ones between splits.
        return "test" if hashlib.sha256(self.text.encode()).digest()[0] % 2 else "dev"


# Small tables of our own: question | accepted answers separated by '/'.
_COMMON_SENSE = """
How many legs does a dog have?|four
How many legs does a spider have?|eight
How many legs does a chicken have?|two
How many wheels does a bicycle have?|two
How many wheels does a tricycle have?|three
How many wheels does a car have?|four
How many sides does a triangle have?|three
How many sides does a square have?|four
How many fingers are on one hand?|five
What color is grass?|green
What color is a banana?|yellow
What color is snow?|white
What color is the sky on a clear day?|blue
What color is a ripe tomato?|red
What do bees make?|honey
What do cows give us to drink?|milk
What do you call frozen water?|ice
What do birds use to fly?|wings
What do you use to see?|eyes
What do you use to hear?|ears
What shines in the sky during the day?|sun
What shines in the sky at night?|moon/stars
Which animal says moo?|cow
Which animal says woof?|dog
Which animal says meow?|cat
Which animal says oink?|pig
Which animal says quack?|duck
Which animal says baa?|sheep/lamb
What do you use to cut paper?|scissors
What do you wear on your feet?|shoes/socks
What do fish live in?|water
What do we breathe in to stay alive?|oxygen/air
Where does the sun rise?|east
Where does the sun set?|west
What season comes after winter?|spring
What season comes after summer?|autumn/fall
What is the opposite of hot?|cold
What is the opposite of up?|down
What is the opposite of big?|small/little
What is the opposite of happy?|sad/unhappy
What is the opposite of fast?|slow
What is the opposite of day?|night
What is the opposite of open?|closed/shut
What is the opposite of old?|young/new
What is the opposite of black?|white
What is the opposite of left?|right
What is the opposite of wet?|dry
"""

_FACT_KEYS = """
How many continents are there?|seven
What is the biggest ocean?|Pacific
What is the tallest mountain in the world?|Everest
What is the biggest animal in the world?|blue whale
What is the fastest land animal?|cheetah
What gas do plants take in?|carbon dioxide/CO2
Who wrote Romeo and Juliet?|Shakespeare
Who painted the Mona Lisa?|Leonardo/da Vinci
What is the largest planet?|Jupiter
What is the smallest planet?|Mercury
How many bones does an adult have?|two hundred and six
What is the hardest natural material?|diamond
At what temperature does water freeze in Celsius?|zero
At what temperature does water boil in Celsius?|one hundred
Who was the first person to walk on the moon?|Armstrong
What is the biggest hot desert in the world?|Sahara
How many hearts does an octopus have?|three
How many legs does an insect have?|six
What is the boiling point of water in Fahrenheit?|two hundred twelve
What planet do we live on?|Earth
What is the closest planet to the sun?|Mercury
Which planet is known as the red planet?|Mars
Which planet has big rings around it?|Saturn
What is the chemical symbol for water?|H2O/H two O
What do caterpillars turn into?|butterfly/butterflies/moth
"""

# Questions that say how to answer, and the reply must do as told.
_INSTRUCTIONS = """
Answer in one word. What color is grass?|green|3
Answer in one word. What color is the sky?|blue|3
Answer in one word. What animal says meow?|cat|3
Answer in one word. What is the capital of France?|Paris|3
Answer in one word. What is the capital of Japan?|Tokyo|3
Answer in one word. What is the capital of Italy?|Rome|3
Answer in one word. What is the opposite of cold?|hot|3
Answer in one word. What do bees make?|honey|3
Answer in one word. What is frozen water called?|ice|3
Answer in one word. Which planet do we live on?|Earth|3
Answer with just a number. How many legs does a cat have?|four|4
Answer with just a number. How many days are in a week?|seven|4
Answer with just a number. What is two plus two?|four|4
Answer with just a number. What is ten minus three?|seven|4
Answer with just a number. How many wheels does a bicycle have?|two|4
Answer with just a number. How many months are in a year?|twelve|4
Answer yes or no. Is the sun a star?|yes|8
Answer yes or no. Is a whale a fish?|no|8
Answer yes or no. Can penguins fly?|no|8
Answer yes or no. Is water wet?|yes|8
Answer yes or no. Is fire cold?|no|8
Answer yes or no. Do fish live in water?|yes|8
Answer yes or no. Is Paris in France?|yes|8
Answer yes or no. Is the moon a planet?|no|8
Answer in one short sentence. What is the capital of Spain?|Madrid|15
Answer in one short sentence. What color is a lemon?|yellow|15
Answer in one short sentence. How many legs does a dog have?|four|15
Answer in one short sentence. What do cows drink?|water|15
"""


Draft = tuple[str, str, tuple[str, ...]]  # kind, text, accepted answers


def _rows(block: str) -> list[list[str]]:
    return [line.split("|") for line in block.strip().splitlines()]


def _answers(field: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in field.split("/"))


def _country_questions() -> list[Draft]:
    out: list[Draft] = []
    for row in facts.COUNTRIES:
        country = row["country"]
        capital = row["capital"]
        accepted = ("Kyiv", "Kiev") if capital == "Kyiv" else (capital,)
        out.append(("fact", f"What is the capital of {country}?", accepted))
        language = row["language"]
        if language != "-" and " and " not in language:
            out.append(("fact", f"What language do people speak in {country}?", (language,)))
    return out


def _table_questions() -> list[Draft]:
    out: list[Draft] = []
    for row in facts.PLANETS:
        out.append(("fact", f"Which planet is {row['ordinal']} from the sun?", (row["planet"],)))
    for row in facts.WEEKDAYS:
        out.append(("common_sense", f"What day comes after {row['day']}?", (row["next"],)))
    months = [row["month"] for row in facts.MONTHS]
    for month, following in itertools.pairwise(months):
        out.append(("common_sense", f"What month comes after {month}?", (following,)))
    for row in facts.COLOR_MIXES:
        mix = row["mix"].removeprefix("a muddy ").removeprefix("light ")
        text = f"What color do you get when you mix {row['color']} and {row['color2']} paint?"
        out.append(("common_sense", text, (mix,)))
    for row in facts.BABY_ANIMALS:
        baby = row["a_baby"].split(" ", 1)[1]
        out.append(("fact", f"What is a baby {row['animal']} called?", (baby,)))
    for row in facts.UNITS:
        text = f"How many {row['unit']} are there in {row['whole']}?"
        out.append(("fact", text, (row["number"],)))
    for row in facts.DISH_ORIGINS:
        origin = row["origin"].split(",")[0].removeprefix("the ")
        out.append(("fact", f"Which country or region does {row['dish']} come from?", (origin,)))
    return out


def _arithmetic_questions() -> list[Draft]:
    rng = random.Random(17)
    out: list[Draft] = []
    while len(out) < 36:
        a, b = rng.randint(2, 20), rng.randint(2, 12)
        op = ("plus", "minus", "times")[len(out) % 3]
        if op == "minus" and a <= b:
            continue
        result = {"plus": a + b, "minus": a - b, "times": a * b}[op]
        if result in (a, b):
            continue
        text = f"What is {number_words(a)} {op} {number_words(b)}?"
        if any(q == text for _, q, _ in out):
            continue
        out.append(("arithmetic", text, (number_words(result),)))
    return out


def all_questions() -> list[Question]:
    """The whole set, in a fixed order."""
    drafts = _country_questions() + _table_questions() + _arithmetic_questions()
    drafts += [("common_sense", q, _answers(a)) for q, a in _rows(_COMMON_SENSE)]
    drafts += [("fact", q, _answers(a)) for q, a in _rows(_FACT_KEYS)]
    questions = [
        Question(f"{kind}-{index:03d}", kind, text, accepted)
        for index, (kind, text, accepted) in enumerate(drafts)
        if not is_right(text, accepted)  # "...speak in the Czech Republic?" gives it away
    ]
    start = len(questions)
    for index, (text, answer, words) in enumerate(_rows(_INSTRUCTIONS)):
        questions.append(
            Question(f"instruction-{start + index:03d}", "instruction", text, (answer,), int(words))
        )
    return questions


def questions(split: str | None = None) -> list[Question]:
    """The questions of one split (`dev` or `test`), or all of them."""
    if split is not None and split not in SPLITS:
        raise ValueError(f"unknown split {split!r}: one of {', '.join(SPLITS)}")
    return [q for q in all_questions() if split is None or q.split == split]
