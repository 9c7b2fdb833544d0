"""User turns ("prompts") for `voice-agent distill`: the bundled set and its generator
(`prompt_file` reads and writes them).

The bundled set is generated from our own templates, word lists and fact tables (the data-only
prompt_*.py modules), so it is license-clean and reproducible:
`python -m voice_agent.distill.prompts` rewrites data/prompts.jsonl, and a unit test checks
that the file still equals `generate_prompts()`.
"""

from __future__ import annotations

import argparse
import random
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from voice_agent.distill import (
    prompt_chats,
    prompt_facts,
    prompt_requests,
    prompt_templates,
    prompt_words,
)
from voice_agent.distill.prompt_file import Prompt, bundled_prompts_path, write_prompts
from voice_agent.engines.base import Message

# The mix of the bundled set: "long" is a few sentences of context and then a question or a
# request; "follow_up" continues a short conversation given as its history.
KIND_SHARES = {
    "question": 0.30,
    "request": 0.25,
    "small_talk": 0.15,
    "long": 0.10,
    "follow_up": 0.20,
}
DEFAULT_COUNT = 5000


# ---- the generator ---------------------------------------------------------------------------

Turns = tuple[str, tuple[Message, ...]]  # a user text and the history before it


@dataclass(frozen=True)
class _Family:
    """Prompts of one shape; `draw` gives one (maybe a repeat), or None once it has no more."""

    name: str
    weight: float
    draw: Callable[[random.Random], Turns | None]


def generate_prompts(count: int = DEFAULT_COUNT, seed: int = 0) -> list[Prompt]:
    """`count` distinct prompts in KIND_SHARES, the kinds spread evenly over the list."""
    if count < 1:
        raise ValueError("count must be at least one")
    rng = random.Random(seed)
    slots, tables = _slots(), {**prompt_facts.TABLES, "arithmetic": _arithmetic_rows()}
    quotas = _quotas(count)
    seen: set[str] = set()  # normalised text and history, across all kinds
    drawn = {
        kind: iter(_draw(kind, _families(kind, slots, tables), quota, rng, seen))
        for kind, quota in quotas.items()
    }
    width = max(5, len(str(count - 1)))
    return [
        Prompt(f"p{index:0{width}d}", kind, *next(drawn[kind]))
        for index, kind in enumerate(_interleave(quotas))
    ]


def normalise(text: str) -> str:
    """What must differ between two prompts: words, not case, punctuation or spacing."""
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _quotas(count: int) -> dict[str, int]:
    exact = {kind: share * count for kind, share in KIND_SHARES.items()}
    quotas = {kind: int(value) for kind, value in exact.items()}
    by_remainder = sorted(exact, key=lambda kind: quotas[kind] - exact[kind])
    for kind in by_remainder[: count - sum(quotas.values())]:
        quotas[kind] += 1
    return quotas


def _interleave(quotas: Mapping[str, int]) -> list[str]:
    """Smooth weighted round robin, so any stretch of the list holds each kind in its share."""
    total = sum(quotas.values())
    credit = dict.fromkeys(quotas, 0)
    order = []
    for _ in range(total):
        for kind, quota in quotas.items():
            credit[kind] += quota
        kind = max(credit, key=lambda k: credit[k])
        credit[kind] -= total
        order.append(kind)
    return order


def _draw(
    kind: str, families: list[_Family], quota: int, rng: random.Random, seen: set[str]
) -> list[Turns]:
    out: list[Turns] = []
    live = list(families)
    misses = dict.fromkeys((f.name for f in families), 0)
    while len(out) < quota:
        if not live:
            raise ValueError(f"only {len(out)} distinct {kind} prompts can be made; ask for fewer")
        family = rng.choices(live, weights=[f.weight for f in live])[0]
        turns = family.draw(rng)
        if turns is None:  # a fixed list, used up
            live.remove(family)
            continue
        text, history = turns
        key = "\n".join(normalise(t) for t in (*(m.text for m in history), text))
        if key in seen:
            misses[family.name] += 1
            if misses[family.name] >= 300:  # a templated family that has little new left
                live.remove(family)
            continue
        misses[family.name] = 0
        seen.add(key)
        out.append(turns)
    return out


def _families(kind: str, slots: dict[str, list[str]], tables: dict[str, list]) -> list[_Family]:
    chats = prompt_chats.CHATS
    if kind == "follow_up":
        return [_chat_family(name, spec, slots, tables) for name, spec in chats.items()]
    if kind == "long":
        return [_long_family(name, parts, slots) for name, parts in prompt_chats.LONG.items()]
    groups = {
        "question": prompt_templates.QUESTIONS,
        "request": prompt_requests.REQUESTS,
        "small_talk": prompt_requests.SMALL_TALK,
    }[kind]
    families = [
        _template_family(name, templates, slots, openers=kind == "question")
        for name, templates in groups.items()
    ]
    asking = {name: spec for name, spec in chats.items() if spec["kind"] == [kind]}
    if asking:  # the chats' first turns are good one-turn prompts of their kind too
        weight = 3.0 if kind == "question" else 1.0
        families.append(_chat_asks(asking, slots, tables, weight))
    return families


def _template_family(
    name: str, templates: list[str], slots: dict[str, list[str]], openers: bool
) -> _Family:
    weight = prompt_templates.WEIGHTS.get(name, 1.0)
    if not any("{" in t for t in templates):
        pool: list[str] = []
        started = False

        def draw_fixed(rng: random.Random) -> Turns | None:
            nonlocal started
            if not started:
                pool.extend(templates)
                rng.shuffle(pool)
                started = True
            return (pool.pop(), ()) if pool else None

        return _Family(name, weight, draw_fixed)

    def draw(rng: random.Random) -> Turns:
        text = _fill(rng.choice(templates), rng, slots)
        if openers and rng.random() < 0.15:
            text = _with_opener(text, rng)
        return text, ()

    return _Family(name, weight, draw)


def _chat_asks(
    chats: dict[str, dict[str, list[str]]], slots: dict[str, list[str]], tables: dict, weight: float
) -> _Family:
    specs = list(chats.values())
    spec_weights = [_weight(spec) for spec in specs]

    def draw(rng: random.Random) -> Turns:
        spec = rng.choices(specs, weights=spec_weights)[0]
        row = rng.choice(_rows(spec, tables))
        return _fill(rng.choice(spec["ask"]), rng, slots, row), ()

    return _Family("chat_asks", weight, draw)


def _chat_family(
    name: str, spec: dict[str, list[str]], slots: dict[str, list[str]], tables: dict
) -> _Family:
    rows = _rows(spec, tables)

    def say(part: str, row: Mapping[str, str], rng: random.Random) -> str:
        return _fill(rng.choice(spec[part]), rng, slots, row)

    def draw(rng: random.Random) -> Turns:
        first, second, third = rng.sample(rows, 3)
        history = [Message("user", say("ask", first, rng))]
        history.append(Message("assistant", say("answer", first, rng)))
        if rng.random() < 0.35:  # two exchanges: ask, answer, ask about another row, answer
            history.append(Message("user", say("again", second, rng)))
            history.append(Message("assistant", say("answer", second, rng)))
            pick = rng.random()
            if pick < 0.2:
                text = say("again", third, rng)
            elif pick < 0.6 and "then2" in spec:
                both = {**second, **{f"prev_{key}": value for key, value in first.items()}}
                text = say("then2", both, rng)
            else:
                text = say("then", second, rng)
        else:
            text = say("again", second, rng) if rng.random() < 0.25 else say("then", first, rng)
        return text, tuple(history)

    return _Family(name, _weight(spec), draw)


def _long_family(name: str, parts: dict[str, list[str]], slots: dict[str, list[str]]) -> _Family:
    def draw(rng: random.Random) -> Turns:
        # Filled as one text, so that a slot used twice (a city, say) names the same thing.
        sentences = [rng.choice(parts[part]) for part in ("open", "middle", "ask")]
        return _fill(" ".join(sentences), rng, slots), ()

    return _Family(name, 1.0, draw)


def _weight(spec: dict[str, list[str]]) -> float:
    return float(spec.get("weight", ["1"])[0])


def _rows(spec: dict[str, list[str]], tables: dict) -> list[dict[str, str]]:
    needs = spec.get("needs", [])
    return [row for row in tables[spec["rows"][0]] if all(row[f] != "-" for f in needs)]


_SLOT = re.compile(r"\{(\w+)\}")


def _fill(
    template: str,
    rng: random.Random,
    slots: dict[str, list[str]],
    row: Mapping[str, str] | None = None,
) -> str:
    """Fill `{slot}` from the row or a word list; `{Slot}` capitalises, `{slot2}` differs."""
    row = row or {}
    chosen: dict[str, str] = {}
    used: dict[str, set[str]] = {key: {value} for key, value in row.items()}

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        key = name[0].lower() + name[1:]
        if key not in chosen:
            if key in row:
                chosen[key] = row[key]
            else:
                base = key.rstrip("0123456789")
                taken = used.setdefault(base, set())
                chosen[key] = rng.choice([w for w in slots[base] if w not in taken])
                taken.add(chosen[key])
        text = chosen[key]
        return text[0].upper() + text[1:] if name[0].isupper() else text

    return _SLOT.sub(value, template)


# First words that are lower-cased after an opener ("Hey, what is ..."); names stay as they are.
_LOWER_AFTER_OPENER = set(
    prompt_words.items("what, what's, how, why, where, who, which, when, is, are, do, does, can")
)


def _with_opener(text: str, rng: random.Random) -> str:
    first, _, rest = text.partition(" ")
    if first.lower() not in _LOWER_AFTER_OPENER:
        return text
    return f"{rng.choice(prompt_templates.QUESTION_OPENERS)} {first.lower()} {rest}"


def _slots() -> dict[str, list[str]]:
    """The word lists of prompt_words, and those drawn from the fact tables."""
    facts = prompt_facts
    return {
        **prompt_words.SLOTS,
        "country": [r["country"] for r in facts.COUNTRIES],
        "animals": [r["animals"] for r in facts.ANIMALS],
        "an_animal": [r["an_animal"] for r in facts.ANIMALS],
        "planet": [r["planet"] for r in facts.PLANETS],
        "month": [r["month"] for r in facts.MONTHS],
        "weekday": [r["day"] for r in facts.WEEKDAYS],
        "word": [r["word"] for r in facts.WORDS],
        "landmark": [r["landmark"] for r in facts.LANDMARKS],
        "a_job": [r["a_job"] for r in facts.JOBS],
        "jobs": [r["jobs"] for r in facts.JOBS],
    }


_ONES = prompt_words.items(
    """
    zero, one, two, three, four, five, six, seven, eight, nine, ten, eleven, twelve, thirteen,
    fourteen, fifteen, sixteen, seventeen, eighteen, nineteen
    """
)
_TENS = prompt_words.items("-, -, twenty, thirty, forty, fifty, sixty, seventy, eighty, ninety")


def number_words(n: int) -> str:
    """0 to 999 as spoken American English: 'one hundred forty-two'."""
    if n >= 100:
        hundreds, rest = divmod(n, 100)
        return f"{_ONES[hundreds]} hundred" + (f" {number_words(rest)}" if rest else "")
    if n >= 20:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    return _ONES[n]


def _arithmetic_rows() -> list[dict[str, str]]:
    """Sums, differences and products small enough to do in one's head, with right answers."""
    w = number_words
    rows = []
    for a in range(2, 13):
        for b in range(2, 13):
            rows.append({"expr": f"{w(a)} times {w(b)}", "result": w(a * b)})
            rows.append({"expr": f"{w(a)} plus {w(b)}", "result": w(a + b)})
    for a in range(10, 100, 10):
        for b in range(3, a, 7):
            rows.append({"expr": f"{w(a)} minus {w(b)}", "result": w(a - b)})
            rows.append({"expr": f"{w(a)} plus {w(b + 10)}", "result": w(a + b + 10)})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m voice_agent.distill.prompts",
        description="Regenerate the bundled prompt set of voice-agent distill (JSONL).",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=bundled_prompts_path(),
        help="file to write (default: the bundled voice_agent/distill/data/prompts.jsonl)",
    )
    parser.add_argument(
        "--count", type=int, default=DEFAULT_COUNT, help="how many prompts (default: %(default)s)"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        prompts = generate_prompts(args.count, args.seed)
    except ValueError as exc:
        parser.error(str(exc))
    write_prompts(args.out, prompts)
    counts = Counter(p.kind for p in prompts)
    for kind in KIND_SHARES:
        print(f"{kind:<11} {counts[kind]:>6}")
    size = args.out.stat().st_size
    print(f"{'total':<11} {len(prompts):>6}  written to {args.out} ({size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
