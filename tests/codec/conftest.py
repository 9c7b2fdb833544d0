"""Real speech for the codec tests: the Piper voice (as the assistant) and espeak-ng voices (as
users), and a tiny distillation dataset in the real Parquet schema (Ogg/Opus audio)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.speech import espeak
from voice_agent.audio import resample
from voice_agent.audio.oggopus import encode_ogg_opus


@pytest.fixture(scope="package", autouse=True)
def one_torch_thread() -> Iterator[None]:
    """Two OpenMP threads on a busy 2-core VM can run 10x slower than one (each parallel region
    waits on the descheduled thread); these tests check results, not speed."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# (user turn, assistant reply)
DIALOGUE = [
    ("What is the weather like today?", "It is sunny and warm, with a light breeze."),
    ("Remind me to call my sister.", "Sure, I will remind you tomorrow morning."),
    (
        "How far away is the moon?",
        "The moon is about three hundred eighty thousand kilometres away.",
    ),
    (
        "Tell me a short joke.",
        "Why did the scarecrow win a prize? He was outstanding in his field.",
    ),
    ("What time does the shop close?", "The shop closes at six in the evening."),
    ("Play some quiet music.", "I found a relaxing playlist for you."),
]
USER_VOICES = ["en-us", "en-gb", "en-gb-scotland", "en-029", "en-us", "en-gb-x-rp"]


@pytest.fixture(scope="session")
def piper_24k() -> list[np.ndarray]:
    """The assistant's replies in the Piper voice at 24 kHz."""
    from voice_agent.models.tts import PiperTTS, TTSConfig

    tts = PiperTTS(TTSConfig(threads=2))
    try:
        return [
            resample(tts.synthesize_blocking(reply), tts.sample_rate, 24_000)
            for _, reply in DIALOGUE
        ]
    finally:
        tts.close()


@pytest.fixture(scope="session")
def speech_16k(piper_24k: list[np.ndarray]) -> np.ndarray:
    """About ten seconds of real speech at 16 kHz."""
    return resample(np.concatenate(piper_24k[:4]), 24_000, 16_000)


def write_dataset(directory: Path, piper_24k: list[np.ndarray]) -> Path:
    """A distillation dataset in the generator's layout: DIR/data/train-00000.parquet."""
    audio = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
    schema = pa.schema(
        [
            ("id", pa.string()),
            ("speech1", audio),
            ("text1", pa.string()),
            ("text2", pa.string()),
            ("speech2", audio),
        ]
    )
    rows = []
    for i, ((question, reply), voice) in enumerate(zip(DIALOGUE, USER_VOICES, strict=True)):
        user = espeak(question, rate=16_000, voice=voice)
        rows.append(
            {
                "id": f"item-{i:05d}",
                "speech1": {"bytes": encode_ogg_opus(user, 16_000), "path": f"{i}-1.ogg"},
                "text1": question,
                "text2": reply,
                "speech2": {"bytes": encode_ogg_opus(piper_24k[i], 24_000), "path": f"{i}-2.ogg"},
            }
        )
    (directory / "data").mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema), directory / "data" / "train-00000.parquet")
    return directory


@pytest.fixture(scope="session")
def dataset_dir(tmp_path_factory: pytest.TempPathFactory, piper_24k: list[np.ndarray]) -> Path:
    return write_dataset(tmp_path_factory.mktemp("distilled"), piper_24k)


def tiny_train_args(data: Path, out: Path, *extra: str) -> list[str]:
    """`train` arguments for a small, fast run of the tiny config."""
    return [
        *("--data", str(data), "--out", str(out), "--config", "tiny"),
        *("--batch-size", "4", "--segment-s", "0.5", "--lr", "3e-3", "--warmup-steps", "5"),
        *("--workers", "0", *extra),
    ]


@pytest.fixture(scope="session")
def tiny_run(dataset_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 40-step training run of the tiny config on the dataset: its output directory."""
    from voice_agent.codec.train import main

    out = tmp_path_factory.mktemp("tiny-run")
    extra = ("--steps", "40", "--log-every", "10", "--checkpoint-every", "20")
    assert main(tiny_train_args(dataset_dir, out, *extra)) == 0
    return out
