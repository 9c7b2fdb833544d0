"""Train -> evaluate end to end on the tiny config: every metric, spectrograms and WAVs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from voice_agent.audio.wavfile import read_wav, write_wav
from voice_agent.codec.checkpoint import load_codec
from voice_agent.codec.evaluate import main as evaluate
from voice_agent.codec.evaluate import stream_through

ROLE_METRICS = {
    "items",
    "seconds",
    "wer_reconstruction_vs_original",
    "wer_original_vs_text",
    "wer_reconstruction_vs_text",
    "mel_distance",
    "stoi",
    "rtf_encode",
    "rtf_decode",
    "rtf",
    "examples",
    "transcripts",
}


def test_train_then_evaluate(
    dataset_dir: Path, tiny_run: Path, tmp_path: Path, piper_24k: list
) -> None:
    wavs = tmp_path / "wavs"  # a WAV directory too: its reference is Whisper on the original
    for i in (0, 1):
        write_wav(wavs / f"{i}.wav", piper_24k[i], 24_000)
    report = tmp_path / "report"
    data = ("--data", str(dataset_dir), "--data", str(wavs))
    args = ["--checkpoint", str(tiny_run / "codec.pt"), *data, "--out", str(report)]
    assert evaluate([*args, "--items", "1", "--examples", "1", "--threads", "1"]) == 0

    metrics = json.loads((report / "metrics.json").read_text())
    assert metrics["bitrate_bps"] == 2400.0 and metrics["frame_rate_hz"] == 100.0
    assert metrics["parameters"] > 0 and metrics["torch_threads"] == 1
    assert set(metrics["roles"]) == {"assistant", "user", "wav"}
    for role, m in metrics["roles"].items():
        assert set(m) == ROLE_METRICS, role
        assert m["items"] == 1 and m["seconds"] > 1
        assert m["wer_reconstruction_vs_original"] >= 0 and -1 <= m["stoi"] <= 1
        assert m["mel_distance"] > 0 and m["rtf_encode"] > 0 and m["rtf_decode"] > 0
        assert abs(m["rtf"] - m["rtf_encode"] - m["rtf_decode"]) < 2e-4
        for stem in m["examples"]:
            assert (report / f"{stem}.png").stat().st_size > 10_000
            original, rate = read_wav(report / f"{stem}-original.wav")
            recon, _ = read_wav(report / f"{stem}-reconstruction.wav")
            assert rate == 16_000 and len(original) == len(recon)
    assistant = metrics["roles"]["assistant"]
    # The originals are clear speech: Whisper hears the dataset's text in them.
    assert assistant["wer_original_vs_text"] < 0.3
    assert assistant["transcripts"][0]["text"]
    assert metrics["roles"]["wav"]["wer_original_vs_text"] is None


def test_stream_through_matches_whole_decode(tiny_run: Path) -> None:
    codec = load_codec(tiny_run / "codec.pt").for_inference()
    audio = np.random.default_rng(0).normal(0, 0.1, 16_000 + 37).astype(np.float32)
    recon, encode_s, decode_s = stream_through(codec, audio, chunk_frames=2)
    whole = codec.decode(codec.encode(torch.from_numpy(audio).reshape(1, 1, -1)))
    assert len(recon) == len(audio) and encode_s > 0 and decode_s > 0
    np.testing.assert_allclose(recon, whole.reshape(-1)[: len(audio)].numpy(), atol=1e-5)
