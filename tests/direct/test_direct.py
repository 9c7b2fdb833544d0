"""The direct engine end to end on a tiny run: distill a few items with the real cascade,
train each stage a few steps, resume, serve the result as `--engine direct` and have a
spoken turn answered in audio through the real protocol."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import PRIVATE_NETWORK, ServerProcess, start_server
from tests.speech import espeak, silence
from voice_agent.realtime.client import RealtimeConnection, ServerEvent

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1200)]


def voice_agent(*args: str, timeout: float = 900) -> str:
    done = subprocess.run(
        [*PRIVATE_NETWORK, sys.executable, "-m", "voice_agent", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def train(data: Path, run: Path, steps: int) -> None:
    voice_agent(
        "train-direct", "--data", str(data), "--out", str(run),
        "--hear-steps", str(steps), "--speak-steps", str(steps),
        "--hear-batch", "2", "--speak-batch", "2",
        "--save-every", "1", "--evaluate-every", str(steps), "--threads", "2", "--no-progress",
    )  # fmt: skip


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("direct")
    data, run = root / "data", root / "run"
    voice_agent(
        "distill", "--out", str(data), "--n", "6", "--shard-size", "3", "--workers", "2",
        "--seed", "3", "--accuracy-questions", "1", "--no-progress",
    )  # fmt: skip
    train(data, run, steps=2)
    return run


def test_training_writes_a_model_and_resumes(tiny_run: Path) -> None:
    for name in ("adapter.pt", "speech_head.pt", "config.json", "curves.png", "results.json"):
        assert (tiny_run / name).exists(), name
    assert list((tiny_run / "cache").glob("hear-*.pt")) and list(
        (tiny_run / "cache").glob("speak-*.pt")
    )
    steps = [json.loads(line) for line in (tiny_run / "log.jsonl").read_text().splitlines()]
    assert [(r["stage"], r["step"]) for r in steps] == [
        ("hear", 1), ("hear", 2), ("speak", 1), ("speak", 2)
    ]  # fmt: skip
    assert all(np.isfinite(r["loss"]) for r in steps)

    train(tiny_run.parent / "data", tiny_run, steps=3)  # the same run, one step longer
    steps = [json.loads(line) for line in (tiny_run / "log.jsonl").read_text().splitlines()]
    assert [(r["stage"], r["step"]) for r in steps[4:]] == [("hear", 3), ("speak", 3)]


def test_hearing_fine_tunes_a_trained_adapter_on_ctc_with_varied_and_short_speech(
    tiny_run: Path, tmp_path: Path
) -> None:
    import torch

    run = tmp_path / "fine"
    voice_agent(
        "train-direct", "--data", str(tiny_run.parent / "data"), "--out", str(run),
        "--stages", "hear", "--hear-init", str(tiny_run / "adapter.pt"), "--hear-steps", "1",
        "--hear-lr", "0", "--hear-batch", "2", "--varied-speech", "2", "--short-speech", "2",
        "--evaluate-every", "1", "--hear-loss", "ctc", "--threads", "2", "--no-progress",
    )  # fmt: skip
    (record,) = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    assert np.isfinite(record["loss"])
    start, tuned = torch.load(tiny_run / "adapter.pt"), torch.load(run / "adapter.pt")
    assert all(torch.equal(start[name], tuned[name]) for name in start)  # learning rate 0
    for kind in ("varied", "short"):
        made = torch.load(next((run / "cache").glob(f"extra-{kind}-*.pt")), weights_only=False)
        assert all(e["id"].startswith(f"{kind}-") and len(e["frames"]) for e in made)


def test_two_torchrun_processes_share_each_batch_and_one_writes(
    tiny_run: Path, tmp_path: Path
) -> None:
    run = tmp_path / "shared"
    shutil.copytree(tiny_run / "cache", run / "cache")  # the features, made once
    command = [
        *PRIVATE_NETWORK, sys.executable, "-m", "torch.distributed.run", "--standalone",
        "--nproc-per-node", "2", "-m", "voice_agent",
        "train-direct", "--data", str(tiny_run.parent / "data"), "--out", str(run),
        "--hear-steps", "2", "--speak-steps", "2", "--hear-batch", "2", "--speak-batch", "2",
        "--hear-loss", "ctc", "--save-every", "1", "--evaluate-every", "2", "--threads", "1",
        "--device", "cpu", "--no-progress",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    steps = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    assert [(r["stage"], r["step"]) for r in steps] == [
        ("hear", 1), ("hear", 2), ("speak", 1), ("speak", 2)
    ]  # fmt: skip
    assert all(np.isfinite(r["loss"]) for r in steps)  # one process logged, each step once
    results = json.loads((run / "results.json").read_text())
    assert results["machine"].endswith("2 processes")
    for name in ("adapter.pt", "speech_head.pt", "config.json"):
        assert (run / name).exists(), name


@pytest.fixture(scope="module")
def direct_server(tiny_run: Path) -> Iterator[ServerProcess]:
    yield from start_server("direct", "--engine", "direct,cascade", "--direct-model", str(tiny_run))


async def test_a_spoken_turn_is_answered_in_audio(direct_server: ServerProcess) -> None:
    client = await RealtimeConnection.connect(direct_server.ws_url)
    try:
        created = await client.wait_for(ServerEvent.SESSION_CREATED)
        assert created["session"]["engine"] == "direct"
        await client.stream(
            np.concatenate([silence(0.5), espeak("What is the largest planet?"), silence(1.2)])
        )
        done = await client.wait_for(ServerEvent.RESPONSE_DONE, timeout=300)
        assert done["response"]["status"] == "completed"
        heard = await client.wait_for(ServerEvent.INPUT_TRANSCRIPT_DONE)
        assert isinstance(heard["transcript"], str)  # a few steps of training hear little
        reply = done["response"]["id"]
        assert client.response_text(reply).strip()
        audio = client.response_audio(reply)
        assert len(audio) > 2_400 and np.all(np.isfinite(audio)) and np.abs(audio).max() > 0
        metrics = await client.wait_for(ServerEvent.TURN_METRICS)
        assert metrics["durations_ms"]["total_to_first_audio"] > 0
    finally:
        await client.close()
