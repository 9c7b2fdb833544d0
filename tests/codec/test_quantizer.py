"""The residual VQ: EMA codebooks follow the data, dead codes come back, gradients pass."""

from __future__ import annotations

import torch

from voice_agent.codec.quantizer import Codebook, ResidualVQ

K, D = 16, 8


def clustered(generator: torch.Generator, centers: torch.Tensor, n: int) -> torch.Tensor:
    """n vectors around the given centers [C, D]."""
    which = torch.randint(len(centers), (n,), generator=generator)
    return centers[which] + 0.05 * torch.randn(n, D, generator=generator)


def codebook_with_dead_half(dead_ratio: float) -> tuple[Codebook, torch.Tensor, torch.Generator]:
    generator = torch.Generator().manual_seed(0)
    centers = 3 * torch.randn(K, D, generator=generator)
    torch.manual_seed(0)
    codebook = Codebook(K, D, decay=0.8, dead_ratio=dead_ratio)
    x = clustered(generator, centers, 256)
    codebook.initialize(x)  # from the data
    codebook.update(x, codebook.nearest(x))
    # Half the codes far from everything: nothing is ever assigned to them.
    codebook.embed[K // 2 :] = 1000.0
    codebook.embed_sum[K // 2 :] = 1000.0 * codebook.usage[K // 2 :, None]
    return codebook, centers, generator


def train(codebook: Codebook, centers: torch.Tensor, generator: torch.Generator) -> None:
    for _ in range(30):
        x = clustered(generator, centers, 256)
        codebook.update(x, codebook.nearest(x))


def test_dead_codes_restart_on_data_and_get_used() -> None:
    codebook, centers, generator = codebook_with_dead_half(dead_ratio=0.1)
    assert len(codebook.nearest(clustered(generator, centers, 2000)).unique()) <= K // 2
    train(codebook, centers, generator)
    used = codebook.nearest(clustered(generator, centers, 2000)).unique()
    revived = [code for code in used.tolist() if code >= K // 2]
    assert len(used) >= K - 2 and len(revived) >= K // 2 - 2
    # The revived codes sit on the data now (one may still straddle two clusters).
    nearest_center = torch.cdist(codebook.embed[K // 2 :], centers).min(1).values
    assert (nearest_center < 1.0).sum() >= K // 2 - 2


def test_without_restarts_dead_codes_stay_dead() -> None:
    codebook, centers, generator = codebook_with_dead_half(dead_ratio=0.0)
    train(codebook, centers, generator)
    used = codebook.nearest(clustered(generator, centers, 2000)).unique()
    assert (used < K // 2).all()


def test_ema_moves_codes_to_the_centers_they_own() -> None:
    codebook, centers, generator = codebook_with_dead_half(dead_ratio=0.1)
    train(codebook, centers, generator)
    labels = torch.arange(K).repeat_interleave(200)
    codes = codebook.nearest(centers[labels] + 0.05 * torch.randn(len(labels), D))
    owners = 0
    for code in codes.unique():
        clusters = labels[codes == code].unique()
        if len(clusters) == 1:  # all its vectors come from one cluster: it sits on its center
            owners += 1
            assert torch.linalg.norm(codebook.embed[code] - centers[clusters[0]]) < 0.1
    assert owners >= K // 2


def test_residual_stages_and_straight_through_gradient() -> None:
    torch.manual_seed(0)
    rvq = ResidualVQ(n_codebooks=4, size=32, dim=D, decay=0.9, dead_ratio=0.1).train()
    z = torch.randn(4, D, 50)
    for _ in range(20):
        rvq(z)  # fits the codebooks to z
    rvq.eval()
    z = z.clone().requires_grad_(True)
    out = rvq(z)
    assert out.codes.shape == (4, 4, 50)
    torch.testing.assert_close(out.quantized, rvq.decode(out.codes))
    assert torch.equal(rvq.encode(z.detach()), out.codes)
    # Each stage takes away more of the error.
    errors = [(rvq.decode(out.codes[:, :n]) - z.detach()).pow(2).mean().item() for n in range(1, 5)]
    assert errors == sorted(errors, reverse=True) and errors[-1] < 0.5 * errors[0]
    # Straight-through: the quantised output passes gradients to z unchanged.
    (out.quantized * 3).sum().backward()
    torch.testing.assert_close(z.grad, torch.full_like(z, 3.0))
