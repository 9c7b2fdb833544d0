"""`voice-agent distill` end to end with the real embedded models: quality of the items,
loading with Hugging Face datasets, kill -9 and resume, and Ray against local processes."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from tests.conftest import PRIVATE_NETWORK
from voice_agent.audio import resample
from voice_agent.distill.shards import read_failures
from voice_agent.evaluation import word_error_rate

COUNT, SHARD_SIZE, SEED = 24, 6, 11
pytestmark = pytest.mark.timeout(900)


def distill_command(out: Path, *extra: str) -> list[str]:
    return [
        *PRIVATE_NETWORK,  # loopback only: nothing a run does may leave the machine
        sys.executable,
        "-m",
        "voice_agent",
        "distill",
        "--out",
        str(out),
        "--n",
        str(COUNT),
        "--shard-size",
        str(SHARD_SIZE),
        "--seed",
        str(SEED),
        "--workers",
        "2",
        "--no-progress",
        "--accuracy-questions",
        "3",
        *extra,
    ]


def run_distill(out: Path, *extra: str) -> str:
    done = subprocess.run(distill_command(out, *extra), capture_output=True, text=True, timeout=800)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def rows_of(out: Path) -> list[dict]:
    table = pq.read_table(sorted((out / "data").glob("train-*.parquet")))
    return sorted(table.to_pylist(), key=lambda row: row["index"])


@pytest.fixture(scope="module")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("distill") / "local"
    run_distill(out)
    return out


def item_indices(out: Path) -> list[int]:
    """Indices of the items made or recorded as failed, in order."""
    made = [row["index"] for row in rows_of(out)]
    return sorted(made + [failure["index"] for failure in read_failures(out)])


def test_items_are_faithful_and_load_with_datasets(local_run: Path) -> None:
    from datasets import load_dataset

    from voice_agent.models.asr import ASRConfig, WhisperASR

    data = load_dataset("parquet", data_dir=str(local_run / "data"), split="train")
    assert item_indices(local_run) == list(range(COUNT))
    failures = read_failures(local_run)
    # Only mishearings are dropped (tiny.en on espeak voices), and not most items.
    assert all(failure["error"].startswith("Misheard") for failure in failures), failures
    assert len(failures) <= COUNT // 3
    assert len(data) == COUNT - len(failures)
    assert len(set(data["id"])) == len(data)
    asr = WhisperASR(ASRConfig())
    user_wers, reply_wers = [], []
    for row in data:
        speech1, speech2 = row["speech1"], row["speech2"]
        assert speech1["sampling_rate"] == 16_000 and speech2["sampling_rate"] == 24_000
        assert len(speech1["array"]) / 16_000 == pytest.approx(row["speech1_duration_s"], abs=0.05)
        user_wers.append(word_error_rate(row["prompt"], row["text1"]))
        heard = asr.transcribe_blocking(
            resample(np.asarray(speech2["array"], np.float32), 24_000, 16_000)
        )
        reply_wers.append(word_error_rate(row["text2"], heard))
        clauses = row["speech2_clauses"]
        assert " ".join(c["text"] for c in clauses) == row["text2"]
        assert clauses[-1]["end_s"] == pytest.approx(row["speech2_duration_s"], abs=0.01)
        assert all(a["end_s"] == b["start_s"] for a, b in itertools.pairwise(clauses))
    # text1 is what the cascade heard: close to the prompt, through noise and accents.
    assert max(user_wers) <= 0.5, user_wers
    assert np.mean(user_wers) <= 0.15, user_wers
    # Whisper hears in speech2 what text2 says (SmolLM2 now and then writes a foreign word
    # or a made-up name that tiny.en cannot spell, hence the mean rather than every item).
    assert np.median(reply_wers) <= 0.1, reply_wers
    assert np.mean(reply_wers) <= 0.2, reply_wers


def test_rows_carry_voice_tokens_that_decode_to_their_speech2(local_run: Path) -> None:
    from voice_agent.models.asr import ASRConfig, WhisperASR
    from voice_agent.voice_tokens.codebook import VoiceTokenizer, default_tokenizer_path
    from voice_agent.voice_tokens.halves import PiperHalves
    from voice_agent.voice_tokens.speech import decode_tokens

    tokenizer = VoiceTokenizer.load(default_tokenizer_path())
    halves = PiperHalves(threads=2)
    asr = WhisperASR(ASRConfig())
    stride = tokenizer.spec.stride
    rows = rows_of(local_run)[:8]
    original_wers, decoded_wers = [], []
    for row in rows:
        tokens = np.array(row["speech2_tokens"], np.int32)
        frames = row["speech2_token_frames"]
        assert tokens.shape == (sum(-(-f // stride) for f in frames), len(tokenizer.spec.sizes))
        bounds = np.cumsum([0, *(-(-f // stride) for f in frames)])
        sentences = [tokens[a:b] for a, b in itertools.pairwise(bounds)]
        audio = decode_tokens(halves, tokenizer, sentences, frames)
        # Token for frame, speech2 as the voice spoke it: the same length, the same words.
        assert len(audio) / halves.sample_rate == pytest.approx(row["speech2_duration_s"], abs=0.05)
        heard = asr.transcribe_blocking(resample(audio, halves.sample_rate, 16_000))
        decoded_wers.append(word_error_rate(row["text2"], heard))
        original = pq_audio(row["speech2"]["bytes"])
        original_wers.append(word_error_rate(row["text2"], asr.transcribe_blocking(original)))
    assert np.mean(decoded_wers) <= np.mean(original_wers) + 0.05, (decoded_wers, original_wers)


def test_tokens_are_added_to_a_dataset_made_without_them(local_run: Path, tmp_path: Path) -> None:
    from voice_agent.distill.shards import Shard, shard_info, write_shard

    out = tmp_path / "untokenized"
    run_distill(out, "--no-voice-tokens")  # (the module's COUNT items, as local_run)
    path = sorted((out / "data").glob("train-*.parquet"))[0]
    (start, stop), failures = shard_info(path)
    rows = pq.read_table(path).to_pylist()
    assert rows and all(row["speech2_tokens"] is None for row in rows)
    for row in rows:  # as a dataset made before rows had their reply seed
        row["reply_seed"] = None
    write_shard(out, Shard(0, start, stop), rows, failures)
    command = [sys.executable, "-m", "voice_agent", "distill-tokens", str(out), "--no-progress"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    shards = len(list((out / "data").glob("train-*.parquet")))
    assert f"added to {shards} of {shards} shards" in done.stdout
    # Exactly the tokens, frames and seeds of the run that recorded them as it went.
    made = {row["index"]: row for row in rows_of(local_run)}
    fields = ("speech2_tokens", "speech2_token_frames", "reply_seed", "speech2_tokenizer")
    for row in rows_of(out):
        assert {f: row[f] for f in fields} == {f: made[row["index"]][f] for f in fields}
    again = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and f"added to 0 of {shards} shards" in again.stdout


def pq_audio(ogg: bytes) -> np.ndarray:
    from voice_agent.audio.oggopus import decode_ogg_opus

    audio, _ = decode_ogg_opus(ogg, 16_000)
    return audio


def test_card_and_stats(local_run: Path) -> None:
    card = (local_run / "README.md").read_text()
    made = len(rows_of(local_run))
    assert f"items: {made} in {COUNT // SHARD_SIZE} shards" in card
    assert "Whisper tiny.en" in card and "espeak-ng" in card
    accuracy = json.loads((local_run / "teacher_accuracy.json").read_text())
    assert accuracy["questions"] == 3 and accuracy["split"] == "test"
    assert f"teacher answer accuracy: {accuracy['accuracy']:.1%} of 3 held-out" in card
    done = subprocess.run(
        [sys.executable, "-m", "voice_agent", "distill-stats", str(local_run)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"items: {made}" in done.stdout and "MB per audio hour" in done.stdout
    png = local_run / "durations.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_killed_run_resumes_to_exactly_the_same_items(local_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "resumed"
    # Its own process group, so the kill takes the workers too, as a crash of the box would.
    process = subprocess.Popen(
        distill_command(out),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 600
        while not list((out / "data").glob("train-*.parquet")):
            assert process.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.2)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    written = len(list((out / "data").glob("train-*.parquet")))
    assert written < COUNT // SHARD_SIZE, "killed too late to test a resume"

    stdout = run_distill(out)
    assert f"{written} shards were already done" in stdout
    assert item_indices(out) == list(range(COUNT))  # every item once: no holes, no repeats
    assert not list((out / "data").glob(".*tmp*"))
    assert rows_of(out) == rows_of(local_run)  # same seed: the same items, to the byte


def test_ray_run_gives_the_same_items(local_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "ray"
    run_distill(out, "--ray")
    assert rows_of(out) == rows_of(local_run)
    assert read_failures(out) == read_failures(local_run)


def test_changed_settings_are_refused(local_run: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "voice_agent",
            "distill",
            "--out",
            str(local_run),
            "--n",
            "4",
            "--shard-size",
            str(SHARD_SIZE),
            "--seed",
            "12",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "seed" in done.stderr and "other settings" in done.stderr


def test_a_dead_llm_server_stops_the_run_without_recording_failures(tmp_path: Path) -> None:
    out = tmp_path / "dead-llm"
    command = distill_command(out, "--llm-url", "http://127.0.0.1:9/v1")
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert "cannot reach the LLM server" in done.stderr and "run the same command" in done.stderr
    assert not list((out / "data").glob("*.parquet"))  # nothing marked done: a rerun retries
