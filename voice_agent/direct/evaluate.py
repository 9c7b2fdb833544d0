"""`voice-agent eval-direct`: the direct model on held-out prompts in held-out voices.

Each prompt (held out of training by its hash) is spoken by a user voice no training item
used (espeak variants f5 and m7), with the silence a served turn holds around it (the VAD's
prefix padding before, its silence wait after); then, per item:
- hearing: WER of the model's text1 against the prompt, next to Whisper's (the cascade's ASR);
- intelligibility: Whisper's WER of the model's reply audio against the reply's own text;
- relevance: all-MiniLM-L6-v2 cosine similarity of the model's reply to the cascade's reply
  to the same audio; the ceiling is two cascade replies sampled with different seeds
  (temperature 0.7), the floor a cascade reply against another prompt's;
- real-time factor: generation time (hearing included) over the reply audio's length, and
  the time from the end of the turn to the first audio chunk, on this machine.
The bundled prompts are nearly all questions of five words or more, so hearing is measured a
second time on conversational requests, the bench's (questions, commands, chit-chat, one-word
answers, rambles, interruptions; none a trainable bundled prompt), in the same voices.
"""

from __future__ import annotations

import asyncio
import json
import platform
import random
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from voice_agent.audio import resample
from voice_agent.direct.chat import Message
from voice_agent.direct.features import is_held_out
from voice_agent.direct.model import DirectModel, Sampling
from voice_agent.evaluation import word_error_rate
from voice_agent.models.voices import Voice, speak
from voice_agent.realtime.protocol import TurnDetection

EVAL_VOICES = (
    Voice("espeak-en-us+f5", "espeak", "en-us+f5", 150, 50),
    Voice("espeak-en-gb+m7", "espeak", "en-gb+m7", 160, 40),
    Voice("espeak-en-gb-x-rp+f5", "espeak", "en-gb-x-rp+f5", 140, 60),
    Voice("espeak-en-us+m7", "espeak", "en-us+m7", 170, 35),
)


def as_served_turn(speech16k: np.ndarray) -> np.ndarray:
    """The speech as the server commits it with default turn detection: with the prefix
    padding before it and the silence that ended the turn after it (here, digital silence)."""
    turn = TurnDetection()
    before = np.zeros(turn.prefix_padding_ms * 16, np.float32)
    after = np.zeros(turn.silence_duration_ms * 16, np.float32)
    return np.concatenate([before, np.asarray(speech16k, np.float32), after])


def spoken_turn(prompt: str, index: int) -> tuple[Voice, np.ndarray]:
    """The `index`th evaluation prompt's voice, and the prompt in it as a served turn (16 kHz)."""
    voice = EVAL_VOICES[index % len(EVAL_VOICES)]
    audio, rate = speak(prompt, voice)
    return voice, as_served_turn(resample(audio, rate, 16_000))


def heard_fields(prompt: str, voice: Voice, text1: str, whisper_text1: str) -> dict[str, Any]:
    """What an item records of hearing: the model's text1 and Whisper's, each with its WER."""
    return {
        "prompt": prompt,
        "voice": voice.name,
        "text1": text1,
        "text1_wer": word_error_rate(prompt, text1),
        "whisper_text1": whisper_text1,
        "whisper_text1_wer": word_error_rate(prompt, whisper_text1),
    }


def held_out_prompts(count: int, seed: int) -> list[str]:
    """Single-turn prompts of the bundled set that training never saw."""
    from voice_agent.distill.prompt_file import bundled_prompts_path, load_prompts

    bundled = load_prompts(bundled_prompts_path())
    prompts = [p.text for p in bundled if not p.history and is_held_out(p.text)]
    random.Random(seed).shuffle(prompts)
    return prompts[:count]


def conversational_prompts(count: int, seed: int) -> list[str]:
    """The bench's requests that are not trainable bundled prompts."""
    from voice_agent.bench.prompts import INTERRUPTIONS, all_prompts
    from voice_agent.distill.prompt_file import bundled_prompts_path, load_prompts

    bundled = load_prompts(bundled_prompts_path())
    trainable = {p.text for p in bundled if not is_held_out(p.text)}
    prompts = [text for _, text in all_prompts()] + list(INTERRUPTIONS)
    prompts = [text for text in prompts if text not in trainable]
    random.Random(seed).shuffle(prompts)
    return prompts[:count]


def hearing_in_conversation(model: DirectModel, asr: Any, prompts: list[str]) -> list[dict]:
    """text1 and Whisper's transcript of each prompt, spoken as a served turn."""
    items = []
    for index, prompt in enumerate(tqdm(prompts, desc="conversational hearing", unit="prompt")):
        voice, speech = spoken_turn(prompt, index)
        items.append(
            heard_fields(prompt, voice, model.hear(speech), asr.transcribe_blocking(speech))
        )
    return items


async def cascade_replies(llm: Any, instructions: str, text: str) -> tuple[str, str, str]:
    """The cascade's reply at the server's default (greedy), and two sampled ones."""
    from voice_agent.engines.prompting import reply_text

    out = []
    for temperature, seed in ((0.0, 0), (0.7, 1), (0.7, 2)):
        llm.reseed(seed)
        parts = [
            delta
            async for delta in reply_text(
                llm, instructions, (Message("user", text),), temperature, None, False
            )
        ]
        out.append("".join(parts).strip())
    return out[0], out[1], out[2]


def run_eval(
    model_path: Path | None,
    out: Path,
    count: int,
    seed: int,
    threads: int,
    hearing: str = "ctc",
    conversation: int = 0,
) -> dict:
    from voice_agent.config import ServerConfig
    from voice_agent.engines.cascade import build_llm
    from voice_agent.models.asr import ASRConfig, WhisperASR
    from voice_agent.models.sentences import SentenceEmbedder

    out.mkdir(parents=True, exist_ok=True)
    model = DirectModel(model_path, threads=threads, hearing=hearing)
    asr = WhisperASR(ASRConfig(threads=threads))
    llm = build_llm(ServerConfig(llm_threads=threads))
    embedder = SentenceEmbedder()
    items = []
    prompts = held_out_prompts(count, seed)
    for index, prompt in enumerate(tqdm(prompts, desc="eval-direct", unit="prompt")):
        voice, speech1 = spoken_turn(prompt, index)
        started = time.monotonic()
        text1 = model.hear(speech1)
        heard_at = time.monotonic()
        history = [Message("user", text1)]
        words, chunks, first_audio = [], [], None
        for piece in model.reply(model.instructions, history, Sampling(seed=seed)):
            if piece.text:  # whole words, joined as the session joins them
                words.append(piece.text)
            if len(piece.audio):
                chunks.append(piece.audio)
                first_audio = first_audio or time.monotonic() - started
        generation_s = time.monotonic() - started
        text2 = " ".join(words)
        reply_audio = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
        reply_s = len(reply_audio) / model.sample_rate
        whisper_text1 = asr.transcribe_blocking(speech1)
        heard_reply = asr.transcribe_blocking(resample(reply_audio, model.sample_rate, 16_000))
        greedy, sampled_a, sampled_b = asyncio.run(
            cascade_replies(llm, model.instructions, whisper_text1)
        )
        items.append(
            {
                **heard_fields(prompt, voice, text1, whisper_text1),
                "text2": text2.strip(),
                "reply_heard_as": heard_reply,
                "reply_wer": word_error_rate(text2, heard_reply) if text2.strip() else 1.0,
                "cascade_reply": greedy,
                "similarity": embedder.similarity(text2, greedy) if text2.strip() else 0.0,
                "ceiling": embedder.similarity(sampled_a, sampled_b),
                "hear_s": round(heard_at - started, 3),
                "first_audio_s": round(first_audio, 3) if first_audio else None,
                "generation_s": round(generation_s, 3),
                "reply_audio_s": round(reply_s, 3),
                "rtf": round(generation_s / reply_s, 3) if reply_s else None,
            }
        )
    rng = random.Random(seed)
    floor = (
        [
            embedder.similarity(a["cascade_reply"], b["cascade_reply"])
            for a, b in (rng.sample(items, 2) for _ in range(len(items)))
        ]
        if len(items) > 1
        else [0.0]
    )
    report = summarise(items, floor)
    conversation_items = hearing_in_conversation(
        model, asr, conversational_prompts(conversation, seed)
    )
    if conversation_items:
        report.update(summarise_conversation(conversation_items))
    report["hearing"] = hearing
    report["machine"] = f"{platform.machine()}, {threads} threads, {platform.processor() or 'CPU'}"
    everything = {**report, "items": items, "conversation_items": conversation_items}
    (out / "report.json").write_text(json.dumps(everything, indent=2))
    plot(report, out / "eval.png")
    return report


def summarise(items: list[dict], floor: list[float]) -> dict[str, Any]:
    def mean(key: str) -> float:
        values = [i[key] for i in items if i[key] is not None]
        return round(statistics.fmean(values), 4) if values else float("nan")

    def median(key: str) -> float:
        values = [i[key] for i in items if i[key] is not None]
        return round(statistics.median(values), 4) if values else float("nan")

    ceiling = mean("ceiling")
    return {
        "items": len(items),
        "intelligibility_median_wer": median("reply_wer"),
        "intelligibility_mean_wer": mean("reply_wer"),
        "relevance_mean_similarity": mean("similarity"),
        "relevance_ceiling": ceiling,
        "relevance_floor": round(statistics.fmean(floor), 4),
        "relevance_ratio": round(mean("similarity") / ceiling, 4) if ceiling else None,
        "hearing_mean_wer": mean("text1_wer"),
        "hearing_median_wer": median("text1_wer"),
        "whisper_mean_wer": mean("whisper_text1_wer"),
        "whisper_median_wer": median("whisper_text1_wer"),
        "rtf_median": median("rtf"),
        "first_audio_median_s": median("first_audio_s"),
        "hear_median_s": median("hear_s"),
    }


def summarise_conversation(items: list[dict]) -> dict[str, Any]:
    def wers(key: str) -> list[float]:
        return [item[key] for item in items]

    return {
        "conversation_items": len(items),
        "conversation_hearing_mean_wer": round(statistics.fmean(wers("text1_wer")), 4),
        "conversation_hearing_median_wer": round(statistics.median(wers("text1_wer")), 4),
        "conversation_whisper_mean_wer": round(statistics.fmean(wers("whisper_text1_wer")), 4),
        "conversation_whisper_median_wer": round(statistics.median(wers("whisper_text1_wer")), 4),
    }


def plot(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 3, figsize=(12, 3.5))
    axes[0].bar(
        ["direct text1", "Whisper"], [report["hearing_mean_wer"], report["whisper_mean_wer"]]
    )
    axes[0].set_title("hearing: mean WER vs prompt")
    axes[1].bar(
        ["floor", "direct vs cascade", "ceiling"],
        [
            report["relevance_floor"],
            report["relevance_mean_similarity"],
            report["relevance_ceiling"],
        ],
    )
    axes[1].axhline(0.75 * report["relevance_ceiling"], color="red", linestyle="--", label="bar")
    axes[1].set_title("relevance: MiniLM similarity")
    axes[1].legend()
    axes[2].bar(
        ["median WER", "median RTF"], [report["intelligibility_median_wer"], report["rtf_median"]]
    )
    axes[2].axhline(0.1, color="red", linestyle="--")
    axes[2].set_title("own audio WER; real-time factor")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
