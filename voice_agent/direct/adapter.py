"""Whisper encoder frames into SmolLM2's embedding space (the trained part that hears)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class AdapterConfig:
    stack: int = 4  # 50 Hz encoder frames -> 12.5 Hz LLM positions
    encoder_width: int = 384
    hidden: int = 1024
    lm_width: int = 576


class SpeechAdapter(nn.Module):
    def __init__(self, config: AdapterConfig) -> None:
        super().__init__()
        self.config = config
        self.project = nn.Sequential(
            nn.Linear(config.stack * config.encoder_width, config.hidden),
            nn.GELU(),
            nn.Linear(config.hidden, config.lm_width),
        )

    def positions(self, frames: int) -> int:
        return -(-frames // self.config.stack)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        """batch x frames x 384 (zero-padded) -> batch x positions x 576."""
        batch, count, width = frames.shape
        stack = self.config.stack
        padded = nn.functional.pad(frames, (0, 0, 0, self.positions(count) * stack - count))
        return self.project(padded.reshape(batch, -1, stack * width))
