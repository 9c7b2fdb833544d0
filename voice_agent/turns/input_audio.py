"""The session's input side: decoded client audio resampled to 16 kHz, the user turn
being buffered, and the VAD that watches it. Offsets count 16 kHz samples since the
session started."""

from __future__ import annotations

import numpy as np

from voice_agent import audio
from voice_agent.models.vad import SpeechDetector, SpeechEdge, SpeechProbability
from voice_agent.realtime.protocol import SessionConfig, TurnDetection


def ms_to_samples(ms: float) -> int:
    return int(ms * audio.MODEL_RATE / 1000)


def samples_to_ms(samples: int) -> int:
    return samples * 1000 // audio.MODEL_RATE


class InputAudio:
    def __init__(self, vad_model: SpeechProbability, config: SessionConfig) -> None:
        turn = config.turn_detection or TurnDetection()
        self.detector = SpeechDetector(vad_model, turn.threshold, turn.end_silence_ms)
        self.detector.recheck = turn.semantic
        self._resampler = self._make_resampler(config.input_format.rate)
        self._chunks: list[np.ndarray] = []  # the current user turn
        self._start = 0  # stream offset of the first buffered sample
        self.received = 0  # samples received in this session

    @staticmethod
    def _make_resampler(rate: int) -> audio.StreamResampler:
        # Medium quality: the VAD and Whisper need no more, and its filter holds back less
        # audio (15 ms at 24 kHz, 26 ms at 8 kHz) than HQ's (21 ms, 66 ms).
        return audio.StreamResampler(rate, audio.MODEL_RATE, "MQ")

    def configure(self, config: SessionConfig) -> None:
        """Take a `session.update`'s input format and VAD settings."""
        if config.input_format.rate != self._resampler.in_rate:
            self._resampler = self._make_resampler(config.input_format.rate)
        if config.turn_detection is not None:
            self.detector.threshold = config.turn_detection.threshold
            self.detector.silence_duration_ms = config.turn_detection.end_silence_ms
            self.detector.recheck = config.turn_detection.semantic

    @property
    def seconds(self) -> float:
        return sum(len(chunk) for chunk in self._chunks) / audio.MODEL_RATE

    def resample(self, samples: np.ndarray) -> np.ndarray:
        return self._resampler.process(samples)

    def add(self, audio16k: np.ndarray) -> None:
        self._chunks.append(audio16k)
        self.received += len(audio16k)

    def detect(self, audio16k: np.ndarray) -> list[SpeechEdge]:
        """Blocking (runs the VAD model): call it from a worker thread."""
        return self.detector.process(audio16k)

    def flush_resampler(self) -> None:
        """The client ended the turn, so the samples the filter holds back belong to it."""
        self.add(self._resampler.flush())

    def keep_from(self, offset: int) -> None:
        """Drop buffered audio before stream offset `offset` (keeps the prefix padding)."""
        drop = offset - self._start
        if drop <= 0 or not self._chunks:
            return
        joined = np.concatenate(self._chunks)
        self._chunks = [joined[drop:]]
        self._start += min(drop, len(joined))

    def snapshot(self) -> np.ndarray:
        """A copy of the buffered turn so far."""
        return np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.float32)

    def take(self) -> np.ndarray:
        """The buffered turn; the buffer starts afresh."""
        turn = self.snapshot()
        self.clear()
        return turn

    def clear(self) -> None:
        self._chunks = []
        self._start = self.received
