"""Trained weights on disk: shipped in bf16 so `models/` stays small, run in float32.

Only floating-point tensors change type: integer buffers (counters, indices) are kept."""

from __future__ import annotations

from pathlib import Path

import torch

State = dict[str, torch.Tensor]


def to_bf16(state: State) -> State:
    return {k: v.to(torch.bfloat16) if v.is_floating_point() else v for k, v in state.items()}


def to_float(state: State) -> State:
    return {k: v.float() if v.is_floating_point() else v for k, v in state.items()}


def save_small(model: torch.nn.Module, path: Path) -> None:
    """The model's weights in bf16, on the CPU (loadable where there is no GPU)."""
    torch.save(to_bf16({k: v.cpu() for k, v in model.state_dict().items()}), path)


def load_float(path: Path) -> State:
    return to_float(torch.load(path, weights_only=True, map_location="cpu"))
