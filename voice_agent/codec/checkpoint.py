"""Codec checkpoints: config and weights in one file, the full training state or a bf16
export for shipping."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from voice_agent.codec.model import Codec, CodecConfig
from voice_agent.weights import to_bf16, to_float

# Running statistics only training needs; a shipped (bf16) export leaves them out.
_TRAINING_BUFFERS = ("embed_sum", "usage")


def save_checkpoint(
    path: Path, codec: Codec, *, bf16: bool = False, extra: dict[str, Any] | None = None
) -> None:
    """Config + weights (+ `extra`, e.g. optimizer state) in one file, written atomically.

    `bf16` halves the size for shipping and drops the EMA statistics: for inference only."""
    state = codec.state_dict()
    if bf16:
        state = to_bf16(
            {k: v for k, v in state.items() if k.rsplit(".", 1)[-1] not in _TRAINING_BUFFERS}
        )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save({"config": codec.config.to_dict(), "model": state, **(extra or {})}, tmp)
    os.replace(tmp, path)


def load_codec(path: Path, device: str | torch.device = "cpu") -> Codec:
    """A codec from `save_checkpoint`'s file (full or bf16 export), float32, in eval mode;
    `.for_inference()` readies it for streaming."""
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    codec = Codec(CodecConfig.from_dict(checkpoint["config"]))
    state = to_float(checkpoint["model"])
    missing, unexpected = codec.load_state_dict(state, strict=False)
    if unexpected or any(k.rsplit(".", 1)[-1] not in _TRAINING_BUFFERS for k in missing):
        raise ValueError(f"{path}: checkpoint does not fit its config: {missing} {unexpected}")
    if missing:  # an export: restart the EMA statistics from the codebooks themselves
        for codebook in codec.quantizer.stages:
            codebook.embed_sum.copy_(codebook.embed)
            codebook.usage.fill_(1.0)
    return codec.to(device).eval()
