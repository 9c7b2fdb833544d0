"""The training losses: they measure what they claim, and the discriminator learns."""

from __future__ import annotations

import numpy as np
import torch

from voice_agent.codec.losses import (
    LossConfig,
    MultiScaleSTFTDiscriminator,
    ReconstructionLoss,
    discriminator_loss,
    generator_losses,
    mel_filterbank,
)


def test_mel_filterbank_covers_the_band_in_order() -> None:
    fb = mel_filterbank(16_000, 1024, 80)
    assert fb.shape == (80, 513)
    assert (fb.sum(1) > 0).all(), "every band has bins"
    peaks = fb.argmax(1)
    assert (peaks[1:] >= peaks[:-1]).all() and peaks[-1] > 400
    assert fb.max() <= 1.0


def test_reconstruction_loss_grows_with_the_damage(speech_16k: np.ndarray) -> None:
    loss = ReconstructionLoss(16_000, LossConfig())
    real = torch.from_numpy(speech_16k[:32_000]).reshape(2, 1, -1)
    generator = torch.Generator().manual_seed(0)
    noise = torch.randn(real.shape, generator=generator)
    same = loss(real, real)
    assert all(value.item() < 1e-6 for value in same.values())
    slight, heavy = loss(real + 0.003 * noise, real), loss(real + 0.03 * noise, real)
    for name in ("mel", "stft", "waveform"):
        assert 0 < slight[name] < heavy[name], name


def test_discriminator_learns_to_tell_real_from_noise(speech_16k: np.ndarray) -> None:
    torch.manual_seed(0)
    config = LossConfig(disc_ffts=(256, 512), disc_channels=8)
    disc = MultiScaleSTFTDiscriminator(config)
    optimizer = torch.optim.Adam(disc.parameters(), 3e-3)
    real = torch.from_numpy(speech_16k[8_000:16_000]).reshape(2, 1, -1)
    fake = 0.1 * torch.randn_like(real)
    losses = []
    for _ in range(30):
        loss = discriminator_loss(disc(real), disc(fake))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    # The generator's side: gradients reach the fake audio through both terms.
    fake.requires_grad_(True)
    terms = generator_losses(disc(real), disc(fake))
    assert set(terms) == {"adversarial", "feature_matching"}
    sum(terms.values()).backward()
    assert fake.grad is not None and fake.grad.abs().sum() > 0
