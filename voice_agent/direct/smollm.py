"""SmolLM2-135M-Instruct as a torch module, built from the same GGUF the cascade runs.

The direct engine trains small parts around the frozen LLM, so it needs gradients through
it (to the speech adapter) and its hidden states: llama.cpp gives neither. The weights are
dequantised from the shipped Q4_1 GGUF, so training and serving see the LLM the cascade
uses, quantisation error included.

GGUF's LLaMA converter permutes the query and key rows so that llama.cpp's rotary
embedding rotates adjacent pairs (x[2i], x[2i+1]); with those weights we rotate the same
pairs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class LMConfig:
    layers: int = 30
    width: int = 576
    heads: int = 9
    kv_heads: int = 3
    mlp: int = 1536
    vocab: int = 49152
    rope_base: float = 100000.0
    norm_eps: float = 1e-5

    @property
    def head_dim(self) -> int:
        return self.width // self.heads


KV = tuple[torch.Tensor, torch.Tensor]  # (batch, kv_heads, positions, head_dim) each


class RMSNorm(nn.Module):
    def __init__(self, width: int, eps: float) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(width))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        variance = x.float().pow(2).mean(-1, keepdim=True)
        return (x.float() * torch.rsqrt(variance + self.eps)).to(x.dtype) * self.weight


def rope_tables(config: LMConfig, positions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin (batch, 1, positions, head_dim / 2) for adjacent-pair rotation."""
    half = config.head_dim // 2
    steps = torch.arange(half, dtype=torch.float32, device=positions.device)
    inverse = config.rope_base ** (-steps * 2 / config.head_dim)
    angles = positions.float()[..., None] * inverse  # batch x positions x half
    return angles.cos()[:, None], angles.sin()[:, None]


def rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    pairs = x.float().unflatten(-1, (-1, 2))
    even, odd = pairs[..., 0], pairs[..., 1]
    turned = torch.stack([even * cos - odd * sin, even * sin + odd * cos], dim=-1)
    return turned.flatten(-2).to(x.dtype)


class Block(nn.Module):
    def __init__(self, config: LMConfig) -> None:
        super().__init__()
        self.config = config
        width, head_dim = config.width, config.head_dim
        self.attn_norm = RMSNorm(width, config.norm_eps)
        self.q = nn.Linear(width, config.heads * head_dim, bias=False)
        self.k = nn.Linear(width, config.kv_heads * head_dim, bias=False)
        self.v = nn.Linear(width, config.kv_heads * head_dim, bias=False)
        self.o = nn.Linear(config.heads * head_dim, width, bias=False)
        self.mlp_norm = RMSNorm(width, config.norm_eps)
        self.gate = nn.Linear(width, config.mlp, bias=False)
        self.up = nn.Linear(width, config.mlp, bias=False)
        self.down = nn.Linear(config.mlp, width, bias=False)

    def forward(
        self,
        x: torch.Tensor,  # batch x new x width
        rope: tuple[torch.Tensor, torch.Tensor],
        mask: torch.Tensor | None,  # batch x 1 x new x all (True: may attend)
        past: KV | None,
    ) -> tuple[torch.Tensor, KV]:
        config = self.config
        batch, new, _ = x.shape
        h = self.attn_norm(x)
        q = self.q(h).view(batch, new, config.heads, config.head_dim).transpose(1, 2)
        k = self.k(h).view(batch, new, config.kv_heads, config.head_dim).transpose(1, 2)
        v = self.v(h).view(batch, new, config.kv_heads, config.head_dim).transpose(1, 2)
        q, k = rotate(q, *rope), rotate(k, *rope)
        if past is not None:
            k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)
        groups = config.heads // config.kv_heads
        attended = F.scaled_dot_product_attention(
            q,
            k.repeat_interleave(groups, dim=1),
            v.repeat_interleave(groups, dim=1),
            attn_mask=mask,
            is_causal=mask is None and new > 1,
        )
        x = x + self.o(attended.transpose(1, 2).reshape(batch, new, -1))
        h = self.mlp_norm(x)
        x = x + self.down(F.silu(self.gate(h)) * self.up(h))
        return x, (k, v)


@dataclass
class LMOutput:
    hidden: torch.Tensor  # batch x new x width, after the final norm
    cache: list[KV]

    @property
    def length(self) -> int:
        return int(self.cache[0][0].shape[2])


class SmolLM(nn.Module):
    def __init__(self, config: LMConfig) -> None:
        super().__init__()
        self.config = config
        self.embed = nn.Embedding(config.vocab, config.width)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.layers))
        self.norm = RMSNorm(config.width, config.norm_eps)

    def embed_ids(self, ids: torch.Tensor) -> torch.Tensor:
        """Token embeddings of `ids`, wherever they are (on the LLM's device)."""
        return self.embed(ids.to(self.embed.weight.device))

    def logits(self, hidden: torch.Tensor) -> torch.Tensor:
        """Next-token logits; the output head is the (tied) embedding."""
        return hidden @ self.embed.weight.T

    def forward(
        self,
        embeds: torch.Tensor,  # batch x new x width
        cache: list[KV] | None = None,
        valid: torch.Tensor | None = None,  # batch x all, False for padding (right-padded)
    ) -> LMOutput:
        batch, new, _ = embeds.shape
        past = 0 if cache is None else int(cache[0][0].shape[2])
        positions = torch.arange(past, past + new, device=embeds.device).expand(batch, new)
        rope = rope_tables(self.config, positions)
        mask = None
        if valid is not None or (past and new > 1):
            total = past + new
            causal = torch.ones(new, total, dtype=torch.bool, device=embeds.device).tril(past)
            mask = causal[None, None].expand(batch, 1, new, total)
            if valid is not None:
                mask = mask & valid[:, None, None, :total]
        x = embeds
        kept: list[KV] = []
        for index, block in enumerate(self.blocks):
            x, kv = block(x, rope, mask, None if cache is None else cache[index])
            kept.append(kv)
        return LMOutput(self.norm(x), kept)


def default_gguf() -> Path:
    from voice_agent.models.llm import default_gguf_path

    return default_gguf_path()


def load_smollm(path: Path | None = None, dtype: torch.dtype = torch.float32) -> SmolLM:
    """The GGUF's weights, dequantised, in a frozen `SmolLM` (eval mode, no gradients)."""
    from gguf import GGUFReader

    reader = GGUFReader(str(path or default_gguf()))

    def field(name: str) -> float:
        part = reader.fields[name]
        return float(part.parts[part.data[0]][0])

    config = LMConfig(
        layers=int(field("llama.block_count")),
        width=int(field("llama.embedding_length")),
        heads=int(field("llama.attention.head_count")),
        kv_heads=int(field("llama.attention.head_count_kv")),
        mlp=int(field("llama.feed_forward_length")),
        rope_base=field("llama.rope.freq_base"),
        norm_eps=field("llama.attention.layer_norm_rms_epsilon"),
    )
    tensors = {tensor.name: _dequantized(tensor) for tensor in reader.tensors}
    config = LMConfig(**{**config.__dict__, "vocab": tensors["token_embd.weight"].shape[0]})
    model = SmolLM(config)
    names = {
        "attn_norm": "attn_norm",
        "attn_q": "q",
        "attn_k": "k",
        "attn_v": "v",
        "attn_output": "o",
        "ffn_norm": "mlp_norm",
        "ffn_gate": "gate",
        "ffn_up": "up",
        "ffn_down": "down",
    }
    state = {
        "embed.weight": tensors["token_embd.weight"],
        "norm.weight": tensors["output_norm.weight"],
    }
    for index in range(config.layers):
        for ours_from, ours in names.items():
            state[f"blocks.{index}.{ours}.weight"] = tensors[f"blk.{index}.{ours_from}.weight"]
    model.load_state_dict(state)
    model.to(dtype).eval().requires_grad_(False)
    return model


def load_token_embedding(path: Path | None = None) -> nn.Embedding:
    """Only the GGUF's token embeddings (frozen): all that serving needs of the LLM in torch,
    beside llama.cpp (`llama_lm.py`)."""
    from gguf import GGUFReader

    reader = GGUFReader(str(path or default_gguf()))
    tensor = next(t for t in reader.tensors if t.name == "token_embd.weight")
    return nn.Embedding.from_pretrained(_dequantized(tensor), freeze=True)


def _dequantized(tensor: Any) -> torch.Tensor:
    from gguf.quants import dequantize

    values = dequantize(tensor.data, tensor.tensor_type)
    shape = tuple(int(n) for n in reversed(tensor.shape.tolist()))
    return torch.from_numpy(np.array(values, np.float32).reshape(shape))
