"""What a tokenizer costs and gives: Whisper WER of decoded speech against the original
Piper audio's, log-mel distance, bit/s, tokens/s, and how predictable its tokens are
(entropy per step, mean run of a repeated token)."""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from voice_agent.audio import resample
from voice_agent.evaluation import word_error_rate
from voice_agent.voice_tokens.codebook import VoiceTokenizer
from voice_agent.voice_tokens.halves import PiperHalves
from voice_agent.voice_tokens.speech import Spoken, decode_tokens


@dataclass
class Measurement:
    sentences: int
    wer_original: float  # Whisper on Piper's own audio of the held-out texts
    wer_decoded: float  # Whisper on the audio decoded from tokens
    log_mel_l1: float  # decoded vs original, mean |log-mel| difference
    bits_per_second: float
    tokens_per_second: float  # token steps per second of speech
    entropy_bits: float  # of level-1 tokens, per step (a unigram estimate)
    mean_run: float  # consecutive equal level-1 tokens
    used_codes: float  # share of level-1 centroids seen in the held-out speech

    def to_json(self) -> dict[str, Any]:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()}


def measure(
    halves: PiperHalves, tokenizer: VoiceTokenizer, held_out: list[Spoken], asr: Any
) -> Measurement:
    """`asr` has `transcribe_blocking(audio16k) -> str` (Whisper in the server)."""
    kind = tokenizer.spec.kind
    texts, originals, decoded, steps = [], [], [], []
    level1: list[np.ndarray] = []
    for spoken in held_out:
        frames = spoken.frames(kind)
        tokens = [tokenizer.encode(f) for f in frames]
        level1.extend(t[:, 0] for t in tokens)
        steps.append(sum(len(t) for t in tokens))
        audio = decode_tokens(halves, tokenizer, tokens, [f.shape[1] for f in frames])
        texts.append(spoken.text)
        originals.append(spoken.audio)
        decoded.append(audio)
    rate = halves.sample_rate

    def wer(audios: list[np.ndarray]) -> float:
        heard = [asr.transcribe_blocking(resample(a, rate, 16_000)) for a in audios]
        return corpus_wer(texts, heard)

    seconds = sum(len(a) for a in originals) / rate
    flat = np.concatenate(level1)
    return Measurement(
        sentences=len(held_out),
        wer_original=wer(originals),
        wer_decoded=wer(decoded),
        log_mel_l1=float(
            np.mean([log_mel_l1(a, b, rate) for a, b in zip(originals, decoded, strict=True)])
        ),
        bits_per_second=tokenizer.spec.bitrate(halves.frame_rate),
        tokens_per_second=sum(steps) / seconds,
        entropy_bits=entropy(flat),
        mean_run=mean_run(level1),
        used_codes=len(set(flat.tolist())) / tokenizer.spec.sizes[0],
    )


def corpus_wer(references: list[str], hypotheses: list[str]) -> float:
    """Word errors over all sentences / words over all sentences."""
    words = [max(1, len(r.split())) for r in references]
    errors = [
        word_error_rate(r, h) * n for r, h, n in zip(references, hypotheses, words, strict=True)
    ]
    return float(sum(errors) / sum(words))


def entropy(tokens: np.ndarray) -> float:
    counts = np.array(list(Counter(tokens.tolist()).values()), np.float64)
    p = counts / counts.sum()
    return float(-(p * np.log2(p)).sum())


def mean_run(sequences: list[np.ndarray]) -> float:
    runs = []
    for seq in sequences:
        if len(seq) == 0:
            continue
        changes = np.flatnonzero(np.diff(seq)) + 1
        bounds = np.concatenate([[0], changes, [len(seq)]])
        runs.extend(np.diff(bounds).tolist())
    return float(np.mean(runs)) if runs else 0.0


@functools.cache
def _mel_distance(rate: int) -> Any:
    from voice_agent.codec.losses import MultiScaleMelLoss

    return MultiScaleMelLoss(rate, (1024,))


def log_mel_l1(a: np.ndarray, b: np.ndarray, rate: int) -> float:
    """Mean |log-mel difference| over 1024-sample windows (the codec's measure)."""
    import torch

    length = min(len(a), len(b))
    x, y = (torch.from_numpy(np.ascontiguousarray(v[:length])).reshape(1, 1, -1) for v in (a, b))
    with torch.no_grad():
        return float(_mel_distance(rate)(x, y))
