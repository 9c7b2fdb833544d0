"""Evaluate a codec checkpoint on held-out speech.

    python -m voice_agent.codec.evaluate --checkpoint runs/codec/codec.pt --data DATASET --out DIR

For each voice role of the held-out items (assistant = speech2, user = speech1, wav = WAV files),
reconstructs the audio through the streaming path (chunk by chunk, as deployed) and reports:
Whisper WER of the reconstructions against the originals' transcripts (the codec's own loss of
intelligibility), WER of the originals and the reconstructions against the dataset's text when
it has one, log-mel L1 distance, STOI, the bitrate, and the CPU real-time factor of streaming
encode and decode. Writes DIR/metrics.json, side-by-side spectrograms and example WAVs.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from voice_agent.audio import resample
from voice_agent.audio.wavfile import write_wav
from voice_agent.codec.checkpoint import load_codec
from voice_agent.codec.data import AudioItem, find_items, split_items
from voice_agent.codec.losses import MultiScaleMelLoss
from voice_agent.codec.model import Codec, num_parameters
from voice_agent.codec.options import HelpFormatter, add_eval_arguments
from voice_agent.evaluation import normalize_words, word_error_rate


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m voice_agent.codec.evaluate",
        description=__doc__,
        formatter_class=HelpFormatter,
    )
    add_eval_arguments(parser)
    return parser


def stream_through(
    codec: Codec, audio: np.ndarray, chunk_frames: int = 1
) -> tuple[np.ndarray, float, float]:
    """Encode and decode `audio` chunk by chunk: (reconstruction, encode s, decode s)."""
    hop = codec.config.hop_length * chunk_frames
    wav = torch.from_numpy(np.pad(audio, (0, -len(audio) % hop))).reshape(1, 1, -1)
    encoder, decoder = codec.encoder.streaming_state(), codec.decoder.streaming_state()
    out, encode_s, decode_s = [], 0.0, 0.0
    with torch.inference_mode():
        for start in range(0, wav.shape[-1], hop):
            t0 = time.perf_counter()
            codes = codec.encode_chunk(wav[..., start : start + hop], encoder)
            t1 = time.perf_counter()
            out.append(codec.decode_chunk(codes, decoder))
            decode_s += time.perf_counter() - t1
            encode_s += t1 - t0
    return torch.cat(out, -1).reshape(-1)[: len(audio)].numpy(), encode_s, decode_s


def save_spectrograms(path: Path, original: np.ndarray, recon: np.ndarray, rate: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    window = torch.hann_window(512)
    fig, axes = plt.subplots(1, 2, figsize=(13, 4), sharey=True)
    for ax, audio, title in ((axes[0], original, "original"), (axes[1], recon, "reconstruction")):
        spec = torch.stft(torch.from_numpy(audio), 512, 128, window=window, return_complex=True)
        db = 20 * torch.log10(spec.abs().clamp_min(1e-5)).numpy()
        extent = (0, len(audio) / rate, 0, rate / 2000)
        ax.imshow(db, origin="lower", aspect="auto", extent=extent, vmin=-100, vmax=db.max())
        ax.set_title(title)
        ax.set_xlabel("s")
    axes[0].set_ylabel("kHz")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def _corpus_wer(pairs: list[tuple[str, str]]) -> float | None:
    """WER over all pairs together: each utterance weighted by its reference's length."""
    words = [len(normalize_words(ref)) for ref, _ in pairs]
    if not pairs or sum(words) == 0:
        return None
    errors = sum(word_error_rate(ref, hyp) * n for (ref, hyp), n in zip(pairs, words, strict=True))
    return round(errors / sum(words), 4)


def evaluate_role(
    codec: Codec, items: list[AudioItem], asr: Any, args: argparse.Namespace, role: str
) -> dict[str, Any]:
    from pystoi import stoi

    rate = codec.config.sample_rate
    mel = MultiScaleMelLoss(rate, (1024,))
    seconds = encode_s = decode_s = 0.0
    vs_original, original_vs_text, recon_vs_text = [], [], []
    mel_distances, stois, transcripts, examples = [], [], [], []
    for i, item in enumerate(items):
        audio = item.load(rate)
        recon, enc, dec = stream_through(codec, audio, args.chunk_frames)
        seconds, encode_s, decode_s = seconds + len(audio) / rate, encode_s + enc, decode_s + dec
        heard = asr.transcribe_blocking(resample(audio, rate, 16_000))
        heard_recon = asr.transcribe_blocking(resample(recon, rate, 16_000))
        vs_original.append((heard, heard_recon))
        if item.text:
            original_vs_text.append((item.text, heard))
            recon_vs_text.append((item.text, heard_recon))
        pair = [torch.from_numpy(x).reshape(1, 1, -1) for x in (recon, audio)]
        mel_distances.append(float(mel(*pair)))
        stois.append(float(stoi(audio, recon, rate, extended=False)))
        transcripts.append(
            {"key": item.key, "text": item.text, "original": heard, "reconstruction": heard_recon}
        )
        if i < args.examples:
            stem = args.out / "examples" / f"{role}-{i}"
            write_wav(stem.with_name(stem.name + "-original.wav"), audio, rate)
            write_wav(stem.with_name(stem.name + "-reconstruction.wav"), recon, rate)
            save_spectrograms(stem.with_name(stem.name + ".png"), audio, recon, rate)
            examples.append(str(stem.relative_to(args.out)))
    return {
        "items": len(items),
        "seconds": round(seconds, 2),
        "wer_reconstruction_vs_original": _corpus_wer(vs_original),
        "wer_original_vs_text": _corpus_wer(original_vs_text),
        "wer_reconstruction_vs_text": _corpus_wer(recon_vs_text),
        "mel_distance": round(float(np.mean(mel_distances)), 4),
        "stoi": round(float(np.mean(stois)), 4),
        "rtf_encode": round(encode_s / seconds, 4),
        "rtf_decode": round(decode_s / seconds, 4),
        "rtf": round((encode_s + decode_s) / seconds, 4),
        "examples": examples,
        "transcripts": transcripts,
    }


def run(args: argparse.Namespace) -> int:
    from voice_agent.models.asr import ASRConfig, WhisperASR

    torch.set_num_threads(args.threads)
    codec = load_codec(args.checkpoint).for_inference()
    _, heldout = split_items(find_items(args.data))
    if not heldout:
        print("error: the data has no held-out items (it needs two rows or files at least)")
        return 2
    by_role: dict[str, list[AudioItem]] = {}
    for item in sorted(heldout, key=lambda item: item.key):
        if len(by_role.setdefault(item.role, [])) < args.items:
            by_role[item.role].append(item)
    args.out.mkdir(parents=True, exist_ok=True)
    config = codec.config
    # Warm up the streaming path once, so the first item's timing is not the allocator's.
    stream_through(codec, np.zeros(config.hop_length * 4, np.float32), args.chunk_frames)
    asr = WhisperASR(ASRConfig(threads=args.threads))
    try:
        roles = {
            role: evaluate_role(codec, items, asr, args, role) for role, items in by_role.items()
        }
    finally:
        asr.close()
    metrics = {
        "checkpoint": str(args.checkpoint),
        "config": config.to_dict(),
        "parameters": num_parameters(codec),
        "frame_rate_hz": config.frame_rate,
        "bitrate_bps": config.bitrate,
        "torch_threads": args.threads,
        "chunk_frames": args.chunk_frames,
        "roles": roles,
    }
    (args.out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    print(f"{config.bitrate:.0f} bit/s, {num_parameters(codec) / 1e6:.2f}M parameters")
    for role, m in roles.items():
        print(
            f"{role:9} {m['items']:3} items  WER recon/orig {m['wer_reconstruction_vs_original']}"
            f"  orig/text {m['wer_original_vs_text']}  recon/text {m['wer_reconstruction_vs_text']}"
            f"  mel {m['mel_distance']}  STOI {m['stoi']}  RTF enc {m['rtf_encode']}"
            f" dec {m['rtf_decode']}"
        )
    print(f"report: {args.out / 'metrics.json'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    return run(build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
