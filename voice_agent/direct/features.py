"""What the frozen models compute once per distillation item, cached per shard.

`RUN/cache/<stage>-<shard>.pt` holds a list of examples; a rerun (or a resumed training)
reads them instead of running Whisper's encoder, SmolLM2 and Piper again.
- hear: the encoder frames of speech1 and the token ids of its prompt (what was said);
- speak: the reply's token ids, SmolLM2's hidden states over them (in the chat the
  teacher answered in), and the voice's phoneme positions of its words with each one's
  frames and voice token (`pronounce`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from voice_agent.direct.chat import ChatTokens, Message
from voice_agent.direct.pronounce import (
    Pronouncer,
    SpokenPositions,
    Unaligned,
    split_words,
    spoken_positions,
    word_spans,
)
from voice_agent.direct.smollm import KV, SmolLM

Example = dict[str, Any]


# User voices never trained on: eval-direct speaks its held-out prompts in these.
HELD_OUT_VARIANTS = ("f5", "m7")


def is_held_out(prompt: str) -> bool:
    """One prompt in 20, by the hash of its text: never trained on (eval-direct's set)."""
    return int(hashlib.sha256(prompt.encode()).hexdigest(), 16) % 20 == 0


def is_held_out_voice(voice: dict) -> bool:
    return voice.get("engine") == "espeak" and any(
        voice.get("espeak_voice", "").endswith(f"+{variant}") for variant in HELD_OUT_VARIANTS
    )


def shard_rows(data: Path) -> Iterator[tuple[str, list[dict]]]:
    import pyarrow.parquet as pq

    from voice_agent.distill.shards import shard_files

    for path in shard_files(data):
        yield path.stem, pq.read_table(path).to_pylist()


def hear_example(row: dict, encoder: Any, chat: ChatTokens) -> Example:
    from voice_agent.audio.oggopus import decode_ogg_opus

    audio, _ = decode_ogg_opus(row["speech1"]["bytes"], 16_000)
    return {
        "id": row["id"],
        "prompt": row["prompt"],
        "held_out": is_held_out(row["prompt"]) or is_held_out_voice(row["voice"]),
        "frames": torch.from_numpy(encoder.encode(audio)),
        "target": torch.tensor([*chat.ids(row["prompt"]), chat.end]),
    }


class ReplyStates:
    """SmolLM2's hidden states over a reply, in the chat it answers; the system prompt's
    keys and values are computed once."""

    def __init__(self, lm: SmolLM, chat: ChatTokens, instructions: str) -> None:
        self.lm, self.chat = lm, chat
        system = chat.system(instructions)
        with torch.no_grad():
            self.prefix: list[KV] = lm(lm.embed_ids(torch.tensor([system]))).cache

    def context(self, history: list[Message], user: str) -> list[int]:
        """The chat after the system prompt, up to the assistant's reply."""
        return self.chat.conversation([*history, Message("user", user)])

    @torch.no_grad()
    def __call__(self, context: list[int], reply: list[int]) -> torch.Tensor:
        ids = torch.tensor([context + reply])
        hidden = self.lm(self.lm.embed_ids(ids), cache=self.prefix).hidden
        return hidden[0, len(context) :].to("cpu", torch.float16)  # cached in host memory


SPEAK_FEATURES = "speak-positions"  # the speak stage's cache names (older caches differ)


def speak_example(row: dict, states: ReplyStates, voice: Any) -> Example:
    chat = states.chat
    text = " ".join(row["text2"].split())
    reply = chat.ids(text)
    history = [Message(m["role"], m["text"]) for m in row["history"]]
    example = {
        "id": row["id"],
        "prompt": row["prompt"],
        "held_out": is_held_out(row["prompt"]),
        "text": text,
        "ids": torch.tensor(reply),
        "hidden": states(states.context(history, row["text1"]), reply),
    }
    return {**example, **speak_targets(example, chat, voice)}


def speak_targets(example: Example, chat: ChatTokens, voice: Any) -> Example:
    """What the voice makes of the reply (`SpokenVoice`): each word's tokens, the phoneme
    positions and each one's word, frames and voice token."""
    spans = word_spans([chat.piece(int(t)) for t in example["ids"]])
    words = split_words(example["text"])
    if len(spans) != len(words):
        raise Unaligned(f"{len(spans)} words in the tokens, {len(words)} in the text")
    spoken = voice(words)
    return {
        "spans": torch.tensor(spans, dtype=torch.long).reshape(-1, 2),
        "phonemes": torch.from_numpy(spoken.pronounced.phonemes),
        "owner": torch.from_numpy(spoken.pronounced.owner),
        "durations": torch.from_numpy(spoken.durations.astype(np.int64)),
        "codes": torch.from_numpy(spoken.codes),
    }


class SpokenVoice:
    """The voice's phoneme positions of a reply's words, with their frames and tokens."""

    def __init__(self, threads: int = 1) -> None:
        from voice_agent.voice_tokens.codebook import VoiceTokenizer, default_tokenizer_path
        from voice_agent.voice_tokens.halves import PiperHalves

        self.halves = PiperHalves(threads=threads)
        self.tokenizer = VoiceTokenizer.load(default_tokenizer_path())
        self.pronouncer = Pronouncer(self.halves.voice)

    def __call__(self, words: list[str]) -> SpokenPositions:
        return spoken_positions(self.halves, self.tokenizer, self.pronouncer, words)


def cached(
    data: Path,
    cache: Path,
    stage: str,
    make: Callable[[dict], Example],
    progress: bool = True,
) -> tuple[list[Example], int]:
    """Every example of `stage` over the dataset's shards (made once, then read), and how
    many rows could not be made (e.g. replies the voice cannot be aligned with)."""
    cache.mkdir(parents=True, exist_ok=True)
    examples: list[Example] = []
    skipped = 0
    shards = list(shard_rows(data))
    for name, rows in tqdm(shards, desc=f"{stage} features", unit="shard", disable=not progress):
        path = cache / f"{stage}-{name}.pt"
        if path.exists():
            saved = torch.load(path, weights_only=False)
        else:
            made, failed = [], 0
            for row in rows:
                try:
                    made.append(make(row))
                except Unaligned:
                    failed += 1
            saved = {"examples": made, "skipped": failed}
            torch.save(saved, path.with_suffix(".tmp"))
            path.with_suffix(".tmp").rename(path)
        examples += saved["examples"]
        skipped += saved["skipped"]
    return examples, skipped
