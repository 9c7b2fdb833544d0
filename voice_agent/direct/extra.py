"""More examples than the distillation items, for the two stages that need only half of one.

A distillation item costs seconds (ASR, LLM, TTS, the reply's audio). Hearing needs only
speech1 and what was said; speaking needs only the teacher's reply text (its audio targets
come from the voice itself). So:
- extra speech: more prompts of the bundled set spoken exactly as `distill` speaks them
  (its planner, user voices and augmentation; another seed, so other draws), ~0.2 s each;
- varied speech: the same, with a share of each prompt's words swapped for random English
  words, so that hearing cannot be done by recalling the nearest training prompt;
- short speech: the same voices saying one to four words ("Maybe.", "Okay, pizza?"), which
  the bundled prompts hardly hold (68 of 5000 have two words or fewer);
- extra replies: the teacher's replies to more prompts as text (the cascade's LLM with the
  dataset's instructions and settings, calculator included, cut at 60 tokens), ~1-6 s each;
- extra texts: the prompts' own words as the assistant's (asked to say them), ~0.4 s each.
Held-out prompts and voices are never drawn. Chunks of `CHUNK` are cached like the rest.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from voice_agent.direct.features import Example, is_held_out, is_held_out_voice
from voice_agent.direct.pronounce import Unaligned

CHUNK = 100  # examples per cache file
# Extra replies stop here: the speech head trains on 40-token windows anyway, and a long
# reply costs the LLM seconds.
EXTRA_REPLY_TOKENS = 60
EXTRA_SEED = 7_919  # the distill planner's seed for extra items: never the dataset's


def extra_plans(start: int) -> Iterator[Any]:
    """Planned items from `start` on whose prompt and voice may be trained on."""
    from dataclasses import asdict

    from voice_agent.distill.plan import Planner
    from voice_agent.distill.prompt_file import bundled_prompts_path, load_prompts

    planner = Planner(load_prompts(bundled_prompts_path()), EXTRA_SEED)
    index = start
    while True:
        plan = planner.plan(index)
        index += 1
        if not is_held_out(plan.prompt.text) and not is_held_out_voice(asdict(plan.voice)):
            yield plan


def extra_examples(
    cache: Path,
    name: str,
    count: int,
    make: Callable[[Any], Example],
    progress: bool,
    first_plan: int = 0,
) -> list[Example]:
    examples: list[Example] = []
    chunks = -(-count // CHUNK)
    for chunk in tqdm(range(chunks), desc=f"extra {name}", unit="chunk", disable=not progress):
        path = cache / f"extra-{name}-{chunk:04d}.pt"
        if not path.exists():
            # Two draws per slot: some are held out.
            plans = extra_plans(first_plan + chunk * CHUNK * 2)
            made: list[Example] = []
            while len(made) < CHUNK:
                try:
                    made.append(make(next(plans)))
                except Unaligned:
                    continue
            torch.save(made, path.with_suffix(".tmp"))
            path.with_suffix(".tmp").rename(path)
        examples += torch.load(path, weights_only=False)
    return examples[:count]


class SpeechMaker:
    """speech1 of a plan and its encoder frames, as `distill` would have spoken it."""

    def __init__(self, encoder: Any, chat: Any) -> None:
        from voice_agent.models.tts import PiperTTS, TTSConfig

        self.encoder, self.chat = encoder, chat
        self.piper = PiperTTS(TTSConfig(seeded_noise=True, threads=1))

    def __call__(self, plan: Any) -> Example:
        from voice_agent.distill.item import user_speech

        speech = user_speech(plan, np.random.default_rng(plan.seed), self.piper)
        return {
            "id": f"extra-{plan.index}",
            "prompt": plan.prompt.text,
            "held_out": False,
            "frames": torch.from_numpy(self.encoder.encode(speech)),
            "target": torch.tensor([*self.chat.ids(plan.prompt.text), self.chat.end]),
        }


# Varied speech: the plans after the extra speech's (other voices and draws), and how many of
# a prompt's words are swapped (a share drawn per prompt: some stay nearly natural).
VARIED_FIRST_PLAN = 1_000_000
VARIED_SHARE = (0.2, 0.6)
VOCABULARY_TOKENS = 20_000  # the tokenizer's most frequent merges: words, not fragments
PUNCTUATION = ".,!?;:\"'()"  # stripped from a word to find the word itself


class VariedSpeechMaker:
    """speech1 of a plan whose prompt has some words swapped for random English words.

    Trained on the bundled prompts alone, the adapter learned to recall the nearest training
    prompt ("What was life like during the Inca Empire?" came out as "...the Renaissance?"):
    held-out prompts were heard at a WER near 1. A sentence it cannot have seen makes it
    hear each word."""

    def __init__(self, speech: SpeechMaker, vocabulary: list[str]) -> None:
        self.speech, self.vocabulary = speech, vocabulary

    def __call__(self, plan: Any) -> Example:
        rng = np.random.default_rng([plan.seed, VARIED_FIRST_PLAN])
        return said_instead(
            self.speech, plan, vary(plan.prompt.text, self.vocabulary, rng), "varied"
        )


def said_instead(speech: SpeechMaker, plan: Any, text: str, kind: str) -> Example:
    """speech1 of `plan` with `text` said instead of its prompt, its id marked as `kind`."""
    from dataclasses import replace

    example = speech(replace(plan, prompt=replace(plan.prompt, text=text)))
    return {**example, "id": f"{kind}-{plan.index}"}


# Short speech: plans after the varied speech's, so other voices and draws again.
SHORT_FIRST_PLAN = 2_000_000
SHORT_WORDS = (1, 4)  # words per utterance, both ends included
# Words people say alone or to open a short turn; drawn as often as the whole vocabulary.
CONVERSATIONAL = (
    "yes",
    "no",
    "maybe",
    "okay",
    "sure",
    "thanks",
    "please",
    "right",
    "exactly",
    "hello",
    "hi",
    "hey",
    "bye",
    "goodbye",
    "stop",
    "wait",
    "sorry",
    "great",
    "fine",
    "yeah",
    "nope",
    "perfect",
    "really",
    "never",
    "always",
    "now",
    "later",
    "again",
    "what",
    "why",
    "how",
    "when",
    "where",
    "who",
    "which",
    "well",
    "actually",
    "cool",
    "nice",
    "wow",
    "oh",
    "hmm",
    "true",
    "false",
    "agreed",
    "continue",
)


class ShortSpeechMaker:
    """speech1 of a plan whose prompt is replaced by a short utterance of the prompts' own
    words (`short_utterance`): trained on questions of five to twelve words, the adapter
    heard "Maybe." as "Re?"."""

    def __init__(self, speech: SpeechMaker, words: list[str]) -> None:
        self.speech, self.words = speech, words

    def __call__(self, plan: Any) -> Example:
        rng = np.random.default_rng([plan.seed, SHORT_FIRST_PLAN])
        return said_instead(self.speech, plan, short_utterance(self.words, rng), "short")


def short_utterance(words: list[str], rng: np.random.Generator) -> str:
    """One to four words, each a conversational word or a random one of `words`, capitalised
    and punctuated as a transcript would be ("Okay, pizza?")."""
    count = int(rng.integers(SHORT_WORDS[0], SHORT_WORDS[1] + 1))
    said = [str(rng.choice(CONVERSATIONAL if rng.random() < 0.5 else words)) for _ in range(count)]
    if count > 1 and said[0] in CONVERSATIONAL and rng.random() < 0.5:
        said[0] += ","
    text = " ".join(said)
    return text[0].upper() + text[1:] + str(rng.choice([".", "?", "!"]))


def vary(text: str, vocabulary: list[str], rng: np.random.Generator) -> str:
    """`text` with a random share (at least one) of its words replaced, keeping capitals and
    punctuation."""
    words = text.split(" ")
    cores = [w.strip(PUNCTUATION) for w in words]
    swappable = [i for i, core in enumerate(cores) if core.isalpha()]
    if not swappable:
        return text
    count = max(1, round(rng.uniform(*VARIED_SHARE) * len(swappable)))
    for i in rng.choice(swappable, size=min(count, len(swappable)), replace=False):
        new = vocabulary[int(rng.integers(len(vocabulary)))]
        if cores[i][0].isupper():
            new = new.capitalize()
        words[i] = words[i].replace(cores[i], new, 1)
    return " ".join(words)


def prompt_words() -> set[str]:
    """The words of the trainable bundled prompts (held-out prompts contribute none), cased
    as inside a sentence: "Hanoi", "carrots"."""
    from voice_agent.direct.features import is_held_out
    from voice_agent.distill.prompt_file import bundled_prompts_path, load_prompts

    words = set()
    for prompt in load_prompts(bundled_prompts_path()):
        if is_held_out(prompt.text):
            continue
        for index, word in enumerate(prompt.text.split()):
            core = word.strip(PUNCTUATION)
            if core.isalpha():
                words.add(core if index or core == "I" else core.lower())
    return words


def vocabulary(chat: Any) -> list[str]:
    """English words to swap in: those of the trainable bundled prompts and the LLM
    tokenizer's frequent whole-word tokens (held-out prompts contribute none)."""
    words = {word.lower() for word in prompt_words()}
    for token in range(VOCABULARY_TOKENS):
        piece = chat.piece(token)
        if piece.startswith(b" ") and piece[1:].isalpha() and piece[1:].islower():
            words.add(piece[1:].decode())
    return sorted(w for w in words if len(w) > 1 or w in ("a", "i"))


class TextMaker:
    """A bundled prompt's text as something the assistant says (asked to say it), then a
    speak example of it: more words for the speech head at a tenth of a reply's cost."""

    def __init__(self, make_example: Callable[[dict], Example]) -> None:
        self.make_example = make_example

    def __call__(self, plan: Any) -> Example:
        text = plan.prompt.text
        return self.make_example(
            {
                "id": f"text-{plan.index}",
                "prompt": text,
                "text1": f"Please say this: {text}",
                "text2": text,
                "history": [],
            }
        )


class ReplyMaker:
    """The teacher's reply to a plan's prompt (as text), then a speak example of it."""

    def __init__(self, teacher: dict, make_example: Callable[[dict], Example]) -> None:
        from voice_agent.config import ServerConfig
        from voice_agent.engines.cascade import build_llm

        self.teacher = teacher
        self.llm = build_llm(ServerConfig(llm_threads=1))
        self.make_example = make_example

    def __call__(self, plan: Any) -> Example:
        from voice_agent.engines.base import Message
        from voice_agent.engines.prompting import reply_text

        history = [Message(m.role, m.text) for m in plan.prompt.history]
        history.append(Message("user", plan.prompt.text))

        async def reply() -> str:
            self.llm.reseed(plan.seed)
            deltas = reply_text(
                self.llm,
                self.teacher["instructions"],
                history,
                self.teacher["temperature"],
                EXTRA_REPLY_TOKENS,
                self.teacher.get("calculator", True),
            )
            return "".join([delta async for delta in deltas])

        row = {
            "id": f"extra-{plan.index}",
            "prompt": plan.prompt.text,
            "text1": plan.prompt.text,
            "text2": asyncio.run(reply()).strip() or "Sorry?",
            "history": [{"role": m.role, "text": m.text} for m in plan.prompt.history],
        }
        return self.make_example(row)
