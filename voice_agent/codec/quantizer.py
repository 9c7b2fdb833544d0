"""Residual vector quantiser with EMA codebooks and dead-code restarts.

Stage i quantises what stages < i left over, so the first codebooks carry the coarse sound and
later ones the detail; the codes' vectors add up to the encoder's latent. Codebook vectors are
no parameters: they follow the moving average of the latents assigned to them (steadier than
gradients), and codes that fall out of use restart on latents of the current batch.
"""

from __future__ import annotations

from typing import NamedTuple, cast

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import Tensor, nn


def _distributed() -> bool:
    return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1


class Codebook(nn.Module):
    """One VQ stage. Under DDP the statistics are summed over ranks and restarts come from
    rank 0, so every rank keeps the same codebook without broadcasting buffers."""

    # Buffers (register_buffer), declared for the type checker.
    embed: Tensor
    embed_sum: Tensor
    usage: Tensor
    updates: Tensor

    def __init__(self, size: int, dim: int, decay: float, dead_ratio: float):
        super().__init__()
        self.decay, self.dead_ratio = decay, dead_ratio
        self.register_buffer("embed", torch.randn(size, dim))  # [K, D]
        self.register_buffer("embed_sum", torch.randn(size, dim))  # EMA of sums assigned
        self.register_buffer("usage", torch.ones(size))  # EMA of counts assigned
        self.register_buffer("updates", torch.tensor(0))

    def nearest(self, x: Tensor) -> Tensor:
        # x [N, D] -> codes [N]; |x|^2 is the same for every code, so it is left out
        return (self.embed.pow(2).sum(1) - 2 * x @ self.embed.t()).argmin(1)

    def _sample(self, x: Tensor, n: int) -> Tensor:
        # n vectors of x [N, D], moved apart by a little noise (1% of the spread of each
        # dimension): silence gives many equal vectors, and equal codes would tie.
        if len(x) >= n:
            picks = x[torch.randperm(len(x), device=x.device)[:n]]
        else:
            picks = x[torch.randint(len(x), (n,), device=x.device)]
        picks = picks + 0.01 * x.std(0, correction=0) * torch.randn_like(picks)
        if _distributed():
            dist.broadcast(picks, src=0)
        return picks

    @torch.no_grad()
    def initialize(self, x: Tensor) -> None:
        """Codes from the first training batch [N, D], not from noise: a latent far from every
        code would start training with a huge commitment loss."""
        self.embed.copy_(self._sample(x, self.embed.shape[0]))
        self.embed_sum.copy_(self.embed)
        self.usage.fill_(1.0)

    @torch.no_grad()
    def update(self, x: Tensor, codes: Tensor) -> None:
        # x [N, D] float32, codes [N]
        size = self.embed.shape[0]
        # Early on the latents move fast: a short memory at first (TensorFlow's EMA trick)
        # keeps codes on them and lets unused ones restart within steps, not hundreds.
        decay = ((1 + self.updates) / (10 + self.updates)).clamp(max=self.decay).to(x.dtype)
        self.updates += 1
        counts = torch.bincount(codes, minlength=size).to(x.dtype)
        sums = torch.zeros_like(self.embed).index_add_(0, codes, x)
        if _distributed():
            dist.all_reduce(counts)
            dist.all_reduce(sums)
        self.usage.mul_(decay).add_(counts * (1 - decay))
        self.embed_sum.mul_(decay).add_(sums * (1 - decay))
        threshold = self.dead_ratio * self.usage.mean()
        dead = self.usage < threshold
        n_dead = int(dead.sum())  # the same on every rank: usage is summed over ranks
        if n_dead:
            # Restarted with just the threshold usage: unused again, it is restarted again.
            self.usage[dead] = threshold
            self.embed_sum[dead] = self._sample(x, n_dead) * threshold
        total = self.usage.sum()  # Laplace smoothing keeps rare codes off a zero divide
        smoothed = (self.usage + 1e-5) / (total + size * 1e-5) * total
        self.embed.copy_(self.embed_sum / smoothed[:, None])


class QuantizerOutput(NamedTuple):
    quantized: Tensor  # [B, D, T], straight-through: the codes' values, the identity's gradient
    codes: Tensor  # [B, n_q, T]
    commitment: Tensor  # scalar: mean squared distance of each stage's input to its code
    usage: Tensor  # [n_q] fraction of each codebook used in this batch
    perplexity: Tensor  # [n_q] exp(entropy) of each codebook's code distribution in this batch


class ResidualVQ(nn.Module):
    def __init__(self, n_codebooks: int, size: int, dim: int, decay: float, dead_ratio: float):
        super().__init__()
        self.codebooks = nn.ModuleList(
            Codebook(size, dim, decay, dead_ratio) for _ in range(n_codebooks)
        )

    @property
    def stages(self) -> list[Codebook]:
        """The codebooks, typed (a ModuleList only knows it holds modules)."""
        return [cast(Codebook, codebook) for codebook in self.codebooks]

    def forward(self, z: Tensor) -> QuantizerOutput:
        # z [B, D, T]
        b, d, t = z.shape
        with torch.autocast(z.device.type, enabled=False):  # distances need float32
            x = z.float().transpose(1, 2).reshape(-1, d)  # [N = B*T, D]
            residual, quantized = x, torch.zeros_like(x)
            codes, commitment, usage, perplexity = [], x.new_zeros(()), [], []
            for codebook in self.stages:
                if self.training and codebook.updates == 0:
                    codebook.initialize(residual.detach())
                idx = codebook.nearest(residual.detach())  # [N]
                q = codebook.embed[idx]  # [N, D], a copy: the update below does not touch it
                if self.training:
                    codebook.update(residual.detach(), idx)
                commitment = commitment + F.mse_loss(residual, q)
                quantized = quantized + q
                residual = residual - q
                codes.append(idx)
                p = torch.bincount(idx, minlength=codebook.embed.shape[0]).float() / len(idx)
                usage.append((p > 0).float().mean())
                perplexity.append(torch.exp(-(p * torch.log(p.clamp_min(1e-10))).sum()))
            quantized = x + (quantized - x).detach()
        return QuantizerOutput(
            quantized.reshape(b, t, d).transpose(1, 2).to(z.dtype),
            torch.stack(codes, 1).reshape(b, t, -1).transpose(1, 2),
            commitment / len(self.codebooks),
            torch.stack(usage),
            torch.stack(perplexity),
        )

    @torch.no_grad()
    def encode(self, z: Tensor) -> Tensor:
        # z [B, D, T] -> codes [B, n_q, T]
        b, d, t = z.shape
        residual = z.to(self.stages[0].embed.dtype).transpose(1, 2).reshape(-1, d)
        codes = []
        for codebook in self.stages:
            idx = codebook.nearest(residual)
            residual = residual - codebook.embed[idx]
            codes.append(idx)
        return torch.stack(codes, 1).reshape(b, t, -1).transpose(1, 2)

    def decode(self, codes: Tensor) -> Tensor:
        # codes [B, n, T] -> z [B, D, T]; n <= n_q: the first n stages give a coarser latent
        stages = zip(self.stages[: codes.shape[1]], codes.unbind(1), strict=True)
        vectors = [cb.embed[c] for cb, c in stages]
        z = vectors[0]
        for v in vectors[1:]:
            z = z + v
        return z.transpose(1, 2)
