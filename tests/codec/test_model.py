"""The codec network: streaming equals one pass, presets, checkpoints."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from voice_agent.codec.checkpoint import load_codec, save_checkpoint
from voice_agent.codec.model import Codec, CodecConfig, num_parameters, preset


def initialised(name: str, speech: np.ndarray) -> Codec:
    """A codec whose codebooks were initialised from real speech (one training pass), so that
    tokens vary as they do in use; in eval mode, still in its training form."""
    torch.manual_seed(0)
    codec = Codec(preset(name)).train()
    hop = codec.config.hop_length
    usable = len(speech) // hop * hop
    codec(torch.from_numpy(speech[:usable]).reshape(1, 1, -1))
    return codec.eval()


@pytest.fixture(scope="module", params=["tiny", "default"])
def codec_and_speech(request: pytest.FixtureRequest, speech_16k: np.ndarray):
    codec = initialised(request.param, speech_16k).for_inference()
    hop = codec.config.hop_length
    frames = 3 * 5 * 7 if request.param == "tiny" else 35  # 1.05 s / 1.4 s
    return codec, torch.from_numpy(speech_16k[: frames * hop]).reshape(1, 1, -1)


def stream_encode(codec: Codec, wav: torch.Tensor, sizes: list[int], state=None) -> torch.Tensor:
    state = state or codec.encoder.streaming_state()
    out, start, i = [], 0, 0
    while start < wav.shape[-1]:
        size = sizes[i % len(sizes)]
        out.append(codec.encode_chunk(wav[..., start : start + size], state))
        start, i = start + size, i + 1
    return torch.cat(out, -1)


def stream_decode(codec: Codec, codes: torch.Tensor, frames: int, state=None) -> torch.Tensor:
    state = state or codec.decoder.streaming_state()
    chunks = [
        codec.decode_chunk(codes[..., i : i + frames], state)
        for i in range(0, codes.shape[-1], frames)
    ]
    return torch.cat(chunks, -1)


@pytest.mark.parametrize("chunk_frames", [1, 3, 7])
def test_streaming_encoder_gives_the_same_tokens(codec_and_speech, chunk_frames: int) -> None:
    codec, wav = codec_and_speech
    whole = codec.encode(wav)
    assert whole.shape == (1, codec.config.n_codebooks, wav.shape[-1] // codec.config.hop_length)
    assert len(whole[0, 0].unique()) > 3, "tokens should vary with real speech"
    chunked = stream_encode(codec, wav, [chunk_frames * codec.config.hop_length])
    assert torch.equal(chunked, whole)


def test_streaming_encoder_takes_any_chunk_sizes(codec_and_speech) -> None:
    codec, wav = codec_and_speech
    hop = codec.config.hop_length
    # Sizes that are not multiples of the hop: frames come out once complete.
    assert torch.equal(
        stream_encode(codec, wav, [hop // 3, 2 * hop + 17, 1, hop]), codec.encode(wav)
    )


@pytest.mark.parametrize("chunk_frames", [1, 2, 5])
def test_streaming_decoder_gives_the_same_samples(codec_and_speech, chunk_frames: int) -> None:
    codec, wav = codec_and_speech
    codes = codec.encode(wav)
    whole = codec.decode(codes)
    assert whole.shape == wav.shape
    chunked = stream_decode(codec, codes, chunk_frames)
    assert chunked.shape == whole.shape
    torch.testing.assert_close(chunked, whole, atol=1e-5 * whole.abs().max().item(), rtol=1e-4)


def test_reset_starts_a_new_stream(codec_and_speech) -> None:
    codec, wav = codec_and_speech
    hop = codec.config.hop_length
    encoder, decoder = codec.encoder.streaming_state(), codec.decoder.streaming_state()
    first = stream_encode(codec, wav, [hop], encoder)
    stream_decode(codec, first, 1, decoder)
    # Without a reset the next stream starts from the previous one's context: not the same.
    carried = stream_encode(codec, wav, [2 * hop], encoder)
    assert not torch.equal(carried, first)
    encoder.reset()
    decoder.reset()
    assert encoder.pending is None and all(layer is None for layer in decoder.layers)
    again = stream_encode(codec, wav, [2 * hop], encoder)
    assert torch.equal(again, codec.encode(wav))
    torch.testing.assert_close(
        stream_decode(codec, again, 2, decoder), codec.decode(again), atol=1e-5, rtol=1e-4
    )


def test_default_preset_fits_the_direct_model_and_shipping() -> None:
    config = CodecConfig()
    assert config == preset("default")
    assert (config.sample_rate, config.frame_rate) == (16_000, 25.0)
    assert config.n_codebooks <= 8 and config.bitrate == 2000.0  # 25 * 8 * log2(1024)
    assert CodecConfig.from_dict(config.to_dict()) == config


def test_forward_reports_codes_and_codebook_use(speech_16k: np.ndarray) -> None:
    codec = initialised("tiny", speech_16k).train()
    wav = torch.from_numpy(speech_16k[: 50 * 160]).reshape(2, 1, -1)
    out = codec(wav)
    assert out.audio.shape == wav.shape
    assert out.codes.shape == (2, 4, 25) and out.codes.dtype == torch.long
    assert out.commitment.requires_grad and out.commitment > 0
    assert out.usage.shape == (4,) and ((out.usage > 0) & (out.usage <= 1)).all()
    assert (out.perplexity >= 1).all()


def test_checkpoint_round_trip(tmp_path: Path, speech_16k: np.ndarray) -> None:
    codec = initialised("tiny", speech_16k)
    wav = torch.from_numpy(speech_16k[: 100 * 160]).reshape(1, 1, -1)
    save_checkpoint(tmp_path / "full.pt", codec, extra={"step": 7})
    loaded = load_codec(tmp_path / "full.pt")
    assert loaded.config == codec.config and not loaded.training
    for (name, a), b in zip(codec.state_dict().items(), loaded.state_dict().values(), strict=True):
        assert torch.equal(a, b), name
    codes = codec.encode(wav)
    assert torch.equal(loaded.encode(wav), codes)
    assert torch.load(tmp_path / "full.pt", weights_only=True)["step"] == 7

    # The bf16 export: half the bytes (less the EMA statistics), nearly the same sound.
    save_checkpoint(tmp_path / "small.pt", codec, bf16=True)
    small = load_codec(tmp_path / "small.pt")
    assert (tmp_path / "small.pt").stat().st_size < 0.5 * (tmp_path / "full.pt").stat().st_size
    for ours, theirs in zip(codec.quantizer.codebooks, small.quantizer.codebooks, strict=True):
        torch.testing.assert_close(theirs.embed, ours.embed, rtol=2**-8, atol=1e-6)
    reference = codec.decode(codes)
    error = (small.decode(codes) - reference).abs().max() / reference.abs().max()
    assert error < 0.05
    # Folding weight norm for inference changes nothing audible.
    folded = load_codec(tmp_path / "full.pt").for_inference()
    torch.testing.assert_close(folded.decode(codes), reference, atol=1e-5, rtol=1e-4)


def test_default_export_stays_under_10_mib(tmp_path: Path) -> None:
    codec = Codec(preset("default"))
    assert num_parameters(codec) < 5_000_000
    save_checkpoint(tmp_path / "codec.pt", codec, bf16=True)
    assert (tmp_path / "codec.pt").stat().st_size <= 10 * 2**20


def test_cli_preset_names_match_the_model_presets() -> None:
    from voice_agent.codec.model import PRESETS
    from voice_agent.codec.options import PRESET_NAMES

    assert set(PRESET_NAMES) == set(PRESETS)
