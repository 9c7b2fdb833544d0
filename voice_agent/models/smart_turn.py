"""Smart Turn v3.2: has the speaker finished their turn, judged from the sound of it.

Smart Turn (Daily, BSD-2-Clause) is a small Whisper-style audio encoder with a binary
classifier: given the last 8 s of a turn as Whisper log-mel features, it returns the
probability that the turn is complete. The 8.7 MB ONNX file ships inside the
`pipecat-ai` wheel, which scripts/install.sh installs with --no-deps; we read the file
and never import the framework. The feature code below is ours (numpy), written to give
the features `transformers.WhisperFeatureExtractor(chunk_length=8)` gives, which the model
was trained on; tests/models/test_smart_turn.py checks it against the wheel's own copy.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

import numpy as np

from voice_agent.audio import MODEL_RATE
from voice_agent.models.onnx import session_options

SECONDS = 8  # the model hears the last 8 s of the turn, silence-padded in front
SAMPLES = SECONDS * MODEL_RATE
N_FFT = 400  # 25 ms windows
HOP = 160  # 10 ms frames: 800 of them in 8 s
N_MELS = 80
MODEL_FILE = "smart-turn-v3.2-cpu.onnx"


def smart_turn_model_path() -> Path:
    # find_spec locates the package without running pipecat/__init__.py (and its imports).
    spec = importlib.util.find_spec("pipecat")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "pipecat-ai (the Smart Turn model) is not installed: run scripts/install.sh"
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    return root / "audio" / "turn" / "smart_turn" / "data" / MODEL_FILE


def _hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    """Slaney's mel scale: linear below 1 kHz, logarithmic above."""
    hz = np.asarray(hz, np.float64)
    log_step = 27.0 / np.log(6.4)
    return np.where(
        hz < 1000.0, 3.0 * hz / 200.0, 15.0 + np.log(np.maximum(hz, 1e-9) / 1000.0) * log_step
    )


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    mel = np.asarray(mel, np.float64)
    log_step = np.log(6.4) / 27.0
    return np.where(mel < 15.0, 200.0 * mel / 3.0, 1000.0 * np.exp(log_step * (mel - 15.0)))


@cache
def mel_filters() -> np.ndarray:
    """(N_MELS, N_FFT // 2 + 1) triangular filters with Slaney's area normalisation."""
    edges = _mel_to_hz(np.linspace(_hz_to_mel(0.0), _hz_to_mel(MODEL_RATE / 2), N_MELS + 2))
    bins = np.linspace(0.0, MODEL_RATE / 2, N_FFT // 2 + 1)
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (bins[None] - lower) / (centre - lower)
    falling = (upper - bins[None]) / (upper - centre)
    triangles = np.maximum(0.0, np.minimum(rising, falling))
    return triangles * (2.0 / (upper - lower))


@cache
def _window() -> np.ndarray:
    return np.hanning(N_FFT + 1)[:-1]  # periodic Hann, as torch.hann_window


def last_seconds(audio16k: np.ndarray) -> np.ndarray:
    """The turn's last `SECONDS`, zero-padded in front when shorter (the end is what matters)."""
    audio16k = np.asarray(audio16k, np.float32)[-SAMPLES:]
    return np.pad(audio16k, (SAMPLES - len(audio16k), 0))


def log_mel_features(audio16k: np.ndarray) -> np.ndarray:
    """Whisper's (80, 800) log-mel features of exactly `SAMPLES` samples, with the waveform
    normalised to zero mean and unit variance first, as the model was trained."""
    if audio16k.ndim != 1 or len(audio16k) != SAMPLES:
        raise ValueError(f"expected {SAMPLES} mono samples, got shape {audio16k.shape}")
    x = audio16k.astype(np.float32)
    x = (x - x.mean()) / np.sqrt(x.var() + 1e-7)
    padded = np.pad(x.astype(np.float64), N_FFT // 2, mode="reflect")
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP]
    power = np.abs(np.fft.rfft(frames * _window(), axis=-1)) ** 2  # (frames, bins)
    log_mel = np.log10(np.maximum(mel_filters() @ power.T, 1e-10))[:, :-1]
    log_mel = np.maximum(log_mel, log_mel.max() - 8.0)  # an 80 dB range below the peak
    return ((log_mel + 4.0) / 4.0).astype(np.float32)


class SmartTurn:
    """The end-of-turn model, one ONNX session shared by all sessions (ONNX Runtime's `run`
    is thread-safe); a call takes ~10-30 ms on one core, so it runs in a model worker."""

    def __init__(self, path: Path | None = None, threads: int = 1) -> None:
        import onnxruntime

        self.path = path or smart_turn_model_path()
        self._session = onnxruntime.InferenceSession(
            str(self.path),
            sess_options=session_options(threads),
            providers=["CPUExecutionProvider"],
        )

    def complete(self, turn16k: np.ndarray) -> float:
        """The probability that the speaker has finished, given their turn so far (16 kHz)."""
        features = log_mel_features(last_seconds(turn16k))[None]
        (probability,) = self._session.run(None, {"input_features": features})
        return float(np.asarray(probability).reshape(-1)[0])
