"""`voice-agent train-direct`: the small parts of the direct model, stage by stage.

- hear: the speech adapter, through the frozen LLM (loss: the said words' tokens);
- speak: the speech head over the LLM's hidden states of the teacher's replies (loss: each
  frame's voice token, and each token's frames).
The run directory gets `adapter.pt`, `speech_head.pt` and `config.json` (what
`DirectModel.load` reads), `log.jsonl`, `curves.png`, `results.json` and the feature cache.
"""

from __future__ import annotations

import json
import os
import platform
import random
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from voice_agent.direct.adapter import AdapterConfig, SpeechAdapter
from voice_agent.direct.chat import ChatTokens
from voice_agent.direct.config import TrainConfig
from voice_agent.direct.features import (
    ReplyStates,
    cached,
    hear_example,
    shard_rows,
    speak_example,
)
from voice_agent.direct.hear import Hearing
from voice_agent.direct.hearing import ENCODER_RATE
from voice_agent.direct.loop import LoopConfig, plot_curves, train
from voice_agent.direct.smollm import SmolLM, load_smollm
from voice_agent.direct.speak import SpeechHead, SpeechHeadConfig
from voice_agent.evaluation import word_error_rate


def teacher(data: Path) -> dict[str, Any]:
    """The settings the dataset's teacher answered with (its manifest)."""
    return dict(json.loads((data / "distill.json").read_text())["teacher"])


def teacher_instructions(data: Path) -> str:
    return str(teacher(data)["instructions"])


def split(examples: list[dict]) -> tuple[list[dict], list[dict]]:
    return [e for e in examples if not e["held_out"]], [e for e in examples if e["held_out"]]


def loop_config(config: TrainConfig, stage: str) -> LoopConfig:
    steps, batch, lr = {
        "hear": (config.hear_steps, config.hear_batch, config.hear_lr),
        "speak": (config.speak_steps, config.speak_batch, config.speak_lr),
    }[stage]
    return LoopConfig(
        steps=steps,
        batch=batch,
        lr=lr,
        save_every=config.save_every,
        evaluate_every=config.evaluate_every,
        seed=config.seed,
        progress=config.progress,
    )


def train_hear(config: TrainConfig, lm: SmolLM, chat: ChatTokens) -> dict[str, Any]:
    from voice_agent.direct.hearing import SpeechEncoder

    encoder = SpeechEncoder()
    examples, _ = cached(
        config.data,
        config.out / "cache",
        "hear",
        lambda row: hear_example(row, encoder, chat),
        config.progress,
    )
    if config.extra_speech:
        from voice_agent.direct.extra import SpeechMaker, extra_examples

        maker = SpeechMaker(encoder, chat)
        examples += extra_examples(
            config.out / "cache", "speech", config.extra_speech, maker, config.progress
        )
    train_set, held_out = split(examples)
    adapter = SpeechAdapter(AdapterConfig())
    hearing = Hearing(lm, adapter, chat)
    probe = held_out[: config.evaluate_items]

    def step(batch: list[dict]) -> dict[str, torch.Tensor]:
        return {"loss": hearing.loss([e["frames"] for e in batch], [e["target"] for e in batch])}

    def evaluate() -> dict[str, float]:
        if not probe:
            return {}
        errors = [
            word_error_rate(e["prompt"], chat.text(hearing.transcribe(e["frames"]))) for e in probe
        ]
        return {"wer": round(sum(errors) / max(1, len(errors)), 4)}

    last = train(
        "hear", adapter, train_set, step, evaluate, loop_config(config, "hear"), config.out
    )
    torch.save(small(adapter), config.out / "adapter.pt")
    seconds = sum(len(e["frames"]) for e in train_set) / ENCODER_RATE
    return {
        "train_items": len(train_set),
        "held_out_items": len(held_out),
        "hours": round(seconds / 3600, 2),
        "steps": config.hear_steps,
        **last,
    }


CROP_TOKENS = 40  # long replies are trained on in windows (the head sees only a few tokens)


def crop(example: dict, tokens: int = CROP_TOKENS) -> dict:
    """A random window of `tokens` reply tokens and their frames (torch's generator, which
    the loop seeds per step)."""
    count = len(example["ids"])
    if count <= tokens:
        return example
    start = int(torch.randint(0, count - tokens + 1, ()))
    frames = example["token_frames"]
    first = int(frames[:start].sum())
    last = first + int(frames[start : start + tokens].sum())
    return {
        **example,
        "ids": example["ids"][start : start + tokens],
        "hidden": example["hidden"][start : start + tokens],
        "token_frames": frames[start : start + tokens],
        "codes": example["codes"][first:last],
    }


def speak_loss(
    head: SpeechHead, lm: SmolLM, batch: list[dict]
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(code cross-entropy, duration loss, code accuracy) with the teacher's durations."""
    hidden = torch.nn.utils.rnn.pad_sequence([e["hidden"].float() for e in batch], batch_first=True)
    embeds = torch.nn.utils.rnn.pad_sequence(
        [lm.embed_ids(e["ids"]) for e in batch], batch_first=True
    )
    counts = torch.nn.utils.rnn.pad_sequence([e["token_frames"] for e in batch], batch_first=True)
    mask = torch.nn.utils.rnn.pad_sequence(
        [torch.ones(len(e["ids"]), dtype=torch.bool) for e in batch], batch_first=True
    )
    tokens = head.tokens(hidden, embeds)
    duration = F.mse_loss(head.log_frames(tokens)[mask], torch.log1p(counts[mask].float()))
    logits = head.frames(tokens, counts)
    codes = torch.nn.utils.rnn.pad_sequence(
        [e["codes"] for e in batch], batch_first=True, padding_value=-100
    )
    codes = codes[:, : logits.shape[1]]
    code_loss = F.cross_entropy(logits.transpose(1, 2), codes, ignore_index=-100)
    known = codes != -100
    accuracy = (logits.argmax(-1) == codes)[known].float().mean()
    return code_loss, duration, accuracy


def train_speak(config: TrainConfig, lm: SmolLM, chat: ChatTokens) -> dict[str, Any]:
    from voice_agent.voice_tokens.codebook import VoiceTokenizer, default_tokenizer_path
    from voice_agent.voice_tokens.halves import PiperHalves

    halves = PiperHalves(threads=config.threads)
    tokenizer = VoiceTokenizer.load(default_tokenizer_path())
    states = ReplyStates(lm, chat, config.instructions or teacher_instructions(config.data))
    examples, unaligned = cached(
        config.data,
        config.out / "cache",
        "speak",
        lambda row: speak_example(row, states, halves, tokenizer),
        config.progress,
    )
    if config.extra_replies:
        from voice_agent.direct.extra import ReplyMaker, extra_examples

        replies = ReplyMaker(
            teacher(config.data), lambda row: speak_example(row, states, halves, tokenizer)
        )
        examples += extra_examples(
            config.out / "cache", "replies", config.extra_replies, replies, config.progress
        )
    if config.extra_texts:
        from voice_agent.direct.extra import TextMaker, extra_examples

        texts = TextMaker(lambda row: speak_example(row, states, halves, tokenizer))
        examples += extra_examples(
            config.out / "cache", "texts", config.extra_texts, texts, config.progress
        )
    train_set, held_out = split(examples)
    head = SpeechHead(SpeechHeadConfig(codes=tokenizer.spec.sizes[0]))
    probe = held_out[: config.evaluate_items * 2]

    def step(batch: list[dict]) -> dict[str, torch.Tensor]:
        code_loss, duration, accuracy = speak_loss(head, lm, [crop(e) for e in batch])
        return {
            "loss": code_loss + duration,
            "code_loss": code_loss,
            "duration_loss": duration,
            "accuracy": accuracy,
        }

    def evaluate() -> dict[str, float]:
        if not probe:
            return {}
        with torch.no_grad():
            code_loss, duration, accuracy = speak_loss(head, lm, probe)
        return {
            "code_loss": round(float(code_loss), 4),
            "duration_loss": round(float(duration), 4),
            "accuracy": round(float(accuracy), 4),
        }

    last = train("speak", head, train_set, step, evaluate, loop_config(config, "speak"), config.out)
    torch.save(small(head), config.out / "speech_head.pt")
    return {
        "steps": config.speak_steps,
        "train_items": len(train_set),
        "held_out_items": len(held_out),
        "unaligned_items": unaligned,
        "tokenizer": tokenizer.id,
        **last,
    }


def small(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """The weights in bf16: a shipped model must stay small (`DirectModel` runs them in fp32)."""
    return {k: v.to(torch.bfloat16) for k, v in model.state_dict().items()}


def run_training(config: TrainConfig) -> dict[str, Any]:
    torch.manual_seed(config.seed)
    random.seed(config.seed)
    torch.set_num_threads(config.threads)
    config.out.mkdir(parents=True, exist_ok=True)
    lm = load_smollm()
    chat = ChatTokens()
    results_path = config.out / "results.json"
    results: dict[str, Any] = {}
    run_facts = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {config.threads} threads",
        "command": "voice-agent train-direct " + " ".join(sys.argv[2:]),
        "distill_items": sum(len(rows) for _, rows in shard_rows(config.data)),
    }
    for stage in config.stages:
        started = time.monotonic()
        figures = (train_hear if stage == "hear" else train_speak)(config, lm, chat)
        figures["seconds"] = round(time.monotonic() - started, 1)
        # Read again: the stages may run as separate processes on the same run directory.
        results = json.loads(results_path.read_text()) if results_path.exists() else {}
        results.update(run_facts)
        results[stage] = figures
        results_path.write_text(json.dumps(results, indent=2))
    model_config = {
        "adapter": asdict(AdapterConfig()),
        "speech_head": asdict(SpeechHeadConfig()),
        "instructions": config.instructions or teacher_instructions(config.data),
        "tokenizer": results.get("speak", {}).get("tokenizer"),
    }
    (config.out / "config.json").write_text(json.dumps(model_config, indent=2))
    plot_curves(config.out)
    return results
