"""The speech head: the reply's phoneme positions, with the LLM's state of each word, into
voice tokens and their lengths.

It reads top to bottom as it runs:
1. each complete written word becomes a vector: the LLM's final hidden state at its last
   token (what the model meant there) next to the mean input embedding of its tokens;
2. each phoneme position (`pronounce`) is its phoneme's embedding plus its word's vector;
3. convolutions over the positions, most looking only back and a few a little ahead (a
   sound depends on the next one), give each position its voice token and its frames
   (log scale). A position's voice token holds for all its frames, as Piper's prior does.
The look-ahead is bounded (`lookahead` positions), so the head runs while the LLM is still
writing; `tests/direct` checks the streamed codes equal the whole reply's.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class SpeechHeadConfig:
    lm_width: int = 576
    symbols: int = 256  # the voice's phoneme ids (Piper voices use fewer)
    width: int = 256
    dilations: tuple[int, ...] = (1, 2, 4, 8, 1, 2, 4, 8)
    ahead: tuple[int, ...] = (1, 1, 0, 0, 1, 1, 0, 0)  # 1: the block also looks ahead
    kernel: int = 3
    codes: int = 1024  # the voice tokenizer's codebook

    @property
    def lookahead(self) -> int:
        """Positions after a position that its outputs depend on."""
        half = self.kernel // 2
        return sum(d * half for d, a in zip(self.dilations, self.ahead, strict=True) if a)

    @property
    def lookback(self) -> int:
        half = self.kernel // 2
        return sum(
            d * (half if a else 2 * half) for d, a in zip(self.dilations, self.ahead, strict=True)
        )


class PositionBlock(nn.Module):
    def __init__(self, width: int, kernel: int, dilation: int, ahead: bool) -> None:
        super().__init__()
        span = dilation * (kernel - 1)
        self.pad = (span // 2, span - span // 2) if ahead else (span, 0)
        self.conv = nn.Conv1d(width, width, kernel, dilation=dilation)
        self.norm = nn.LayerNorm(width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # batch x positions x width
        y = self.conv(F.pad(x.transpose(1, 2), self.pad)).transpose(1, 2)
        return x + self.norm(F.gelu(y))


class SpeechHead(nn.Module):
    def __init__(self, config: SpeechHeadConfig) -> None:
        super().__init__()
        self.config = config
        width = config.width
        self.word_in = nn.Linear(2 * config.lm_width, width)
        self.phoneme = nn.Embedding(config.symbols, width)
        self.blocks = nn.ModuleList(
            PositionBlock(width, config.kernel, d, bool(a))
            for d, a in zip(config.dilations, config.ahead, strict=True)
        )
        self.codes = nn.Linear(width, config.codes)
        self.durations = nn.Linear(width, 1)

    def words(self, hidden: torch.Tensor, embeds: torch.Tensor) -> torch.Tensor:
        """Word vectors from (words x 576) last-token hidden states and mean embeddings."""
        return F.gelu(self.word_in(torch.cat([hidden, embeds], dim=-1)))

    def forward(
        self, phonemes: torch.Tensor, word_vectors: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """phonemes (batch x positions, ids) and each position's word vector (batch x
        positions x width) -> (code logits: batch x positions x codes, log(1 + frames))."""
        x = self.phoneme(phonemes) + word_vectors
        for block in self.blocks:
            x = block(x)
        return self.codes(x), self.durations(x).squeeze(-1)


def word_inputs(
    hidden: torch.Tensor, embeds: torch.Tensor, spans: list[tuple[int, int]]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per word (its first and last token): the last token's hidden state and the mean
    embedding of its tokens. hidden, embeds: tokens x 576."""
    last = torch.stack([hidden[b] for _, b in spans])
    mean = torch.stack([embeds[a : b + 1].mean(0) for a, b in spans])
    return last, mean


def frames_from_log(log_frames: torch.Tensor) -> torch.Tensor:
    return torch.clamp(torch.round(torch.expm1(log_frames)), min=0).long()
