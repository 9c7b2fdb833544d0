"""`voice-agent eval-voice-tokens`: a tokenizer's figures on held-out sentences, as JSON,
and a spectrogram PNG of one sentence, original above decoded."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from voice_agent.voice_tokens.codebook import VoiceTokenizer
from voice_agent.voice_tokens.fit import EVAL_SEED, stream_figures, texts_for
from voice_agent.voice_tokens.halves import PiperHalves
from voice_agent.voice_tokens.measure import measure
from voice_agent.voice_tokens.replay import VoiceTokens
from voice_agent.voice_tokens.speech import Spoken, decode_tokens, speak


def add_eval_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("tokenizer", type=Path, help="a tokenizer .npz (models/voice_tokens/)")
    parser.add_argument("--out", type=Path, default=Path("voice-tokens-eval"), help="directory")
    parser.add_argument("--eval", type=int, default=60, help="held-out sentences")
    parser.add_argument("--texts", type=Path, help="sentences, one per line (default: prompts)")
    parser.add_argument("--voice", default="", help="the tokenizer's Piper voice (default: joe)")
    parser.add_argument("--threads", type=int, default=2)


def run(args: argparse.Namespace) -> int:
    from voice_agent.models.asr import ASRConfig, WhisperASR

    try:
        loaded = VoiceTokens.load(str(args.tokenizer), args.voice, args.threads)
    except ValueError as exc:
        raise SystemExit(f"error: {exc}") from None
    halves, tokenizer = loaded.halves, loaded.tokenizer
    texts = texts_for(args.texts, args.eval)[-args.eval :]
    held_out = [speak(halves, t, np.random.default_rng(EVAL_SEED + i)) for i, t in enumerate(texts)]
    figures = {
        "tokenizer": tokenizer.id,
        **measure(
            halves, tokenizer, held_out, WhisperASR(ASRConfig(threads=args.threads))
        ).to_json(),
        **stream_figures(halves, tokenizer, held_out),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "figures.json").write_text(json.dumps(figures, indent=2) + "\n")
    plot_spectrograms(halves, tokenizer, held_out[0], args.out / "spectrogram.png")
    print(json.dumps(figures, indent=2))
    print(f"wrote {args.out / 'figures.json'} and {args.out / 'spectrogram.png'}")
    return 0


def plot_spectrograms(
    halves: PiperHalves, tokenizer: VoiceTokenizer, spoken: Spoken, path: Path
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frames = spoken.frames(tokenizer.spec.kind)
    tokens = [tokenizer.encode(f) for f in frames]
    decoded = decode_tokens(halves, tokenizer, tokens, [f.shape[1] for f in frames])
    figure, axes = plt.subplots(2, 1, figsize=(10, 6), sharex=True)
    for axis, audio, title in zip(
        axes, (spoken.audio, decoded), ("original", "decoded"), strict=True
    ):
        axis.specgram(audio, NFFT=1024, Fs=halves.sample_rate, noverlap=768, cmap="magma")
        axis.set_title(f"{title}: {spoken.text[:80]}")
        axis.set_ylabel("Hz")
    axes[-1].set_xlabel("s")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
