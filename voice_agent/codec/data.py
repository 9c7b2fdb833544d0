"""Training audio for the codec: distillation Parquet datasets and directories of WAV files.

A distillation dataset (DIR/data/*.parquet and DIR/*.parquet) gives two items per row:
`speech2`, the assistant voice (24 kHz Ogg/Opus), and `speech1`, varied user voices (16 kHz),
with `text2` / `text1` as their texts. A WAV directory gives one item per file, without text.

All audio is decoded once, at the codec's rate, into memory (an hour at 16 kHz is 230 MB of
float32; the Opus bytes are a twentieth of that), so crops cost nothing. The held-out split is
decided per row by a hash of its id, so it does not move when data is added.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

from voice_agent.audio import resample
from voice_agent.audio.oggopus import decode_ogg_opus
from voice_agent.audio.wavfile import read_wav

ROLES = ("assistant", "user", "wav")  # speech2, speech1, a WAV file
_COLUMNS = {"speech2": ("assistant", "text2"), "speech1": ("user", "text1")}
HELDOUT_FRACTION = 0.05


@dataclass(frozen=True)
class AudioItem:
    key: str  # the row (or file) it comes from: decides the held-out split
    role: str  # one of ROLES
    text: str | None  # what is said, where the data knows it
    data: bytes | None = None  # Ogg/Opus bytes (Parquet)
    path: Path | None = None  # a WAV file

    def load(self, rate: int) -> np.ndarray:
        """Mono float32 samples at `rate`."""
        if self.data is not None:
            return decode_ogg_opus(self.data, rate)[0]
        assert self.path is not None
        audio, source_rate = read_wav(self.path)
        return resample(audio, source_rate, rate)


def _audio_bytes(cell: object) -> bytes | None:
    if isinstance(cell, dict):  # {bytes, path}, as Hugging Face `datasets` stores audio
        cell = cell.get("bytes")
    return cell if isinstance(cell, bytes) and cell else None


def parquet_items(path: Path) -> list[AudioItem]:
    """The speech1 / speech2 items of one Parquet file."""
    import pyarrow.parquet as pq

    present = set(pq.read_schema(path).names)
    wanted = [c for c in ("id", "speech1", "speech2", "text1", "text2") if c in present]
    rows = pq.read_table(path, columns=wanted).to_pylist()
    items = []
    for i, row in enumerate(rows):
        key = str(row.get("id") or f"{path.name}:{i}")
        for column, (role, text_column) in _COLUMNS.items():
            data = _audio_bytes(row.get(column))
            if data is not None:
                items.append(AudioItem(key, role, row.get(text_column), data=data))
    return items


def find_items(sources: Sequence[Path]) -> list[AudioItem]:
    """Every item of every source: a dataset directory, a Parquet file, a WAV directory or file."""
    items: list[AudioItem] = []
    for source in map(Path, sources):
        if source.is_dir():
            shards = sorted(source.glob("data/*.parquet")) + sorted(source.glob("*.parquet"))
            wavs = sorted(source.rglob("*.wav"))
            if not shards and not wavs:
                raise FileNotFoundError(f"{source}: no *.parquet (also under data/) or *.wav")
            for shard in shards:
                items += parquet_items(shard)
            items += [AudioItem(str(w.relative_to(source)), "wav", None, path=w) for w in wavs]
        elif source.suffix == ".parquet":
            items += parquet_items(source)
        elif source.suffix == ".wav":
            items.append(AudioItem(source.name, "wav", None, path=source))
        else:
            raise FileNotFoundError(f"{source}: not a dataset directory, .parquet or .wav")
    return items


def _hash_unit(key: str) -> float:
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def split_items(
    items: Sequence[AudioItem], heldout_fraction: float = HELDOUT_FRACTION
) -> tuple[list[AudioItem], list[AudioItem]]:
    """(train, held out), by row: both voices of a row land on the same side. A role (voice kind)
    with 2+ rows of which the fraction picks none still gets its row of smallest hash held out,
    so small datasets can be evaluated too."""
    heldout = {item.key for item in items if _hash_unit(item.key) < heldout_fraction}
    for role in ROLES:
        keys = sorted({item.key for item in items if item.role == role}, key=_hash_unit)
        if len(keys) >= 2 and heldout_fraction > 0 and not heldout.intersection(keys):
            heldout.add(keys[0])
    return (
        [item for item in items if item.key not in heldout],
        [item for item in items if item.key in heldout],
    )


def load_all(items: Sequence[AudioItem], rate: int, threads: int | None = None) -> list[np.ndarray]:
    """Decode every item (in threads: the decoders release the GIL)."""
    threads = threads or min(8, os.cpu_count() or 1)
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda item: item.load(rate), items))


class CropBatches(IterableDataset):
    """Endless batches [B, 1, segment] of random crops with a random gain.

    Batch number n is a pure function of (seed, rank, n): the same with or without DataLoader
    workers (worker w makes batches w, w + workers, ...; the loader interleaves them in order),
    and a resumed run continues the very batches an uninterrupted one would have seen.
    An item is drawn with probability proportional to its duration times its role's weight."""

    def __init__(
        self,
        audios: Sequence[np.ndarray],
        roles: Sequence[str],
        segment: int,
        batch_size: int,
        *,
        seed: int = 0,
        rank: int = 0,
        start: int = 0,
        role_weights: dict[str, float] | None = None,
        gain_db: tuple[float, float] = (-12.0, 0.0),
    ):
        super().__init__()
        if not audios:
            raise ValueError("no training audio")
        self.audios, self.segment, self.batch_size = list(audios), segment, batch_size
        self.seed, self.rank, self.start, self.gain_db = seed, rank, start, gain_db
        role_weights = role_weights or {}
        weights = np.array(
            [max(len(a), 1) * role_weights.get(r, 1.0) for a, r in zip(audios, roles, strict=True)]
        )
        self.probabilities = weights / weights.sum()

    def batch(self, index: int) -> torch.Tensor:
        rng = np.random.default_rng([self.seed, self.rank, index])
        out = np.zeros((self.batch_size, 1, self.segment), np.float32)
        for row, item in enumerate(
            rng.choice(len(self.audios), self.batch_size, p=self.probabilities)
        ):
            audio = self.audios[item]
            if len(audio) >= self.segment:
                offset = int(rng.integers(0, len(audio) - self.segment + 1))
                crop = audio[offset : offset + self.segment]
                out[row, 0] = crop
            else:  # a short item sits at a random place in silence
                offset = int(rng.integers(0, self.segment - len(audio) + 1))
                out[row, 0, offset : offset + len(audio)] = audio
            gain = 10 ** (rng.uniform(*self.gain_db) / 20)
            peak = float(np.abs(out[row]).max())
            out[row] *= min(gain, 0.99 / peak) if peak > 0 else gain
        return torch.from_numpy(out)

    def __iter__(self) -> Iterator[torch.Tensor]:
        worker = get_worker_info()
        first, step = (0, 1) if worker is None else (worker.id, worker.num_workers)
        for index in itertools.count(self.start + first, step):
            yield self.batch(index)
