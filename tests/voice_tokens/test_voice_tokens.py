"""The cut Piper voice, its tokenizer and the streaming decoder, on the bundled voice."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from voice_agent.models.tts import PiperTTS, TTSConfig
from voice_agent.voice_tokens.codebook import TokenizerSpec, VoiceTokenizer, fit_tokenizer
from voice_agent.voice_tokens.halves import NotAPiperVoice, PiperHalves, find_cut_points
from voice_agent.voice_tokens.speech import speak
from voice_agent.voice_tokens.streaming import StreamingDecoder, context_frames

TEXTS = [
    "The quick brown fox jumps over the lazy dog.",
    "Paris is the capital city of France, and it is lovely in the spring.",
    "Water boils at one hundred degrees Celsius at sea level.",
    "I would be happy to help you plan a short trip. Where would you like to go?",
    "A bicycle has two wheels, a frame, pedals and a chain.",
    "Thank you for asking. I hope you have a wonderful day.",
]


@pytest.fixture(scope="module")
def halves() -> PiperHalves:
    return PiperHalves(threads=1)


@pytest.fixture(scope="module")
def small(halves: PiperHalves) -> dict[str, VoiceTokenizer]:
    """Tokenizers fitted on a few sentences: enough to test the machinery, not quality."""
    spoken = [
        speak(halves, t, np.random.default_rng(i), with_audio=False) for i, t in enumerate(TEXTS)
    ]
    return {
        kind: fit_tokenizer(
            [f for s in spoken for f in s.frames(kind)], TokenizerSpec(kind, (32, 16), 1), "joe"
        )
        for kind in ("prior", "latent")
    }


def test_the_halves_in_sequence_are_the_whole_voice(halves: PiperHalves) -> None:
    tts = PiperTTS(TTSConfig(seeded_noise=True, threads=1, volume=0.8))
    text = "Two sentences here. The second one is a little longer than the first."
    tts.reseed(11)
    whole = tts.synthesize_blocking(text)
    cut = speak(halves, text, np.random.default_rng(11)).audio
    assert len(cut) == len(whole)
    assert float(np.max(np.abs(cut - whole))) < 1e-6
    assert (halves.hop, halves.sample_rate) == (256, 22050)


def test_a_graph_that_is_not_a_piper_voice_is_refused() -> None:
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"], name="/relu")],
        "not-a-voice",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
    )
    with pytest.raises(NotAPiperVoice, match="decoder"):
        find_cut_points(graph)


@pytest.mark.parametrize("kind", ["prior", "latent"])
def test_chunked_decoding_equals_decoding_the_whole_sentence(
    halves: PiperHalves, small: dict[str, VoiceTokenizer], kind: str
) -> None:
    tokenizer = small[kind]
    frames = speak(halves, TEXTS[1], np.random.default_rng(3), with_audio=False).frames(kind)[0]
    tokens = tokenizer.encode(frames)
    at_once = StreamingDecoder(halves, tokenizer, chunk_frames=10**6, gain=1.0)
    whole = np.concatenate([at_once.push(tokens), at_once.flush()])
    decoder = StreamingDecoder(halves, tokenizer, chunk_frames=7, gain=1.0)
    pieces = [decoder.push(tokens[i : i + 5]) for i in range(0, len(tokens), 5)]
    chunked = np.concatenate([*pieces, decoder.flush()])
    assert len(chunked) == len(whole) == frames.shape[1] * halves.hop
    assert float(np.max(np.abs(chunked - whole))) < 1e-5
    assert any(len(p) for p in pieces[:-1])  # audio came out before the last token did
    # With less context than the receptive field, chunks differ from the whole.
    short = StreamingDecoder(
        halves, tokenizer, chunk_frames=7, gain=1.0, context=context_frames(kind) // 4
    )
    parts = [short.push(tokens[i : i + 5]) for i in range(0, len(tokens), 5)]
    assert float(np.max(np.abs(np.concatenate([*parts, short.flush()]) - whole))) > 1e-3


def test_a_tokenizer_survives_saving_and_loading(
    small: dict[str, VoiceTokenizer], tmp_path: Path
) -> None:
    tokenizer = small["latent"]
    tokenizer.save(tmp_path / "t.npz")
    loaded = VoiceTokenizer.load(tmp_path / "t.npz")
    frames = np.random.default_rng(0).standard_normal((192, 20)).astype(np.float32)
    assert np.array_equal(loaded.encode(frames), tokenizer.encode(frames))
    assert loaded.id == tokenizer.id and loaded.spec == tokenizer.spec


def test_fit_and_eval_commands_write_a_tokenizer_its_card_and_figures(tmp_path: Path) -> None:
    texts = tmp_path / "texts.txt"
    texts.write_text("\n".join(TEXTS * 2))
    run = [sys.executable, "-m", "voice_agent"]
    common = ["--texts", str(texts), "--eval", "2", "--threads", "1"]
    fit = subprocess.run(
        [
            *(*run, "fit-voice-tokens", *common, "--sentences", "10", "--sizes", "16,8"),
            *("--out", str(tmp_path / "tok"), "--name", "tiny"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert fit.returncode == 0, fit.stderr[-2000:]
    tokenizer = VoiceTokenizer.load(tmp_path / "tok" / "tiny.npz")
    assert tokenizer.spec == TokenizerSpec("prior", (16, 8), 1) and tokenizer.gain > 0
    card = (tmp_path / "tok" / "tiny.md").read_text()
    assert "wer_decoded" in card and "decoder_rtf" in card
    evaluated = subprocess.run(
        [
            *(*run, "eval-voice-tokens", str(tmp_path / "tok" / "tiny.npz"), *common),
            *("--out", str(tmp_path / "eval")),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert evaluated.returncode == 0, evaluated.stderr[-2000:]
    figures = json.loads((tmp_path / "eval" / "figures.json").read_text())
    assert figures["tokenizer"] == tokenizer.id and figures["bits_per_second"] == pytest.approx(
        7 * halves_frame_rate(), rel=0.01
    )
    assert (tmp_path / "eval" / "spectrogram.png").read_bytes()[:4] == b"\x89PNG"


def halves_frame_rate() -> float:
    return 22050 / 256
