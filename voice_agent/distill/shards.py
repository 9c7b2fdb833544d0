"""The dataset on disk: Parquet shards that Hugging Face `datasets` loads as they are.

DIR/data/train-00000.parquet, ... each hold the items of one fixed index range. A shard is
written to a temporary name and renamed into place, so after any crash (kill -9 too) a
shard is either whole or absent; a rerun makes exactly the absent ones. Items that failed
are recorded in their shard's metadata, so a rerun does not retry them forever either.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

DATA_DIR = "data"
AUDIO_COLUMNS = ("speech1", "speech2")
_META_RANGE = b"voice_agent.item_range"
_META_FAILURES = b"voice_agent.failures"

_AUDIO = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
_MESSAGE = pa.struct([("role", pa.string()), ("text", pa.string())])
_CLAUSE = pa.struct([("text", pa.string()), ("start_s", pa.float64()), ("end_s", pa.float64())])

SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("index", pa.int64()),
        ("seed", pa.int64()),
        ("prompt_id", pa.string()),
        ("kind", pa.string()),
        ("history", pa.list_(_MESSAGE)),
        ("prompt", pa.string()),
        (
            "voice",
            pa.struct(
                [
                    ("name", pa.string()),
                    ("engine", pa.string()),
                    ("espeak_voice", pa.string()),
                    ("speed", pa.int64()),
                    ("pitch", pa.int64()),
                    ("length_scale", pa.float64()),
                    ("rate_factor", pa.float64()),
                ]
            ),
        ),
        (
            "augmentation",
            pa.struct(
                [
                    ("level_dbfs", pa.float64()),
                    ("noise", pa.string()),
                    ("snr_db", pa.float64()),
                    ("reverb_rt60_s", pa.float64()),
                    ("telephone", pa.bool_()),
                ]
            ),
        ),
        ("augmentation_text", pa.string()),
        ("speech1", _AUDIO),
        ("speech1_sample_rate", pa.int64()),
        ("speech1_duration_s", pa.float64()),
        ("text1", pa.string()),
        ("text1_wer", pa.float64()),
        ("text2", pa.string()),
        ("speech2", _AUDIO),
        ("speech2_sample_rate", pa.int64()),
        ("speech2_duration_s", pa.float64()),
        ("speech2_clauses", pa.list_(_CLAUSE)),
        ("reply_seed", pa.int64()),  # the seed the teacher's LLM and TTS answered with
        ("speech2_tokens", pa.list_(pa.list_(pa.int64()))),  # steps x levels; null: none
        ("speech2_token_frames", pa.list_(pa.int64())),  # latent frames of each sentence
        ("speech2_tokenizer", pa.string()),  # the tokenizer's id
    ]
)


def _hf_feature(kind: pa.DataType) -> Any:
    """A Hugging Face `datasets` feature, as JSON, for an Arrow type."""
    if pa.types.is_struct(kind):
        return {kind.field(i).name: _hf_feature(kind.field(i).type) for i in range(kind.num_fields)}
    if pa.types.is_list(kind):
        return [_hf_feature(kind.value_type)]
    names = {
        pa.string(): "string",
        pa.int64(): "int64",
        pa.float64(): "float64",
        pa.bool_(): "bool",
    }
    return {"dtype": names[kind], "_type": "Value"}


def _hf_metadata() -> bytes:
    features = {
        field.name: {"_type": "Audio"} if field.name in AUDIO_COLUMNS else _hf_feature(field.type)
        for field in SCHEMA
    }
    return json.dumps({"info": {"features": features}}).encode()


@dataclass(frozen=True)
class Shard:
    number: int
    start: int  # first item index
    stop: int  # one past the last

    @property
    def name(self) -> str:
        return f"train-{self.number:05d}.parquet"


def shards_for(count: int, shard_size: int) -> list[Shard]:
    return [
        Shard(number, start, min(start + shard_size, count))
        for number, start in enumerate(range(0, count, shard_size))
    ]


def write_shard(root: Path, shard: Shard, rows: list[dict], failures: list[dict]) -> Path:
    """Write atomically: a temporary file, flushed to disk, renamed over the final name."""
    folder = root / DATA_DIR
    folder.mkdir(parents=True, exist_ok=True)
    metadata = {
        b"huggingface": _hf_metadata(),
        _META_RANGE: json.dumps([shard.start, shard.stop]).encode(),
        _META_FAILURES: json.dumps(failures).encode(),
    }
    table = pa.Table.from_pylist(rows, schema=SCHEMA.with_metadata(metadata))
    final = folder / shard.name
    temporary = folder / f".{shard.name}.tmp-{os.getpid()}"
    pq.write_table(table, temporary, compression="zstd")
    with open(temporary, "rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, final)
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself must survive a power cut
    finally:
        os.close(directory)
    return final


def remove_temporaries(root: Path) -> None:
    for stale in (root / DATA_DIR).glob(".*.tmp-*"):
        stale.unlink(missing_ok=True)


def shard_files(root: Path) -> list[Path]:
    return sorted((root / DATA_DIR).glob("train-*.parquet"))


def shard_info(path: Path) -> tuple[tuple[int, int], list[dict]]:
    """A shard's item range and its failures, from the footer alone."""
    metadata = pq.read_schema(path).metadata or {}
    start, stop = json.loads(metadata.get(_META_RANGE, b"[0, 0]"))
    return (start, stop), json.loads(metadata.get(_META_FAILURES, b"[]"))


def is_complete(root: Path, shard: Shard) -> bool:
    path = root / DATA_DIR / shard.name
    if not path.exists():
        return False
    try:
        return shard_info(path)[0] == (shard.start, shard.stop)
    except (pa.ArrowInvalid, OSError, ValueError):
        return False  # unreadable: make it again


def read_table(root: Path, columns: list[str] | None = None) -> pa.Table:
    files = shard_files(root)
    if not files:
        return SCHEMA.empty_table().select(columns) if columns else SCHEMA.empty_table()
    return pa.concat_tables(pq.read_table(path, columns=columns) for path in files)


def read_failures(root: Path) -> list[dict]:
    return [failure for path in shard_files(root) for failure in shard_info(path)[1]]
