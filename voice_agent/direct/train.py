"""`voice-agent train-direct`: the small parts of the direct model, stage by stage.

- hear: the speech adapter, through the frozen LLM (loss: the said words' tokens);
- speak: the speech head over the phoneme positions of the teacher's replies and the LLM's
  hidden states (loss: each position's voice token, and its frames).
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
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from voice_agent.direct.adapter import AdapterConfig, SpeechAdapter
from voice_agent.direct.chat import ChatTokens
from voice_agent.direct.config import TrainConfig
from voice_agent.direct.features import (
    SPEAK_FEATURES,
    ReplyStates,
    SpokenVoice,
    cached,
    hear_example,
    is_held_out,
    shard_rows,
    speak_example,
)
from voice_agent.direct.hear import Hearing, ctc_form
from voice_agent.direct.hearing import ENCODER_RATE
from voice_agent.direct.loop import LoopConfig, plot_curves, train
from voice_agent.direct.placement import Placement, on, place
from voice_agent.direct.smollm import SmolLM, load_smollm
from voice_agent.direct.speak import SpeechHead, SpeechHeadConfig, word_inputs
from voice_agent.evaluation import word_error_rate
from voice_agent.weights import load_float, save_small


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


def extra_hearing_examples(config: TrainConfig, encoder: Any, chat: ChatTokens) -> list[dict]:
    """The `--extra-speech`, `--varied-speech` and `--short-speech` examples, made (or read
    from the cache) with one speech maker."""
    from voice_agent.direct.extra import (
        SHORT_FIRST_PLAN,
        VARIED_FIRST_PLAN,
        ShortSpeechMaker,
        SpeechMaker,
        VariedSpeechMaker,
        extra_examples,
        prompt_words,
        vocabulary,
    )

    if not (config.extra_speech or config.varied_speech or config.short_speech):
        return []
    speech = SpeechMaker(encoder, chat)  # loads the Piper voice: once, for all three
    cache, progress = config.out / "cache", config.progress
    examples: list[dict] = []
    if config.extra_speech:
        examples += extra_examples(cache, "speech", config.extra_speech, speech, progress)
    if config.varied_speech:
        varied = VariedSpeechMaker(speech, vocabulary(chat))
        count = config.varied_speech
        examples += extra_examples(cache, "varied", count, varied, progress, VARIED_FIRST_PLAN)
    if config.short_speech:
        short = ShortSpeechMaker(speech, sorted(prompt_words()))
        count = config.short_speech
        examples += extra_examples(cache, "short", count, short, progress, SHORT_FIRST_PLAN)
    return examples


def train_hear(
    config: TrainConfig, lm: SmolLM, chat: ChatTokens, placement: Placement
) -> dict[str, Any]:
    from voice_agent.direct.hearing import SpeechEncoder

    encoder = SpeechEncoder()
    with placement.leader_first():
        examples, _ = cached(
            config.data,
            config.out / "cache",
            "hear",
            lambda row: hear_example(row, encoder, chat),
            config.progress,
        )
        examples += extra_hearing_examples(config, encoder, chat)
    for example in examples:
        example["ctc_target"] = torch.tensor(chat.ids(ctc_form(example["prompt"])))
    train_set, held_out = split(examples)
    adapter = SpeechAdapter(AdapterConfig())
    if config.hear_init is not None:  # fine-tune a trained adapter (a checkpoint still wins)
        adapter.load_state_dict(load_float(config.hear_init))
    adapter.to(placement.device)
    hearing = Hearing(lm, adapter, chat)
    # Held-out prompts first: a held-out voice saying a trained prompt can be recalled.
    probe = sorted(held_out, key=lambda e: not is_held_out(e["prompt"]))[: config.evaluate_items]

    def step(batch: list[dict]) -> dict[str, torch.Tensor]:
        batch = [on(placement.device, e) for e in batch]
        frames, targets = [e["frames"] for e in batch], [e["target"] for e in batch]
        ctc_targets = [e["ctc_target"] for e in batch]
        answer = config.hear_loss == "both"
        return {"loss": hearing.loss(frames, targets, ctc_targets, answer=answer)}

    def evaluate() -> dict[str, float]:
        if not probe:
            return {}

        def wer(read: Callable[[torch.Tensor], list[int]]) -> float:
            errors = [word_error_rate(e["prompt"], chat.text(read(e["frames"]))) for e in probe]
            return round(sum(errors) / len(errors), 4)

        return {"wer": wer(hearing.transcribe), "ctc_wer": wer(hearing.read_ctc)}

    loop = loop_config(config, "hear")
    last = train("hear", adapter, train_set, step, evaluate, loop, config.out, placement)
    if placement.leads:
        save_small(adapter, config.out / "adapter.pt")
    seconds = sum(len(e["frames"]) for e in train_set) / ENCODER_RATE
    return {
        "train_items": len(train_set),
        "held_out_items": len(held_out),
        "hours": round(seconds / 3600, 2),
        "steps": config.hear_steps,
        **last,
    }


CROP_POSITIONS = 256  # long replies are trained on in windows (the head sees a few words)


def crop(example: dict, positions: int = CROP_POSITIONS) -> dict:
    """A random window of `positions` phoneme positions (torch's generator, which the loop
    seeds per step)."""
    count = len(example["phonemes"])
    if count <= positions:
        return example
    start = int(torch.randint(0, count - positions + 1, ()))
    window = slice(start, start + positions)
    return {
        **example,
        **{key: example[key][window] for key in ("phonemes", "owner", "durations", "codes")},
    }


def speak_loss(
    head: SpeechHead, lm: SmolLM, batch: list[dict]
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(voice-token cross-entropy, duration loss, voice-token accuracy per frame)."""
    rows = []
    for example in batch:
        hidden = example["hidden"].float()
        spans = [tuple(span) for span in example["spans"].tolist()]
        last, mean = word_inputs(hidden, lm.embed_ids(example["ids"]), spans)
        rows.append(head.words(last, mean)[example["owner"]])
    vectors = torch.nn.utils.rnn.pad_sequence(rows, batch_first=True)
    phonemes = torch.nn.utils.rnn.pad_sequence([e["phonemes"] for e in batch], batch_first=True)
    durations = torch.nn.utils.rnn.pad_sequence(
        [e["durations"] for e in batch], batch_first=True, padding_value=-1
    )
    codes = torch.nn.utils.rnn.pad_sequence(
        [e["codes"] for e in batch], batch_first=True, padding_value=-100
    )
    logits, log_frames = head(phonemes, vectors)
    known = durations >= 0
    duration = F.mse_loss(log_frames[known], torch.log1p(durations[known].float()))
    code_loss = F.cross_entropy(logits.transpose(1, 2), codes, ignore_index=-100)
    sounding = codes != -100
    right = (logits.argmax(-1) == codes)[sounding].float()
    weights = durations[sounding].float()  # a frame-weighted accuracy: what is heard
    return code_loss, duration, (right * weights).sum() / weights.sum().clamp(min=1)


def speak_examples(config: TrainConfig, make: Callable[[dict], dict]) -> tuple[list[dict], int]:
    """The speak stage's examples (made, or read from the cache), and how many replies could
    not be aligned with the voice."""
    examples, unaligned = cached(
        config.data, config.out / "cache", SPEAK_FEATURES, make, config.progress
    )
    if config.extra_replies:
        from voice_agent.direct.extra import ReplyMaker, extra_examples

        replies = ReplyMaker(teacher(config.data), make)
        examples += extra_examples(
            config.out / "cache",
            "replies-positions",
            config.extra_replies,
            replies,
            config.progress,
        )
    if config.extra_texts:
        from voice_agent.direct.extra import TextMaker, extra_examples

        examples += extra_examples(
            config.out / "cache",
            "texts-positions",
            config.extra_texts,
            TextMaker(make),
            config.progress,
        )
    return examples, unaligned


def train_speak(
    config: TrainConfig, lm: SmolLM, chat: ChatTokens, placement: Placement
) -> dict[str, Any]:
    voice = SpokenVoice(threads=config.threads)
    states = ReplyStates(lm, chat, config.instructions or teacher_instructions(config.data))

    def make(row: dict) -> dict:
        return speak_example(row, states, voice)

    with placement.leader_first():
        examples, unaligned = speak_examples(config, make)
    train_set, held_out = split(examples)
    head_config = SpeechHeadConfig(
        symbols=voice.pronouncer.symbols, codes=voice.tokenizer.spec.sizes[0]
    )
    head = SpeechHead(head_config).to(placement.device)
    probe = [on(placement.device, e) for e in held_out[: config.evaluate_items * 2]]

    def step(batch: list[dict]) -> dict[str, torch.Tensor]:
        batch = [on(placement.device, crop(e)) for e in batch]
        code_loss, duration, accuracy = speak_loss(head, lm, batch)
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

    loop = loop_config(config, "speak")
    last = train("speak", head, train_set, step, evaluate, loop, config.out, placement)
    if placement.leads:
        save_small(head, config.out / "speech_head.pt")
    return {
        "steps": config.speak_steps,
        "train_items": len(train_set),
        "held_out_items": len(held_out),
        "unaligned_items": unaligned,
        "tokenizer": voice.tokenizer.id,
        "speech_head": asdict(head_config),
        **last,
    }


def run_training(config: TrainConfig) -> dict[str, Any]:
    """Run the stages; under `torchrun`, the leader's return holds the figures (the others
    return nothing)."""
    placement = place(config.device)
    config = replace(config, progress=config.progress and placement.leads)
    torch.manual_seed(config.seed)
    random.seed(config.seed)
    torch.set_num_threads(config.threads)
    config.out.mkdir(parents=True, exist_ok=True)
    lm = load_smollm().to(placement.device)
    chat = ChatTokens()
    results_path = config.out / "results.json"
    results: dict[str, Any] = {}
    machine = f"{platform.machine()}, {os.cpu_count()} cores, {config.threads} threads"
    if placement.device.type == "cuda":
        machine += f", {torch.cuda.get_device_name(placement.device)}"
    run_facts = {
        "machine": machine + (f", {placement.world} processes" if placement.world > 1 else ""),
        "command": "voice-agent train-direct " + " ".join(sys.argv[2:]),
        "distill_items": sum(len(rows) for _, rows in shard_rows(config.data)),
    }
    for stage in config.stages:
        started = time.monotonic()
        train_stage = train_hear if stage == "hear" else train_speak
        figures = train_stage(config, lm, chat, placement)
        if not placement.leads:
            continue
        figures["seconds"] = round(time.monotonic() - started, 1)
        figures["command"] = run_facts["command"]  # stages may come from different runs
        # Read again: the stages may run as separate processes on the same run directory.
        results = json.loads(results_path.read_text()) if results_path.exists() else {}
        results.update(run_facts)
        results[stage] = figures
        results_path.write_text(json.dumps(results, indent=2))
    if placement.leads:
        model_config = {
            "adapter": asdict(AdapterConfig()),
            "speech_head": results.get("speak", {}).get("speech_head", asdict(SpeechHeadConfig())),
            "instructions": config.instructions or teacher_instructions(config.data),
            "tokenizer": results.get("speak", {}).get("tokenizer"),
        }
        (config.out / "config.json").write_text(json.dumps(model_config, indent=2))
        plot_curves(config.out)
    placement.done()
    return results
