"""Trained weights on disk: stored in bf16 so the shipped model stays small, run in fp32."""

from __future__ import annotations

from pathlib import Path

import torch


def save_small(model: torch.nn.Module, path: Path) -> None:
    torch.save({k: v.to(torch.bfloat16) for k, v in model.state_dict().items()}, path)


def load_float(path: Path) -> dict[str, torch.Tensor]:
    return {k: v.float() for k, v in torch.load(path, weights_only=True).items()}
