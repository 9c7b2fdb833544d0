"""Real Silero VAD on espeak-ng speech."""

from __future__ import annotations

import numpy as np
import pytest

from tests.speech import espeak, silence
from voice_agent.bench.corpus import speech_bounds
from voice_agent.models.vad import SileroVAD, SpeechDetector


@pytest.fixture(scope="module")
def silero() -> SileroVAD:
    return SileroVAD()


@pytest.fixture(scope="module")
def utterance() -> np.ndarray:
    """1 s silence, a question, 1 s silence, at 16 kHz."""
    return np.concatenate(
        [silence(1.0, 16_000), espeak("What time is it in Tokyo?", 16_000), silence(1.0, 16_000)]
    )


def test_detector_finds_the_speech_edges(silero: SileroVAD, utterance: np.ndarray) -> None:
    detector = SpeechDetector(silero, silence_duration_ms=500)
    edges = detector.process(utterance)
    assert [e.kind for e in edges] == ["started", "stopped"]
    start, end = speech_bounds(utterance, 16_000)
    assert abs(edges[0].sample / 16_000 - start) < 0.15
    assert abs(edges[1].sample / 16_000 - end) < 0.25


def test_pause_edge_comes_before_the_stop_at_the_same_offset(
    silero: SileroVAD, utterance: np.ndarray
) -> None:
    edges = SpeechDetector(silero, silence_duration_ms=500, pause_ms=200).process(utterance)
    assert [e.kind for e in edges] == ["started", "paused", "stopped"]
    assert edges[1].sample == edges[2].sample


def test_speech_after_a_pause_is_a_resumed_edge(silero: SileroVAD) -> None:
    def trimmed(text: str) -> np.ndarray:  # espeak pads its speech with silence; cut it off
        audio = espeak(text, 16_000)
        start, end = speech_bounds(audio, 16_000)
        return audio[int(start * 16_000) : int(end * 16_000)]

    first, second = trimmed("Hello there."), trimmed("How are you?")
    audio = np.concatenate([silence(0.5, 16_000), first, silence(0.35, 16_000), second])
    edges = SpeechDetector(silero, silence_duration_ms=500, pause_ms=200).process(audio)
    assert [e.kind for e in edges] == ["started", "paused", "resumed"]


def test_chunked_streaming_matches_whole_input(silero: SileroVAD, utterance: np.ndarray) -> None:
    whole = SpeechDetector(silero).process(utterance)
    chunked_detector = SpeechDetector(silero)
    rng = np.random.default_rng(1)
    chunked = []
    offset = 0
    while offset < len(utterance):
        size = int(rng.integers(1, 2000))
        chunked += chunked_detector.process(utterance[offset : offset + size])
        offset += size
    assert chunked == whole


def test_reset_forgets_state_but_keeps_the_stream_clock(
    silero: SileroVAD, utterance: np.ndarray
) -> None:
    fresh = SpeechDetector(silero).process(utterance)
    detector = SpeechDetector(silero)
    cut = 16_000 + 8_000 + 100  # mid-speech, and not on a window boundary
    assert [e.kind for e in detector.process(utterance[:cut])] == ["started"]
    detector.reset()
    again = detector.process(utterance)
    assert [(e.kind, e.sample - cut) for e in again] == [(e.kind, e.sample) for e in fresh]


def test_silence_and_noise_are_not_speech(silero: SileroVAD) -> None:
    noise = np.random.default_rng(0).standard_normal(32_000).astype(np.float32) * 0.01
    detector = SpeechDetector(silero)
    assert detector.process(np.concatenate([silence(1.0, 16_000), noise])) == []


def test_recheck_reports_the_pause_again_each_time_it_doubles(
    silero: SileroVAD, utterance: np.ndarray
) -> None:
    detector = SpeechDetector(silero, silence_duration_ms=4_000, pause_ms=200, recheck=True)
    edges = detector.process(np.concatenate([utterance, silence(1.0, 16_000)]))
    assert [e.kind for e in edges] == ["started", "paused"] + ["still_paused"] * 3
    assert [e.silence_ms for e in edges[1:]] == [224, 416, 800, 1600]  # whole 32 ms windows
    assert len({e.sample for e in edges[1:]}) == 1  # all the same pause


def test_ending_speech_at_a_pause_listens_for_the_next_turn(
    silero: SileroVAD, utterance: np.ndarray
) -> None:
    detector = SpeechDetector(silero, silence_duration_ms=4_000, pause_ms=200, recheck=True)
    half = int((speech_bounds(utterance, 16_000)[1] + 0.45) * 16_000)  # past the first pause
    assert [e.kind for e in detector.process(utterance[:half])] == ["started", "paused"]
    detector.end_speech()
    edges = detector.process(np.concatenate([utterance[half:], utterance]))
    assert [e.kind for e in edges][:2] == ["started", "paused"]  # the next turn's
    assert edges[0].sample > len(utterance)
