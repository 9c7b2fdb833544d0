"""Where training runs: one device, or one share of a `torchrun` job.

The trained parts are small (a few million parameters) and the frozen LLM's forward pass is
what costs, so several processes split each batch and average their gradients explicitly
after the backward pass (a few megabytes per step); no DistributedDataParallel wrapper is
needed around modules whose loss closures already hold them. Every process draws the same
batch from the seeded sampler and takes its own slice of it.
"""

from __future__ import annotations

import contextlib
import datetime
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import torch
import torch.distributed as dist

from voice_agent.direct.config import DEVICES

# The leader makes the feature caches while the others wait; that can take hours.
CACHE_WAIT = datetime.timedelta(hours=12)

Item = TypeVar("Item")


@dataclass(frozen=True)
class Placement:
    device: torch.device
    rank: int = 0
    world: int = 1

    @property
    def leads(self) -> bool:
        """The process that writes: caches, logs, checkpoints, the model."""
        return self.rank == 0

    def share(self, batch: list[Item]) -> list[Item]:
        return batch[self.rank :: self.world]

    def average_gradients(self, params: Iterable[torch.nn.Parameter]) -> None:
        if self.world == 1:
            return
        for param in params:
            if param.grad is None:  # unused this step here, maybe not elsewhere
                param.grad = torch.zeros_like(param)
            dist.all_reduce(param.grad)
            param.grad /= self.world

    def average(self, value: torch.Tensor) -> torch.Tensor:
        """A figure (e.g. the loss) averaged over the processes, for the log."""
        if self.world == 1:
            return value
        value = value.detach().clone()
        dist.all_reduce(value)
        return value / self.world

    def same_start(self, module: torch.nn.Module) -> None:
        """Every process starts from the leader's weights."""
        if self.world > 1:
            for tensor in module.state_dict().values():
                dist.broadcast(tensor, 0)

    @contextlib.contextmanager
    def leader_first(self) -> Iterator[None]:
        """The leader runs the block first (it makes the caches), then the others (they
        read them)."""
        if not self.leads:
            dist.barrier()
        yield
        if self.leads and self.world > 1:
            dist.barrier()

    def done(self) -> None:
        if self.world > 1:
            dist.barrier()
            dist.destroy_process_group()


def place(device: str = "auto") -> Placement:
    """This process's placement: `device` ("auto": CUDA when there is one), and under
    `torchrun` (WORLD_SIZE > 1) its rank, one GPU per process."""
    if device not in DEVICES:
        raise ValueError(f"unknown device {device!r}; one of {', '.join(DEVICES)}")
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("--device cuda, but torch sees no CUDA device")
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    where = torch.device(f"cuda:{local_rank}" if device == "cuda" else "cpu")
    if where.type == "cuda":
        torch.cuda.set_device(where)
    if world > 1 and not dist.is_initialized():
        backend = "nccl" if where.type == "cuda" else "gloo"
        dist.init_process_group(backend, timeout=CACHE_WAIT)
    return Placement(where, rank, world)


def on(device: torch.device, example: dict[str, Any]) -> dict[str, Any]:
    """`example` with its tensors on `device` (the cached examples live in host memory)."""
    return {
        key: value.to(device, non_blocking=True) if isinstance(value, torch.Tensor) else value
        for key, value in example.items()
    }
