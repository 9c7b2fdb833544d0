"""Smart Turn v3.2 (semantic_vad's end-of-turn model): our features against the wheel's
own feature code, and the model on spoken clips."""

from __future__ import annotations

import importlib.util
from types import ModuleType

import numpy as np
import pytest

from tests.speech import espeak, silence
from voice_agent.models.smart_turn import (
    SAMPLES,
    SmartTurn,
    last_seconds,
    log_mel_features,
    smart_turn_model_path,
)


@pytest.fixture(scope="module")
def reference() -> ModuleType:
    """The pipecat wheel's numpy feature code (a port of transformers' Whisper extractor),
    loaded by path: the reference the model's features must match."""
    path = smart_turn_model_path().parent.parent / "_whisper_features.py"
    spec = importlib.util.spec_from_file_location("smart_turn_reference_features", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def model() -> SmartTurn:
    return SmartTurn()


def clip(text: str, voice: str = "en-us") -> np.ndarray:
    return np.concatenate([espeak(text, 16_000, voice), silence(0.2, 16_000)])


@pytest.mark.parametrize(
    "make",
    [
        lambda: clip("What time is it in Tokyo?"),
        lambda: clip("My favourite colours are red, green, and", "en-gb"),
        lambda: np.random.default_rng(0).normal(0, 0.1, 3 * 16_000).astype(np.float32),
        lambda: silence(9.0, 16_000) + 1e-4,
    ],
    ids=["question", "unfinished", "noise", "near-silence"],
)
def test_features_match_the_models_reference_code(reference: ModuleType, make) -> None:
    audio = last_seconds(make())
    ours = log_mel_features(audio)
    theirs = reference.compute_whisper_log_mel_features(audio, do_normalize=True)
    assert ours.shape == theirs.shape == (80, 800)
    np.testing.assert_allclose(ours, theirs, atol=1e-5)


def test_the_model_hears_the_turns_end_not_its_start() -> None:
    audio = np.arange(10 * 16_000, dtype=np.float32)
    assert np.array_equal(last_seconds(audio), audio[-SAMPLES:])
    short = last_seconds(audio[:16_000])
    assert len(short) == SAMPLES and not short[:-16_000].any()  # padded in front


@pytest.mark.parametrize("voice", ["en-us", "en-gb", "en-us+f3"])
def test_a_finished_question_is_complete_and_a_list_cut_at_and_is_not(
    model: SmartTurn, voice: str
) -> None:
    assert model.complete(clip("What is the capital of France?", voice)) > 0.5
    assert model.complete(clip("My favourite colours are red, green, and", voice)) < 0.5
