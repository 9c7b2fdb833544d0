"""Train the codec.

    python -m voice_agent.codec.train --data DATASET_DIR --out runs/codec --config tiny --steps 200
    torchrun --standalone --nproc_per_node=8 -m voice_agent.codec.train --data ... --bf16

Runs on the CPU, one GPU, or under torchrun (DDP when WORLD_SIZE > 1: rank 0 logs, evaluates
and saves). OUT/last.pt holds everything needed to continue (weights, EMA codebooks, optimizers,
step, RNG) and a rerun with the same OUT continues from it; batches are a pure function of
(seed, rank, step), so a resumed run sees what an uninterrupted one would have. OUT/codec.pt is
the small bf16 export to ship, OUT/log.jsonl the losses, OUT/curves.png their plot.
`--max-minutes` (or SIGTERM / Ctrl-C) stops cleanly and saves, so a time-limited call keeps its
work.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch import nn

from voice_agent.codec.checkpoint import save_checkpoint
from voice_agent.codec.curves import plot_curves
from voice_agent.codec.data import CropBatches, find_items, load_all, split_items
from voice_agent.codec.losses import (
    LossConfig,
    MultiScaleSTFTDiscriminator,
    ReconstructionLoss,
    Scores,
    discriminator_loss,
    generator_losses,
)
from voice_agent.codec.model import (
    PRESETS,
    Codec,
    CodecConfig,
    num_parameters,
    preset,
)
from voice_agent.codec.options import HelpFormatter, add_train_arguments


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m voice_agent.codec.train", description=__doc__, formatter_class=HelpFormatter
    )
    add_train_arguments(parser)
    return parser


def lr_at(step: int, args: argparse.Namespace) -> float:
    """Linear warm-up, then cosine decay to a tenth at --steps."""
    warmup = min(1.0, (step + 1) / max(1, args.warmup_steps))
    progress = min(1.0, step / max(1, args.steps))
    return args.lr * warmup * (0.1 + 0.45 * (1 + math.cos(math.pi * progress)))


def _json_safe(args: argparse.Namespace) -> dict[str, Any]:
    def safe(value: Any) -> Any:
        if isinstance(value, list | tuple):
            return [safe(v) for v in value]
        return str(value) if isinstance(value, Path) else value

    return {k: safe(v) for k, v in vars(args).items() if not callable(v)}


class StopFlag:
    """Set by SIGTERM / SIGINT (while training) so the loop can save and leave."""

    def __init__(self) -> None:
        self.set = False

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        def handler(signum: int, frame: object) -> None:
            self.set = True

        if threading.current_thread() is not threading.main_thread():  # signals go to main
            yield
            return
        previous = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for s, h in previous.items():
                signal.signal(s, h)


class Trainer:
    """The training state of one process, and the steps that change it."""

    def __init__(self, args: argparse.Namespace, rank: int, world: int, device: torch.device):
        self.args, self.rank, self.world, self.device = args, rank, world, device
        self.out: Path = args.out
        resume = self.out / "last.pt"
        state = (
            torch.load(resume, map_location="cpu", weights_only=True) if resume.exists() else None
        )
        config = CodecConfig.from_dict(state["config"]) if state else preset(args.config)
        if state and config != PRESETS.get(args.config) and rank == 0:
            print(f"resuming {resume}: its own config wins over --config {args.config}")
        self.config = config
        torch.manual_seed(args.seed)
        self.codec = Codec(config).to(device)
        self.loss_config = LossConfig()
        self.reconstruction = ReconstructionLoss(config.sample_rate, self.loss_config).to(device)
        self.optimizer = torch.optim.Adam(self.codec.parameters(), args.lr, betas=(0.8, 0.99))
        self.disc: nn.Module | None = None
        self.disc_optimizer: torch.optim.Optimizer | None = None
        if args.adversarial:
            self.disc = MultiScaleSTFTDiscriminator(self.loss_config).to(device)
            self.disc_optimizer = torch.optim.Adam(
                self.disc.parameters(), args.lr, betas=(0.8, 0.99)
            )
        self.step = 0
        if state:
            self._restore(state)
        self.model: nn.Module = self.codec
        self.disc_model: nn.Module | None = self.disc
        if world > 1:  # codebooks stay in step by themselves: see quantizer.Codebook
            ids = [device.index] if device.type == "cuda" else None
            with warnings.catch_warnings():  # torch 2.13 renames it; the GPU box has 2.11
                warnings.filterwarnings("ignore", "`broadcast_buffers` is deprecated")
                self.model = nn.parallel.DistributedDataParallel(
                    self.codec, device_ids=ids, broadcast_buffers=False
                )
            if self.disc is not None:
                self.disc_model = nn.parallel.DistributedDataParallel(self.disc, device_ids=ids)
        self.autocast = torch.autocast(
            device.type, dtype=torch.bfloat16, enabled=args.bf16 and device.type == "cuda"
        )

    def _restore(self, state: dict[str, Any]) -> None:
        self.codec.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.disc is not None and self.disc_optimizer is not None and "discriminator" in state:
            self.disc.load_state_dict(state["discriminator"])
            self.disc_optimizer.load_state_dict(state["disc_optimizer"])
        self.step = int(state["step"])
        torch.set_rng_state(state["rng"]["torch"])
        if self.device.type == "cuda" and state["rng"].get("cuda"):
            torch.cuda.set_rng_state(state["rng"]["cuda"][self.rank % len(state["rng"]["cuda"])])

    def save(self) -> None:
        extra: dict[str, Any] = {
            "step": self.step,
            "optimizer": self.optimizer.state_dict(),
            "rng": {
                "torch": torch.get_rng_state(),
                "cuda": torch.cuda.get_rng_state_all() if self.device.type == "cuda" else [],
            },
            "args": _json_safe(self.args),
        }
        if self.disc is not None and self.disc_optimizer is not None:
            extra["discriminator"] = self.disc.state_dict()
            extra["disc_optimizer"] = self.disc_optimizer.state_dict()
        save_checkpoint(self.out / "last.pt", self.codec, extra=extra)
        save_checkpoint(self.out / "codec.pt", self.codec, bf16=True, extra={"step": self.step})

    def check_in_sync(self) -> None:
        """Under DDP, fail loudly if the ranks' codebooks have drifted apart (they must not)."""
        if self.world == 1:
            return
        sums = torch.stack([b.double().sum() for b in self.codec.quantizer.buffers()])
        low, high = sums.clone(), sums.clone()
        dist.all_reduce(low, op=dist.ReduceOp.MIN)
        dist.all_reduce(high, op=dist.ReduceOp.MAX)
        if not torch.equal(low, high):
            raise RuntimeError(f"codebooks differ between ranks at step {self.step}")

    def train_step(self, wav: torch.Tensor) -> dict[str, torch.Tensor]:
        for group in self.optimizer.param_groups:
            group["lr"] = lr_at(self.step, self.args)
        with self.autocast:
            out = self.model(wav)  # audio [B, 1, T], codes [B, n_q, T / hop]
        terms = self.reconstruction(out.audio, wav)
        terms["commitment"] = out.commitment
        logs: dict[str, torch.Tensor] = {}
        if self.disc is not None:
            logs["disc"] = self._disc_step(wav, out.audio.detach())
            self.disc.requires_grad_(False)  # the generator's loss trains the codec only
            with self.autocast:
                scores = self.disc(torch.cat([wav, out.audio]))
            real, fake = _split_scores(scores)
            terms.update(generator_losses(real, fake))
            self.disc.requires_grad_(True)
        weights = self.loss_config
        loss = sum(getattr(weights, name) * value for name, value in terms.items())
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        logs["grad_norm"] = nn.utils.clip_grad_norm_(self.codec.parameters(), 1.0)
        self.optimizer.step()
        self.step += 1
        logs.update(terms, loss=loss, usage=out.usage.mean(), perplexity=out.perplexity.mean())
        return {k: v.detach().float() for k, v in logs.items()}

    def _disc_step(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        assert self.disc_model is not None and self.disc_optimizer is not None
        for group in self.disc_optimizer.param_groups:
            group["lr"] = lr_at(self.step, self.args)
        with self.autocast:  # one forward over real and fake: DDP allows one per backward
            loss = discriminator_loss(*_split_scores(self.disc_model(torch.cat([real, fake]))))
        self.disc_optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.disc_optimizer.step()
        return loss

    @torch.no_grad()
    def validate(self, wav: torch.Tensor) -> dict[str, float]:
        self.codec.eval()
        with self.autocast:
            out = self.codec(wav)
        terms = self.reconstruction(out.audio, wav)
        terms["commitment"] = out.commitment
        self.codec.train()
        loss = self.reconstruction.total(terms)
        return {"val_loss": float(loss), **{f"val_{k}": float(v) for k, v in terms.items()}}


def _split_scores(scores: Scores) -> tuple[Scores, Scores]:
    """Discriminator outputs over cat([real, fake]) as (real, fake) halves."""

    def half(i: int) -> Scores:
        return [
            (logits.chunk(2)[i], [f.chunk(2)[i] for f in features]) for logits, features in scores
        ]

    return half(0), half(1)


def run(args: argparse.Namespace) -> int:
    started = time.monotonic()
    rank, world = int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1))
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    name = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(f"cuda:{local_rank}" if name == "cuda" else name)
    if device.type == "cuda":
        torch.cuda.set_device(device)
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
    if world > 1:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    try:
        return _train(args, rank, world, device, started)
    finally:
        if world > 1:
            # Tearing gloo down while the peer is still saving aborted a rank at exit
            # ("terminate called without an active exception"): leave together.
            with contextlib.suppress(RuntimeError):
                dist.barrier()
            dist.destroy_process_group()


def _train(
    args: argparse.Namespace, rank: int, world: int, device: torch.device, started: float
) -> int:
    from tqdm import tqdm

    args.out.mkdir(parents=True, exist_ok=True)
    trainer = Trainer(args, rank, world, device)
    config, main = trainer.config, rank == 0
    hop = config.hop_length
    segment = max(1, round(args.segment_s * config.sample_rate / hop)) * hop

    train_items, heldout = split_items(find_items(args.data))
    shard = train_items[rank::world] if len(train_items) >= world else train_items
    batches = CropBatches(
        load_all(shard, config.sample_rate),
        [item.role for item in shard],
        segment,
        args.batch_size,
        seed=args.seed,
        rank=rank,
        start=trainer.step,
        role_weights={"assistant": args.assistant_weight},
    )
    loader = torch.utils.data.DataLoader(
        batches,
        batch_size=None,
        num_workers=args.workers,
        pin_memory=device.type == "cuda",
        generator=torch.Generator(),  # leaves the global RNG (saved in checkpoints) alone
    )
    val_wav = None
    if main and heldout:
        val_batches = CropBatches(
            load_all(heldout, config.sample_rate),
            [item.role for item in heldout],
            segment,
            min(16, args.batch_size),
            seed=args.seed + 1,
        )
        val_wav = val_batches.batch(0).to(device)

    log_path = args.out / "log.jsonl"
    if main:
        if log_path.exists():  # drop lines of steps the resumed state has not seen
            kept = [
                line
                for line in log_path.read_text().splitlines()
                if line.strip() and json.loads(line)["step"] <= trainer.step
            ]
            log_path.write_text("".join(line + "\n" for line in kept))
        print(
            f"codec {num_parameters(trainer.codec) / 1e6:.2f}M parameters, "
            f"{config.bitrate:.0f} bit/s; {len(train_items)} training items "
            f"({len(shard)} on this rank), {len(heldout)} held out; from step {trainer.step}",
            file=sys.stderr,
        )

    def log(record: dict[str, Any]) -> None:
        with log_path.open("a") as f:
            f.write(json.dumps({"step": trainer.step, **record}) + "\n")

    def checkpoint() -> None:
        if val_wav is not None:
            log(trainer.validate(val_wav))
        trainer.save()
        if log_path.exists():
            plot_curves(log_path, args.out / "curves.png")

    saved = trainer.step if (args.out / "last.pt").exists() else None
    deadline = started + args.max_minutes * 60 if args.max_minutes is not None else math.inf
    stop = StopFlag()
    sums: dict[str, torch.Tensor] = {}
    count, last_log, step_time = 0, time.monotonic(), 0.0
    bar = tqdm(total=args.steps, initial=trainer.step, disable=not main, dynamic_ncols=True)
    with stop.installed():
        batches_iter = iter(loader)
        while trainer.step < args.steps:
            tick = time.monotonic()
            wav = next(batches_iter).to(device, non_blocking=True)
            logs = trainer.train_step(wav)
            for k, v in logs.items():
                sums[k] = sums.get(k, 0.0) + v
            count += 1
            bar.update(1)
            now = time.monotonic()
            step_time = now - tick if step_time == 0.0 else 0.9 * step_time + 0.1 * (now - tick)
            if main and (trainer.step % args.log_every == 0 or trainer.step == args.steps):
                record = {k: round(float(v) / count, 5) for k, v in sums.items()}
                record.update(
                    lr=lr_at(trainer.step - 1, args),
                    steps_per_s=round(count / (now - last_log), 3),
                    elapsed_s=round(now - started, 1),
                )
                log(record)
                bar.set_postfix(loss=f"{record['loss']:.3f}", mel=f"{record['mel']:.3f}")
                sums, count, last_log = {}, 0, now
            if trainer.step % args.checkpoint_every == 0:
                trainer.check_in_sync()
            if main and trainer.step % args.checkpoint_every == 0:
                checkpoint()
                saved = trainer.step
            # Leave room for two more steps and the final save before the deadline.
            late = time.monotonic() + 2 * step_time + 5 > deadline
            halt = torch.tensor(float(stop.set or late))
            if world > 1:
                halt = halt.to(device)
                dist.all_reduce(halt, op=dist.ReduceOp.MAX)
            if halt.item() > 0:
                if main:
                    print(
                        f"\nstopping at step {trainer.step}: time budget or signal", file=sys.stderr
                    )
                break
    bar.close()
    if main:
        if saved != trainer.step:
            checkpoint()
        print(f"saved {args.out / 'last.pt'} and {args.out / 'codec.pt'} at step {trainer.step}")
    return 0


def main(argv: list[str] | None = None) -> int:
    return run(build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
