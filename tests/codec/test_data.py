"""Training audio: the distillation Parquet schema, WAV directories, splits and batches."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from tests.codec.conftest import DIALOGUE
from voice_agent.audio.wavfile import write_wav
from voice_agent.codec.data import CropBatches, find_items, load_all, split_items


def test_parquet_dataset_gives_both_voices_with_their_texts(
    dataset_dir: Path, piper_24k: list[np.ndarray]
) -> None:
    items = find_items([dataset_dir])
    assert len(items) == 2 * len(DIALOGUE)
    assistant = [item for item in items if item.role == "assistant"]
    user = [item for item in items if item.role == "user"]
    assert [item.text for item in assistant] == [reply for _, reply in DIALOGUE]
    assert [item.text for item in user] == [question for question, _ in DIALOGUE]
    assert [item.key for item in assistant] == [item.key for item in user]
    # Decoded at the codec's rate, whatever rate the Opus file was made at.
    audio = load_all(assistant[:2] + user[:1], 16_000)
    assert all(a.dtype == np.float32 for a in audio)
    for decoded, original in zip(audio[:2], piper_24k[:2], strict=True):
        assert abs(len(decoded) / 16_000 - len(original) / 24_000) < 0.05
        assert 0.1 < np.abs(decoded).max() < 1.0
    assert len(audio[2]) > 8_000


def test_a_parquet_file_at_the_top_level_and_missing_sources(
    dataset_dir: Path, tmp_path: Path
) -> None:
    shard = next((dataset_dir / "data").glob("*.parquet"))
    assert len(find_items([shard])) == 2 * len(DIALOGUE)
    (tmp_path / "flat").mkdir()
    (tmp_path / "flat" / "train.parquet").write_bytes(shard.read_bytes())
    assert len(find_items([tmp_path / "flat"])) == 2 * len(DIALOGUE)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError):
        find_items([tmp_path / "empty"])


def test_wav_directory_is_resampled(tmp_path: Path, piper_24k: list[np.ndarray]) -> None:
    write_wav(tmp_path / "a.wav", piper_24k[0], 24_000)
    write_wav(tmp_path / "sub" / "b.wav", piper_24k[1][::3].copy(), 8_000)
    items = find_items([tmp_path])
    assert [(item.key, item.role, item.text) for item in items] == [
        ("a.wav", "wav", None),
        ("sub/b.wav", "wav", None),
    ]
    a, b = load_all(items, 16_000)
    assert abs(len(a) - len(piper_24k[0]) * 2 / 3) <= 2
    assert abs(len(b) - len(piper_24k[1][::3]) * 2) <= 2


def test_heldout_split_is_by_row_and_stable(dataset_dir: Path) -> None:
    items = find_items([dataset_dir])
    train, heldout = split_items(items)
    assert heldout and train
    heldout_keys = {item.key for item in heldout}
    assert heldout_keys.isdisjoint(item.key for item in train)
    assert {item.role for item in heldout} == {"assistant", "user"}  # both voices of the row
    # The same rows however the items come; a larger fraction holds out more rows, not others.
    again = split_items(list(reversed(items)))[1]
    assert {item.key for item in again} == heldout_keys
    _, most = split_items(items, heldout_fraction=0.9)
    assert heldout_keys <= {item.key for item in most}


def voices(n: int = 6) -> tuple[list[np.ndarray], list[str]]:
    """Assistant items are positive constants and user items negative: the sign tells them."""
    audios = [np.full(3_000, 0.5 if i % 2 else -0.5, np.float32) for i in range(n)]
    return audios, ["assistant" if i % 2 else "user" for i in range(n)]


def test_batches_are_a_function_of_the_step_even_with_workers() -> None:
    audios, roles = voices()
    audios[0] = np.linspace(-1, 1, 500).astype(np.float32)  # shorter than a crop
    batches = CropBatches(audios, roles, 1_600, 4, seed=3)
    first = batches.batch(5)
    assert first.shape == (4, 1, 1_600) and first.dtype == torch.float32
    assert torch.equal(first, batches.batch(5)) and not torch.equal(first, batches.batch(6))
    assert first.abs().max() <= 0.99
    loader = torch.utils.data.DataLoader(batches, batch_size=None, num_workers=2)
    with_workers = [batch for _, batch in zip(range(4), loader, strict=False)]
    for step, batch in enumerate(with_workers):
        assert torch.equal(batch, batches.batch(step))
    resumed = CropBatches(audios, roles, 1_600, 4, seed=3, start=2)
    assert torch.equal(next(iter(resumed)), batches.batch(2))
    other_rank = CropBatches(audios, roles, 1_600, 4, seed=3, rank=1)
    assert not torch.equal(other_rank.batch(5), first)


def test_assistant_weight_draws_the_assistant_more_often() -> None:
    audios, roles = voices()
    even = CropBatches(audios, roles, 1_000, 2_000).batch(0)
    favoured = CropBatches(audios, roles, 1_000, 2_000, role_weights={"assistant": 4.0}).batch(0)
    share = [float((batch[:, 0, 0] > 0).float().mean()) for batch in (even, favoured)]
    assert abs(share[0] - 0.5) < 0.05
    assert abs(share[1] - 0.8) < 0.05
