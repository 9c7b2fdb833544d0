"""Training: it learns from real speech, resumes exactly, stops on time, runs under torchrun."""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from tests.codec.conftest import tiny_train_args as train_args
from voice_agent.codec.checkpoint import load_codec
from voice_agent.codec.cli import add_codec_commands, run_codec_command
from voice_agent.codec.train import main


def read_log(out: Path) -> tuple[list[dict], list[dict]]:
    records = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    return [r for r in records if "loss" in r], [r for r in records if "val_loss" in r]


def test_training_on_real_speech_reduces_the_loss(tiny_run: Path) -> None:
    out = tiny_run
    train, val = read_log(out)
    assert [r["step"] for r in train] == [10, 20, 30, 40]
    assert train[-1]["loss"] < 0.8 * train[0]["loss"]
    assert train[-1]["mel"] < train[0]["mel"]
    assert [r["step"] for r in val] == [20, 40] and val[1]["val_loss"] < val[0]["val_loss"]
    assert all(0 < r["usage"] <= 1 for r in train)
    for name in ("last.pt", "codec.pt", "curves.png"):
        assert (out / name).stat().st_size > 0
    assert (out / "codec.pt").stat().st_size < (out / "last.pt").stat().st_size / 2
    codec = load_codec(out / "codec.pt")
    assert codec.config.n_codebooks == 4 and codec.config.hop_length == 160


def test_resume_continues_at_the_right_step_with_identical_state(
    dataset_dir: Path, tmp_path: Path
) -> None:
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    common = ("--steps", "4", "--log-every", "1", "--checkpoint-every", "2")
    assert main(train_args(dataset_dir, straight, *common)) == 0
    # A zero time budget stops after the first step, and saves it.
    assert main(train_args(dataset_dir, resumed, *common, "--max-minutes", "0")) == 0
    assert torch.load(resumed / "last.pt", weights_only=True)["step"] == 1
    assert main(train_args(dataset_dir, resumed, *common)) == 0

    a = torch.load(straight / "last.pt", weights_only=True)
    b = torch.load(resumed / "last.pt", weights_only=True)
    assert a["step"] == b["step"] == 4
    assert a["model"].keys() == b["model"].keys()
    for name, value in a["model"].items():  # weights and EMA codebooks alike
        assert torch.equal(value, b["model"][name]), name
    for key, state in a["optimizer"]["state"].items():
        for name, value in state.items():
            assert torch.equal(value, b["optimizer"]["state"][key][name]), name
    assert torch.equal(a["rng"]["torch"], b["rng"]["torch"])
    straight_log, resumed_log = read_log(straight)[0], read_log(resumed)[0]
    assert [r["step"] for r in resumed_log] == [1, 2, 3, 4]
    for x, y in zip(straight_log, resumed_log, strict=True):
        assert x["loss"] == y["loss"], x["step"]


def test_adversarial_training_runs_through_the_cli(dataset_dir: Path, tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    add_codec_commands(parser.add_subparsers(dest="command"))
    out = tmp_path / "adv"
    extra = ("--steps", "12", "--log-every", "3", "--adversarial")
    args = parser.parse_args(["train-codec", *train_args(dataset_dir, out, *extra)])
    assert args.adversarial and args.steps == 12
    assert run_codec_command(args) == 0
    train, _ = read_log(out)
    first, last = train[0], train[-1]
    assert [r["step"] for r in train] == [3, 6, 9, 12]
    # Both sides learn: the codec's reconstruction improves, and the discriminator's hinge
    # loss falls below where it starts (2: it cannot tell real from decoded audio).
    assert last["loss"] < 0.8 * first["loss"], train
    assert last["mel"] < 0.9 * first["mel"], train
    assert first["disc"] > 1.9 and last["disc"] < first["disc"] - 0.1, train
    assert all(r["adversarial"] > 0 and r["feature_matching"] > 0 for r in train)
    assert "discriminator" in torch.load(out / "last.pt", weights_only=True)
    eval_args = parser.parse_args(
        ["eval-codec", "--checkpoint", "x.pt", "--data", "d", "--out", "o", "--items", "3"]
    )
    assert (eval_args.command, eval_args.items, eval_args.threads) == ("eval-codec", 3, 2)


def test_torchrun_ddp_keeps_codebooks_in_step(dataset_dir: Path, tmp_path: Path) -> None:
    """Two CPU processes (gloo): each rank checks at every step that all codebooks agree."""
    out = tmp_path / "ddp"
    command = [
        *(sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"),
        *("-m", "voice_agent.codec.train"),
        *train_args(
            dataset_dir, out, "--steps", "3", "--checkpoint-every", "1", "--log-every", "1"
        ),
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(command, capture_output=True, text=True, timeout=240, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "2 training items" not in result.stderr  # sharded: each rank has its half
    assert torch.load(out / "last.pt", weights_only=True)["step"] == 3
    assert [r["step"] for r in read_log(out)[0]] == [1, 2, 3]


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_bf16_training_on_the_gpu(dataset_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "gpu"
    extra = ("--steps", "20", "--log-every", "10", "--bf16", "--device", "cuda")
    assert main(train_args(dataset_dir, out, *extra)) == 0
    train, _ = read_log(out)
    assert all(math.isfinite(r["loss"]) for r in train)
    assert train[-1]["loss"] < train[0]["loss"]
