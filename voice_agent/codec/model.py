"""Our streaming neural audio codec: causal SEANet encoder -> residual VQ -> causal decoder.

No pretrained codec ships weights to this machine or the users' (see models.md), and the direct
speech model speaks in discrete audio tokens, so we train our own. The recipe follows a measured
one (models.md: a 4.6M-parameter SEANet at 16 kHz / 50 Hz / 8 x 1024 codes matched the originals'
Whisper WER after 8 H100 minutes; 25 Hz reached the same loss):

    wav [B, 1, T] -> Encoder (causal convs, strides s1..sn) -> z [B, D, T / hop]
      -> ResidualVQ (n_q codebooks, EMA updates, dead-code restarts) -> codes [B, n_q, T / hop]
      -> Decoder (causal transposed convs, strides in reverse) -> wav [B, 1, T]

The `default` preset, and why:
- 16 kHz: the user's voice, Whisper and the VAD all live at 16 kHz already; speech needs little
  above 8 kHz; and a third fewer samples than 24 kHz is a third less CPU per second of audio. The
  24 kHz assistant voice is resampled down for training, the decoder output up for playback.
- 25 frames/s (hop 640 = 4 * 4 * 5 * 8): the direct model runs one step per frame, so 25 Hz halves
  its sequence length against 50 Hz at the same loss (measured). 12.5 Hz (Mimi's rate) is one
  more stride of 2 away, but Mimi gets there with transformers inside its codec; no small conv
  codec at 12.5 Hz has been measured here.
- 8 codebooks x 1024 codes: 25 frames/s * 8 * log2(1024) bits = 2000 bits/s = 2 kbps.
- dims 32..256 with two residual units per resolution: 3.9M parameters, a 9.6 MiB bf16 export
  (the shipping budget is 10 MB). Streaming in 40 ms chunks on 2 CPU threads (measured, untrained
  weights): encode 0.09 x real time, decode 0.07 x. If quality falls short, dims ending in 384
  give 5.2M parameters (12.5 MB) at about the same speed: the widest layers run at 25-100 Hz.

Everything is causal, so it streams: `encode_chunk` / `decode_chunk` with the state objects of
`Encoder.streaming_state()` / `Decoder.streaming_state()` give the same tokens (and the same
samples, within float rounding) as `encode` / `decode` of the whole signal, once the codec is
`for_inference()` (float64 encoder: see there). The decoder's latency is one frame: a frame's
samples are final once its codes arrive.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import weight_norm

from voice_agent.codec.quantizer import ResidualVQ


@dataclass(frozen=True)
class CodecConfig:
    sample_rate: int = 16_000
    channels: int = 1  # audio channels (mono)
    strides: tuple[int, ...] = (4, 4, 5, 8)  # encoder downsampling; the decoder runs them reversed
    dims: tuple[int, ...] = (32, 64, 128, 256, 256)  # channels at each resolution, len(strides)+1
    latent_dim: int = 128  # the quantised vectors
    kernel_size: int = 7  # first and last convolutions
    residual_kernel_size: int = 3
    dilations: tuple[int, ...] = (1, 3)  # one residual unit per dilation at each resolution
    n_codebooks: int = 8
    codebook_size: int = 1024
    ema_decay: float = 0.99
    dead_code_ratio: float = 0.1  # restart a code used less than this fraction of the mean usage

    def __post_init__(self) -> None:
        if len(self.dims) != len(self.strides) + 1:
            raise ValueError("dims needs one entry more than strides")

    @property
    def hop_length(self) -> int:
        return math.prod(self.strides)

    @property
    def frame_rate(self) -> float:
        return self.sample_rate / self.hop_length

    @property
    def bitrate(self) -> float:
        """Bits per second of the tokens: frames/s * codebooks * bits per code."""
        return self.frame_rate * self.n_codebooks * math.log2(self.codebook_size)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CodecConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown codec config keys: {sorted(unknown)}")
        values: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in data.items()
        }
        return cls(**values)


PRESETS: dict[str, CodecConfig] = {
    "default": CodecConfig(),
    # For CPU tests: the same structure, 100 frames/s, 44k parameters.
    "tiny": CodecConfig(
        strides=(4, 5, 8),
        dims=(8, 16, 24, 32),
        latent_dim=16,
        dilations=(1,),
        n_codebooks=4,
        codebook_size=64,
        ema_decay=0.9,
    ),
}


def preset(name: str, **overrides: Any) -> CodecConfig:
    return replace(PRESETS[name], **overrides)


# ---------------------------------------------------------------- streaming state


class StreamingState:
    """What each causal layer carries from one chunk to the next, indexed by the layer's slot:
    the past input a convolution still needs, or the partial output a transposed one owes."""

    def __init__(self, n_layers: int) -> None:
        self.layers: list[Tensor | None] = [None] * n_layers

    def reset(self) -> None:
        self.layers = [None] * len(self.layers)


class EncoderState(StreamingState):
    """Plus the input samples still short of a whole frame."""

    def __init__(self, n_layers: int) -> None:
        super().__init__(n_layers)
        self.pending: Tensor | None = None

    def reset(self) -> None:
        super().reset()
        self.pending = None


class DecoderState(StreamingState):
    pass


# ---------------------------------------------------------------- causal convolutions


class CausalConv1d(nn.Module):
    """A Conv1d that sees only the past: left zero-padding in one pass, kept history in streaming.

    With input lengths that are multiples of the stride, one pass and any chunking agree exactly:
    output t reads inputs [t*s - context, t*s + s), and the state keeps the last `context`."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int = 1, dilation: int = 1):
        super().__init__()
        self.conv = weight_norm(nn.Conv1d(cin, cout, kernel, stride, dilation=dilation))
        self.context = (kernel - 1) * dilation + 1 - stride
        self.slot = 0  # this layer's entry in a StreamingState, numbered by the owning model

    def forward(self, x: Tensor, state: StreamingState | None = None) -> Tensor:
        # x [B, Cin, T] -> [B, Cout, T / stride]
        if state is None:
            return self.conv(F.pad(x, (self.context, 0)))
        past = state.layers[self.slot]
        if past is None:
            past = x.new_zeros(x.shape[0], x.shape[1], self.context)
        x = torch.cat([past, x], dim=-1)
        state.layers[self.slot] = x[..., x.shape[-1] - self.context :]
        return self.conv(x)


class CausalConvTranspose1d(nn.Module):
    """Upsampling by `stride` with kernel 2*stride, made causal by trimming the right overhang.

    Each input frame writes 2*stride samples: its own span and a partial sum over the next
    frame's span. One pass drops the final overhang; streaming keeps it to add to the next chunk
    (less the bias, which that chunk's own output already carries)."""

    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.conv = weight_norm(nn.ConvTranspose1d(cin, cout, 2 * stride, stride))
        self.overhang = stride
        self.slot = 0

    def forward(self, x: Tensor, state: StreamingState | None = None) -> Tensor:
        # x [B, Cin, T] -> [B, Cout, T * stride]
        y = self.conv(x)  # [B, Cout, T * stride + overhang]
        keep = y.shape[-1] - self.overhang
        if state is None:
            return y[..., :keep]
        owed = state.layers[self.slot]
        if owed is not None:
            y = torch.cat([y[..., : self.overhang] + owed, y[..., self.overhang :]], dim=-1)
        state.layers[self.slot] = y[..., keep:] - self.conv.bias[:, None]
        return y[..., :keep]


class ResidualUnit(nn.Module):
    def __init__(self, dim: int, kernel: int, dilation: int):
        super().__init__()
        self.conv1 = CausalConv1d(dim, dim // 2, kernel, dilation=dilation)
        self.conv2 = CausalConv1d(dim // 2, dim, 1)

    def forward(self, x: Tensor, state: StreamingState | None = None) -> Tensor:
        y = self.conv1(F.elu(x), state)
        return x + self.conv2(F.elu(y), state)


def _number_layers(model: nn.Module) -> int:
    """Give every causal layer its slot in the model's streaming state; returns their count."""
    layers = [m for m in model.modules() if isinstance(m, CausalConv1d | CausalConvTranspose1d)]
    for slot, layer in enumerate(layers):
        layer.slot = slot
    return len(layers)


# ---------------------------------------------------------------- encoder and decoder


class DownBlock(nn.Module):
    def __init__(self, cfg: CodecConfig, cin: int, cout: int, stride: int):
        super().__init__()
        k = cfg.residual_kernel_size
        self.units = nn.ModuleList(ResidualUnit(cin, k, d) for d in cfg.dilations)
        self.down = CausalConv1d(cin, cout, 2 * stride, stride)

    def forward(self, x: Tensor, state: StreamingState | None = None) -> Tensor:
        for unit in self.units:
            x = unit(x, state)
        return self.down(F.elu(x), state)


class UpBlock(nn.Module):
    def __init__(self, cfg: CodecConfig, cin: int, cout: int, stride: int):
        super().__init__()
        self.up = CausalConvTranspose1d(cin, cout, stride)
        k = cfg.residual_kernel_size
        self.units = nn.ModuleList(ResidualUnit(cout, k, d) for d in cfg.dilations)

    def forward(self, x: Tensor, state: StreamingState | None = None) -> Tensor:
        x = self.up(F.elu(x), state)
        for unit in self.units:
            x = unit(x, state)
        return x


class Encoder(nn.Module):
    def __init__(self, cfg: CodecConfig):
        super().__init__()
        self.hop_length, self.latent_dim = cfg.hop_length, cfg.latent_dim
        d = cfg.dims
        self.conv_in = CausalConv1d(cfg.channels, d[0], cfg.kernel_size)
        self.blocks = nn.ModuleList(
            DownBlock(cfg, d[i], d[i + 1], s) for i, s in enumerate(cfg.strides)
        )
        self.conv_out = CausalConv1d(d[-1], cfg.latent_dim, 3)
        self.n_layers = _number_layers(self)

    def streaming_state(self) -> EncoderState:
        return EncoderState(self.n_layers)

    def forward(self, x: Tensor, state: EncoderState | None = None) -> Tensor:
        # x [B, C, T] -> z [B, D, T / hop]; T a multiple of hop unless streaming
        if state is not None:  # keep what does not fill a frame for the next chunk
            if state.pending is not None:
                x = torch.cat([state.pending, x], dim=-1)
            whole = x.shape[-1] // self.hop_length * self.hop_length
            x, state.pending = x[..., :whole], x[..., whole:]
            if whole == 0:
                return x.new_zeros(x.shape[0], self.latent_dim, 0)
        x = self.conv_in(x, state)
        for block in self.blocks:
            x = block(x, state)  # [B, dims[i+1], T / (s1 * ... * si)]
        return self.conv_out(F.elu(x), state)


class Decoder(nn.Module):
    def __init__(self, cfg: CodecConfig):
        super().__init__()
        d = cfg.dims
        self.conv_in = CausalConv1d(cfg.latent_dim, d[-1], cfg.kernel_size)
        self.blocks = nn.ModuleList(
            UpBlock(cfg, d[i + 1], d[i], s) for i, s in reversed(list(enumerate(cfg.strides)))
        )
        self.conv_out = CausalConv1d(d[0], cfg.channels, cfg.kernel_size)
        self.n_layers = _number_layers(self)

    def streaming_state(self) -> DecoderState:
        return DecoderState(self.n_layers)

    def forward(self, z: Tensor, state: DecoderState | None = None) -> Tensor:
        # z [B, D, T] -> wav [B, C, T * hop]
        x = self.conv_in(z, state)
        for block in self.blocks:
            x = block(x, state)
        return self.conv_out(F.elu(x), state)


# ---------------------------------------------------------------- the codec


class CodecOutput(NamedTuple):
    audio: Tensor  # [B, C, T] reconstruction
    codes: Tensor  # [B, n_q, T / hop]
    commitment: Tensor  # scalar
    usage: Tensor  # [n_q]
    perplexity: Tensor  # [n_q]


class Codec(nn.Module):
    def __init__(self, config: CodecConfig):
        super().__init__()
        self.config = config
        self.encoder = Encoder(config)
        self.quantizer = ResidualVQ(
            config.n_codebooks,
            config.codebook_size,
            config.latent_dim,
            config.ema_decay,
            config.dead_code_ratio,
        )
        self.decoder = Decoder(config)

    def forward(self, wav: Tensor) -> CodecOutput:
        # wav [B, C, T], T a multiple of hop: training and whole-signal reconstruction
        q = self.quantizer(self.encoder(wav))
        return CodecOutput(self.decoder(q.quantized), q.codes, q.commitment, q.usage, q.perplexity)

    @torch.no_grad()
    def encode(self, wav: Tensor) -> Tensor:
        # wav [B, C, T] -> codes [B, n_q, ceil(T / hop)]: the end is zero-padded to a whole frame
        wav = F.pad(wav, (0, -wav.shape[-1] % self.config.hop_length))
        return self.quantizer.encode(self.encoder(wav.to(self._encoder_dtype)))

    @torch.no_grad()
    def decode(self, codes: Tensor) -> Tensor:
        # codes [B, n_q, T] -> wav [B, C, T * hop]
        return self.decoder(self.quantizer.decode(codes).to(self._decoder_dtype))

    @torch.no_grad()
    def encode_chunk(self, wav: Tensor, state: EncoderState) -> Tensor:
        # wav [B, C, any n] -> codes [B, n_q, frames completed by this chunk]
        z = self.encoder(wav.to(self._encoder_dtype), state)
        if z.shape[-1] == 0:
            return torch.zeros(wav.shape[0], len(self.quantizer.codebooks), 0, dtype=torch.long)
        return self.quantizer.encode(z)

    @torch.no_grad()
    def decode_chunk(self, codes: Tensor, state: DecoderState) -> Tensor:
        # codes [B, n_q, t] -> wav [B, C, t * hop]
        if codes.shape[-1] == 0:
            return torch.zeros(codes.shape[0], self.config.channels, 0)
        return self.decoder(self.quantizer.decode(codes).to(self._decoder_dtype), state)

    @property
    def _encoder_dtype(self) -> torch.dtype:
        return self.encoder.conv_out.conv.bias.dtype

    @property
    def _decoder_dtype(self) -> torch.dtype:
        return self.decoder.conv_out.conv.bias.dtype

    def for_inference(self) -> Codec:
        """Eval mode, weight norm folded into the weights, and the encoder and codebooks in
        float64. Why float64: float32 convolutions round differently with the input's length
        (~1e-7), enough to flip a near tie between two codes; at 1e-16 chunked, whole and
        batched audio get the same tokens. Costs ~30% more encoder time; the decoder stays
        float32. Not for training."""
        self.eval()
        for module in self.modules():
            if parametrize.is_parametrized(module, "weight"):
                parametrize.remove_parametrizations(module, "weight", leave_parametrized=True)
        self.encoder.double()
        self.quantizer.double()
        return self


def num_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
