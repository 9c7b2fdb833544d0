"""`voice-agent fit-voice-tokens`: fit the voice tokenizer on the voice's own latent
frames and write it, with a card of its measured figures, under `models/`.

Sentences come from the bundled distillation prompts (or `--texts`, one per line); each
is spoken by the cut voice with seeded noise, so a rerun fits the same tokenizer. The
last `--eval` sentences are held out and measured: Whisper WER of the decoded audio
against the original Piper audio's, log-mel distance, bit/s, tokens/s, token entropy and
runs, and the streaming decoder's real-time factor and first-chunk time.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from voice_agent.voice_tokens.codebook import TokenizerSpec, VoiceTokenizer, fit_tokenizer
from voice_agent.voice_tokens.halves import PiperHalves
from voice_agent.voice_tokens.measure import Measurement, measure
from voice_agent.voice_tokens.speech import VOLUME, Spoken, latent_of, speak
from voice_agent.voice_tokens.streaming import StreamingDecoder, context_frames

DEFAULT_DIR = Path("models/voice_tokens")
EVAL_SEED = 1_000_000  # held-out sentences draw their noise apart from the fitted ones


def add_fit_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=DEFAULT_DIR, help="directory to write to")
    parser.add_argument(
        "--kind",
        choices=("prior", "latent"),
        default="prior",
        help="what to quantise: the prior mean m_p (decoded through the flow) or the latent z",
    )
    parser.add_argument(
        "--sizes", default="4096", help="centroids per residual level, e.g. 1024,1024"
    )
    parser.add_argument("--stride", type=int, default=1, choices=(1, 2, 4), help="frames per token")
    parser.add_argument("--sentences", type=int, default=1500, help="sentences to fit on")
    parser.add_argument("--eval", type=int, default=60, help="held-out sentences to measure")
    parser.add_argument("--texts", type=Path, help="sentences, one per line (default: prompts)")
    parser.add_argument("--voice", default="", help="Piper .onnx voice (default: bundled joe)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2, help="ONNX Runtime and Whisper threads")
    parser.add_argument(
        "--name", default="", help="file name to write (default: the tokenizer's id)"
    )


def texts_for(path: Path | None, count: int) -> list[str]:
    if path is not None:
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
        texts = [line for line in lines if line]
    else:
        from voice_agent.distill.prompt_file import bundled_prompts_path, load_prompts

        texts = [prompt.text for prompt in load_prompts(bundled_prompts_path())]
    if len(texts) < count:
        raise SystemExit(f"error: {len(texts)} sentences, {count} needed")
    return texts


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from voice_agent.models.asr import ASRConfig, WhisperASR

    sizes = tuple(int(s) for s in str(args.sizes).split(","))
    spec = TokenizerSpec(args.kind, sizes, args.stride)
    halves = PiperHalves(args.voice or None, threads=args.threads)
    texts = texts_for(args.texts, args.sentences + args.eval)
    fit_texts, eval_texts = texts[: args.sentences], texts[len(texts) - args.eval :]
    frames: list[np.ndarray] = []
    for i, text in enumerate(tqdm(fit_texts, desc="speaking", unit="sentence")):
        spoken = speak(halves, text, np.random.default_rng(args.seed + i), with_audio=False)
        frames.extend(spoken.frames(spec.kind))
    started = time.monotonic()
    tokenizer = fit_tokenizer(frames, spec, halves.path.name, seed=args.seed, progress=True)
    fit_s = time.monotonic() - started
    held_out = [
        speak(halves, text, np.random.default_rng(EVAL_SEED + i))
        for i, text in enumerate(tqdm(eval_texts, desc="held out", unit="sentence"))
    ]
    tokenizer.gain = typical_gain(halves, tokenizer, held_out)
    figures = measure(halves, tokenizer, held_out, WhisperASR(ASRConfig(threads=args.threads)))
    stream = stream_figures(halves, tokenizer, held_out)
    name = args.name or tokenizer.id
    path = args.out / f"{name}.npz"
    tokenizer.save(path)
    count = sum(f.shape[1] for f in frames)
    card = write_card(args, name, tokenizer, figures, stream, count, fit_s, halves)
    print(f"wrote {path} and {card}")
    print(json.dumps({**figures.to_json(), **stream}, indent=2))
    return 0


def typical_gain(halves: PiperHalves, tokenizer: VoiceTokenizer, held_out: list[Spoken]) -> float:
    """The median of Piper's per-sentence loudness factor over decoded sentences."""
    gains = []
    for spoken in held_out:
        for frames in spoken.frames(tokenizer.spec.kind):
            decoded = tokenizer.decode(tokenizer.encode(frames), frames.shape[1])
            audio = halves.decode(latent_of(halves, tokenizer.spec.kind, decoded))
            gains.append(VOLUME / max(float(np.max(np.abs(audio))), 1e-6))
    return round(float(np.median(gains)), 4)


def _cpu() -> str:
    import os
    import platform

    return f"{platform.machine()}, {os.cpu_count()} cores"


def stream_figures(
    halves: PiperHalves, tokenizer: VoiceTokenizer, held_out: list[Spoken], chunk: int = 16
) -> dict[str, float]:
    """Real-time factor of the streaming decoder and the time to its first chunk."""
    decoder = StreamingDecoder(halves, tokenizer, chunk_frames=chunk)
    first_tokens = -(-(chunk + decoder.context) // tokenizer.spec.stride)
    seconds = busy = 0.0
    first: list[float] = []
    for spoken in held_out:
        for frames in spoken.frames(tokenizer.spec.kind):
            tokens = tokenizer.encode(frames)
            started = time.perf_counter()
            audio = [decoder.push(tokens[:first_tokens])]
            if not len(audio[0]):  # a sentence shorter than one chunk and its context
                audio = [decoder.flush(frames.shape[1])]
            first.append(time.perf_counter() - started)
            audio += [decoder.push(tokens[first_tokens:]), decoder.flush(frames.shape[1])]
            busy += time.perf_counter() - started
            seconds += sum(len(a) for a in audio) / halves.sample_rate
    return {
        "decoder_rtf": round(busy / seconds, 4),
        "first_chunk_ms": round(1000 * float(np.median(first)), 1),
        "lookahead_frames": decoder.context,
        "lookahead_ms": round(1000 * decoder.context / halves.frame_rate, 1),
    }


def write_card(
    args: argparse.Namespace,
    name: str,
    tokenizer: VoiceTokenizer,
    figures: Measurement,
    stream: dict[str, float],
    frames: int,
    fit_s: float,
    halves: PiperHalves,
) -> Path:
    spec = tokenizer.spec
    path = args.out / f"{name}.md"
    rows: dict[str, Any] = {**figures.to_json(), **stream, "stream_gain": tokenizer.gain}
    table = "\n".join(f"| {k} | {v} |" for k, v in rows.items())
    path.write_text(
        f"""# Voice tokenizer `{tokenizer.id}`

Residual k-means over the {"prior mean m_p" if spec.kind == "prior" else "latent z"} frames of
the Piper voice `{halves.path.name}` ({halves.sample_rate} Hz, hop {halves.hop},
{halves.frame_rate:.1f} frames/s): levels {list(spec.sizes)}, {spec.stride} frame(s) per token.
Fitted by `voice-agent fit-voice-tokens --kind {spec.kind} --sizes {args.sizes} --stride
{spec.stride} --sentences {args.sentences} --eval {args.eval} --seed {args.seed}` on {frames}
frames in {fit_s:.0f} s on the machine that ran it. Decoding needs
{context_frames(spec.kind)} frames of context on each side.

Held-out figures ({figures.sentences} sentences, Whisper tiny.en):

| figure | value |
|---|---|
{table}

`decoder_rtf` and `first_chunk_ms` are the streaming decoder's (16-frame chunks) on the CPU
that ran the fit ({_cpu()}); `stream_gain` stands in for Piper's per-sentence peak
normalisation in a stream. Load it with `VoiceTokenizer.load(path)`; decode with
`voice_tokens.streaming.StreamingDecoder`. Tokens mean nothing for another voice. The
main README's "Voice tokens" section compares it with the other kinds and sizes measured.
""",
        encoding="utf-8",
    )
    return path
