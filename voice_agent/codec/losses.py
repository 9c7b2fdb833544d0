"""Training losses of the codec: spectral reconstruction, and an optional adversary.

Reconstruction alone (multi-scale log-mel L1 + multi-resolution STFT + a little waveform L1)
gave Whisper-transparent speech in minutes of GPU (models.md), so it is the default. The small
multi-scale STFT discriminator (EnCodec's design) with hinge and feature-matching losses is
there for `--adversarial`: GAN codecs sound crisper, at about twice the cost per step, and its
worth for this codec is unmeasured.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.parametrizations import weight_norm


@dataclass(frozen=True)
class LossConfig:
    mel: float = 1.0
    stft: float = 1.0
    waveform: float = 0.1
    commitment: float = 1.0
    adversarial: float = 1.0  # only with the discriminator
    feature_matching: float = 2.0
    mel_windows: tuple[int, ...] = (64, 128, 256, 512, 1024, 2048)
    stft_ffts: tuple[int, ...] = (256, 512, 1024, 2048)
    disc_ffts: tuple[int, ...] = (256, 512, 1024)
    disc_channels: int = 32


def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int) -> Tensor:
    """Triangular filters evenly spaced on the HTK mel scale: [n_mels, n_fft // 2 + 1]."""

    def to_mel(hz: Tensor) -> Tensor:
        return 2595.0 * torch.log10(1.0 + hz / 700.0)

    def to_hz(mel: Tensor) -> Tensor:
        return 700.0 * (10.0 ** (mel / 2595.0) - 1.0)

    freqs = torch.linspace(0, sample_rate / 2, n_fft // 2 + 1)
    edges = to_hz(torch.linspace(0, float(to_mel(torch.tensor(sample_rate / 2))), n_mels + 2))
    lower, center, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (freqs - lower) / (center - lower)
    falling = (upper - freqs) / (upper - center)
    return torch.clamp(torch.minimum(rising, falling), min=0.0)


def _magnitude(x: Tensor, n_fft: int, window: Tensor) -> Tensor:
    # x [B, C, T] -> |STFT| [B*C, n_fft // 2 + 1, frames]
    spec = torch.stft(
        x.reshape(-1, x.shape[-1]).float(), n_fft, n_fft // 4, window=window, return_complex=True
    )
    return spec.abs()


class MultiScaleMelLoss(nn.Module):
    """Mean over window sizes of L1 between log-mel spectrograms: small windows for timing,
    large ones for pitch. Fewer mel bands at small windows, where there are few FFT bins."""

    def __init__(self, sample_rate: int, windows: tuple[int, ...]):
        super().__init__()
        self.windows = windows
        for n in windows:
            self.register_buffer(f"window_{n}", torch.hann_window(n), persistent=False)
            fb = mel_filterbank(sample_rate, n, min(80, n // 8))
            self.register_buffer(f"filters_{n}", fb, persistent=False)

    def log_mel(self, x: Tensor, n: int) -> Tensor:
        # x [B, C, T] -> [B*C, n_mels, frames]
        mag = _magnitude(x, n, getattr(self, f"window_{n}"))
        return torch.log(torch.clamp(getattr(self, f"filters_{n}") @ mag, min=1e-5))

    def forward(self, fake: Tensor, real: Tensor) -> Tensor:
        losses = [F.l1_loss(self.log_mel(fake, n), self.log_mel(real, n)) for n in self.windows]
        return torch.stack(losses).mean()


class MultiResolutionSTFTLoss(nn.Module):
    """Spectral convergence + log-magnitude L1 at several FFT sizes (Parallel WaveGAN's)."""

    def __init__(self, ffts: tuple[int, ...]):
        super().__init__()
        self.ffts = ffts
        for n in ffts:
            self.register_buffer(f"window_{n}", torch.hann_window(n), persistent=False)

    def forward(self, fake: Tensor, real: Tensor) -> Tensor:
        losses = []
        for n in self.ffts:
            window = getattr(self, f"window_{n}")
            f, r = _magnitude(fake, n, window), _magnitude(real, n, window)
            convergence = torch.linalg.norm(r - f) / torch.linalg.norm(r).clamp_min(1e-5)
            log_l1 = F.l1_loss(torch.log(f.clamp_min(1e-5)), torch.log(r.clamp_min(1e-5)))
            losses.append(convergence + log_l1)
        return torch.stack(losses).mean()


class ReconstructionLoss(nn.Module):
    """The spectral and waveform terms, each returned for logging."""

    def __init__(self, sample_rate: int, config: LossConfig):
        super().__init__()
        self.config = config
        self.mel = MultiScaleMelLoss(sample_rate, config.mel_windows)
        self.stft = MultiResolutionSTFTLoss(config.stft_ffts)

    def forward(self, fake: Tensor, real: Tensor) -> dict[str, Tensor]:
        fake, real = fake.float(), real.float()
        return {
            "mel": self.mel(fake, real),
            "stft": self.stft(fake, real),
            "waveform": F.l1_loss(fake, real),
        }

    def total(self, terms: dict[str, Tensor]) -> Tensor:
        return sum(getattr(self.config, name) * value for name, value in terms.items())


# ---------------------------------------------------------------- discriminator

# Per discriminator: logits and the feature maps of every layer.
Scores = list[tuple[Tensor, list[Tensor]]]


class STFTDiscriminator(nn.Module):
    """2-D convolutions over one complex spectrogram (real and imaginary parts as channels),
    downsampling frequency only; returns logits and every intermediate feature map."""

    window: Tensor  # a buffer

    def __init__(self, n_fft: int, channels: int):
        super().__init__()
        self.n_fft = n_fft
        self.register_buffer("window", torch.hann_window(n_fft), persistent=False)
        c = channels
        self.convs = nn.ModuleList(
            [
                weight_norm(nn.Conv2d(2, c, (3, 9), padding=(1, 4))),
                *(weight_norm(nn.Conv2d(c, c, (3, 9), (1, 2), (d, 4), (d, 1))) for d in (1, 2, 4)),
                weight_norm(nn.Conv2d(c, c, (3, 3), padding=(1, 1))),
            ]
        )
        self.out = weight_norm(nn.Conv2d(c, 1, (3, 3), padding=(1, 1)))

    def forward(self, x: Tensor) -> tuple[Tensor, list[Tensor]]:
        # x [B, 1, T] -> logits [B, 1, frames, bins'], features
        spec = torch.stft(
            x.reshape(-1, x.shape[-1]).float(),
            self.n_fft,
            self.n_fft // 4,
            window=self.window,
            return_complex=True,
        )  # [B, bins, frames]
        h = torch.stack([spec.real, spec.imag], 1).transpose(2, 3)  # [B, 2, frames, bins]
        features = []
        for conv in self.convs:
            h = F.leaky_relu(conv(h), 0.2)
            features.append(h)
        return self.out(h), features


class MultiScaleSTFTDiscriminator(nn.Module):
    def __init__(self, config: LossConfig):
        super().__init__()
        self.discriminators = nn.ModuleList(
            STFTDiscriminator(n, config.disc_channels) for n in config.disc_ffts
        )

    def forward(self, x: Tensor) -> Scores:
        return [d(x) for d in self.discriminators]


def discriminator_loss(real: Scores, fake: Scores) -> Tensor:
    """Hinge: push real logits above 1 and fake ones below -1."""
    pairs = zip(real, fake, strict=True)
    losses = [F.relu(1 - r).mean() + F.relu(1 + f).mean() for (r, _), (f, _) in pairs]
    return torch.stack(losses).mean()


def generator_losses(real: Scores, fake: Scores) -> dict[str, Tensor]:
    """Hinge adversarial loss, and L1 between the discriminators' features of real and fake
    (relative to the real features' size, so every layer counts alike)."""
    adversarial = torch.stack([F.relu(1 - f).mean() for f, _ in fake]).mean()
    matching = [
        F.l1_loss(ff, rf.detach()) / rf.detach().abs().mean().clamp_min(1e-5)
        for (_, real_features), (_, fake_features) in zip(real, fake, strict=True)
        for rf, ff in zip(real_features, fake_features, strict=True)
    ]
    return {"adversarial": adversarial, "feature_matching": torch.stack(matching).mean()}
