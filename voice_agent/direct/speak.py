"""The speech head: the LLM's reply tokens (hidden states and embeddings) into voice tokens.

It reads top to bottom as it runs:
1. each reply token becomes a vector: its final hidden state (what the LLM meant there)
   next to its input embedding (which token it is), through two convolutions that see one
   token ahead (a word's sound depends on the next one);
2. durations: how many voice frames each token lasts (log scale);
3. each token's vector is repeated for its frames, told where in the token each frame
   sits, and dilated convolutions over the frames pick each frame's voice token.
The look-ahead is bounded (one LLM token, then `frame_lookahead` frames), so the head runs
while the LLM is still writing; `tests/direct` checks the streamed codes equal the whole.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class SpeechHeadConfig:
    lm_width: int = 576
    width: int = 192
    dilations: tuple[int, ...] = (1, 2, 4, 8, 16, 1, 2, 4)
    kernel: int = 3
    codes: int = 1024  # the voice tokenizer's codebook

    @property
    def frame_lookahead(self) -> int:
        return sum(self.dilations) * (self.kernel // 2)


class FrameBlock(nn.Module):
    def __init__(self, width: int, kernel: int, dilation: int) -> None:
        super().__init__()
        self.conv = nn.Conv1d(
            width, width, kernel, dilation=dilation, padding=dilation * (kernel // 2)
        )
        self.norm = nn.LayerNorm(width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # batch x frames x width
        return x + self.norm(F.gelu(self.conv(x.transpose(1, 2)).transpose(1, 2)))


class SpeechHead(nn.Module):
    def __init__(self, config: SpeechHeadConfig) -> None:
        super().__init__()
        self.config = config
        width = config.width
        self.token_in = nn.Linear(2 * config.lm_width, width)
        self.token_ahead = nn.Conv1d(width, width, 3)  # one token behind, one ahead
        self.token_behind = nn.Conv1d(width, width, 3)  # two tokens behind
        self.token_norm = nn.LayerNorm(width)
        self.durations = nn.Linear(width, 1)
        self.where = nn.Linear(3, width)
        self.blocks = nn.ModuleList(FrameBlock(width, config.kernel, d) for d in config.dilations)
        self.out = nn.Linear(width, config.codes)

    def tokens(self, hidden: torch.Tensor, embeds: torch.Tensor) -> torch.Tensor:
        """batch x tokens x 576 (each) -> batch x tokens x width. Token t needs t + 1."""
        x = self.token_in(torch.cat([hidden, embeds], dim=-1)).transpose(1, 2)
        x = F.gelu(self.token_ahead(F.pad(x, (1, 1))))
        x = F.gelu(self.token_behind(F.pad(x, (2, 0))))
        return self.token_norm(x.transpose(1, 2))

    def log_frames(self, tokens: torch.Tensor) -> torch.Tensor:
        """Predicted log(1 + frames) of each token: batch x tokens."""
        return self.durations(tokens).squeeze(-1)

    def frames(self, tokens: torch.Tensor, counts: torch.Tensor) -> torch.Tensor:
        """Logits (batch x frames x codes) of each token repeated `counts` (batch x tokens)
        times; the batch is padded at the end to the longest."""
        rows = [expand(t, c) for t, c in zip(tokens, counts, strict=True)]
        x = nn.utils.rnn.pad_sequence(rows, batch_first=True)
        return self.frame_logits(x)

    def frame_logits(self, expanded: torch.Tensor) -> torch.Tensor:
        """expanded: batch x frames x (width + 3), as `expand` makes it."""
        x = expanded[..., : self.config.width] + self.where(expanded[..., self.config.width :])
        for block in self.blocks:
            x = block(x)
        return self.out(x)


def expand(tokens: torch.Tensor, counts: torch.Tensor) -> torch.Tensor:
    """One token sequence (tokens x width) repeated by `counts`, each frame with where it
    sits in its token: (fraction through it, index / 16, length / 32)."""
    counts = counts.clamp(min=0)
    repeated = tokens.repeat_interleave(counts, dim=0)
    starts = torch.cumsum(counts, 0) - counts
    owner = torch.repeat_interleave(torch.arange(len(counts)), counts)
    index = torch.arange(len(owner)) - starts[owner]
    length = counts[owner].float()
    where = torch.stack([(index + 0.5) / length, index / 16.0, length / 32.0], dim=-1)
    return torch.cat([repeated, where.to(repeated.dtype)], dim=-1)


def frames_from_log(log_frames: torch.Tensor) -> torch.Tensor:
    return torch.clamp(torch.round(torch.expm1(log_frames)), min=0).long()
