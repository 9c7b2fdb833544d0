"""A resumable training loop: AdamW, warm-up then cosine, checkpoints, log.jsonl, curves.

Killed at any point, the same command continues from the last checkpoint: the model, the
optimiser, the step and the random state are saved together, and batches are drawn from a
generator seeded by (seed, step), so a resumed run sees the batches an unbroken one would.
Under `torchrun` each process trains on its share of every batch (`placement.py`); the
leader alone evaluates, logs and saves.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from voice_agent.direct.placement import Placement


@dataclass(frozen=True)
class LoopConfig:
    steps: int
    batch: int
    lr: float
    warmup: int = 50
    weight_decay: float = 0.01
    save_every: int = 200
    evaluate_every: int = 200
    seed: int = 0
    progress: bool = True


Step = Callable[[list[Any]], dict[str, torch.Tensor]]  # batch -> {"loss": ..., other figures}


def learning_rate(config: LoopConfig, step: int) -> float:
    if step < config.warmup:
        return config.lr * (step + 1) / config.warmup
    done = (step - config.warmup) / max(1, config.steps - config.warmup)
    return config.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, done))))


def train(
    name: str,
    model: torch.nn.Module,
    examples: list[Any],
    step_fn: Step,
    evaluate: Callable[[], dict[str, float]],
    config: LoopConfig,
    run: Path,
    placement: Placement,
) -> dict[str, float]:
    """Train `model` (its parameters that require grad; on `placement.device`) for
    `config.steps` steps; returns the last evaluation. `run/<name>.ckpt` is the checkpoint,
    `run/log.jsonl` the log."""
    if not examples:
        raise ValueError(f"{name}: no training examples (more distillation items are needed)")
    if config.batch < placement.world:
        raise ValueError(f"{name}: a batch of {config.batch} cannot be shared by {placement.world}")
    params = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=config.lr, weight_decay=config.weight_decay)
    checkpoint = run / f"{name}.ckpt"
    step = 0
    last: dict[str, float] = {}
    if checkpoint.exists():
        state = torch.load(checkpoint, weights_only=False, map_location=placement.device)
        model.load_state_dict(state["model"])
        optimiser.load_state_dict(state["optimiser"])
        step, last = state["step"], state.get("evaluation", {})
    placement.same_start(model)
    leads = placement.leads
    log = (run / "log.jsonl").open("a") if leads else None
    bar = tqdm(
        total=config.steps, initial=step, desc=name, unit="step", disable=not config.progress
    )
    started = time.monotonic()
    while step < config.steps:
        picker = random.Random(config.seed * 1_000_003 + step)
        torch.manual_seed(config.seed * 1_000_003 + step)  # what a step draws (e.g. crops)
        batch = picker.sample(examples, min(config.batch, len(examples)))
        for group in optimiser.param_groups:
            group["lr"] = learning_rate(config, step)
        model.train()
        figures = step_fn(placement.share(batch))
        optimiser.zero_grad(set_to_none=True)
        figures["loss"].backward()
        placement.average_gradients(params)
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimiser.step()
        step += 1
        figures = {k: placement.average(v) for k, v in figures.items()}
        bar.set_postfix(loss=f"{float(figures['loss']):.3f}")
        bar.update()
        if not leads:
            continue
        record = {"stage": name, "step": step, "lr": learning_rate(config, step - 1)}
        record.update({k: round(float(v.detach()), 5) for k, v in figures.items()})
        record["seconds"] = round(time.monotonic() - started, 1)
        if step % config.evaluate_every == 0 or step == config.steps:
            model.eval()
            last = evaluate()
            record.update({f"eval_{k}": v for k, v in last.items()})
        assert log is not None
        log.write(json.dumps(record) + "\n")
        log.flush()
        if step % config.save_every == 0 or step == config.steps:
            save = {"model": model.state_dict(), "optimiser": optimiser.state_dict()}
            torch.save({**save, "step": step, "evaluation": last}, checkpoint.with_suffix(".tmp"))
            checkpoint.with_suffix(".tmp").rename(checkpoint)
    bar.close()
    if log is not None:
        log.close()
    return last


def plot_curves(run: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    log = run / "log.jsonl"
    records = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    stages = sorted({r["stage"] for r in records})
    if not stages:
        return
    figure, axes = plt.subplots(1, len(stages), figsize=(5 * len(stages), 3.5), squeeze=False)
    for axis, stage in zip(axes[0], stages, strict=True):
        rows = [r for r in records if r["stage"] == stage]
        for key in sorted({k for r in rows for k in r if k.endswith("loss")}):
            points = [(r["step"], r[key]) for r in rows if key in r]
            axis.plot(*zip(*points, strict=True), label=key)
        axis.set_title(stage)
        axis.set_xlabel("step")
        axis.legend()
    figure.tight_layout()
    figure.savefig(run / "curves.png", dpi=100)
    plt.close(figure)
