"""Streaming Silero VAD (ONNX, from the `silero-vad` package) and the speech-edge detector.

`SileroVAD` holds the shared ONNX session; each session owns a `SileroState`.
`SpeechDetector` turns per-window speech probabilities into speech start/stop edges
with the Realtime `server_vad` parameters. Both are plain synchronous code: the
session runs them in a worker thread, never on the event loop.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np

from voice_agent.audio import MODEL_RATE
from voice_agent.models.onnx import session_options

WINDOW = 512  # samples per Silero step at 16 kHz (32 ms)
CONTEXT = 64  # samples of the previous window the model sees again
WINDOW_MS = WINDOW * 1000 // MODEL_RATE
# The `server_vad` defaults (OpenAI's); the protocol's `TurnDetection` takes them from here.
DEFAULT_THRESHOLD = 0.5
DEFAULT_SILENCE_MS = 500


def silero_model_path() -> Path:
    spec = importlib.util.find_spec("silero_vad")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("silero-vad is not installed: run scripts/install.sh")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "silero_vad.onnx"


State = TypeVar("State")


class SpeechProbability(Protocol[State]):
    """Anything that scores 512-sample windows, carrying a state of its own from one window
    to the next; tests may pass a simpler scorer."""

    def new_state(self) -> State: ...

    def __call__(self, window: np.ndarray, state: State) -> float: ...


@dataclass
class SileroState:
    rnn: np.ndarray = field(default_factory=lambda: np.zeros((2, 1, 128), np.float32))
    context: np.ndarray = field(default_factory=lambda: np.zeros((1, CONTEXT), np.float32))

    def reset(self) -> None:
        self.rnn[:] = 0.0
        self.context[:] = 0.0


class SileroVAD:
    """One ONNX session shared by all sessions (onnxruntime's `run` is thread-safe)."""

    def __init__(self, path: Path | None = None) -> None:
        import onnxruntime

        self._session = onnxruntime.InferenceSession(
            str(path or silero_model_path()),
            sess_options=session_options(1),
            providers=["CPUExecutionProvider"],
        )
        self._sr = np.array(MODEL_RATE, dtype=np.int64)

    def new_state(self) -> SileroState:
        return SileroState()

    def __call__(self, window: np.ndarray, state: SileroState) -> float:
        x = np.concatenate([state.context, window.reshape(1, WINDOW)], axis=1)
        prob, rnn = self._session.run(None, {"input": x, "state": state.rnn, "sr": self._sr})
        state.rnn = rnn
        state.context = x[:, -CONTEXT:]
        return float(prob[0, 0])


@dataclass(frozen=True)
class SpeechEdge:
    # 'started' | 'paused' (silence long enough to guess the turn ended) | 'still_paused'
    # (that silence has doubled again; with `recheck`) | 'resumed' (speech again after a
    # pause) | 'stopped'
    kind: str
    sample: int  # 16 kHz sample offset from the start of the session's input stream
    silence_ms: int = 0  # of a pause: how long the silence has lasted


@dataclass
class SpeechDetector:
    """Speech start/stop edges from window probabilities (Silero's hysteresis rule).

    Speech starts after `min_speech_ms` of windows above `threshold`, and stops after
    `silence_duration_ms` below `threshold - 0.15`. After `pause_ms` of that silence a
    'paused' edge (same `sample` as the 'stopped' edge that may follow) lets the session
    start work early, and a 'resumed' edge says to drop it. With `recheck`, a 'still_paused'
    edge follows each time that silence doubles (2, 4, 8... x `pause_ms`), for a session
    that asks again whether the turn is over. Offsets are 16 kHz sample counts.
    """

    model: SpeechProbability[Any]
    threshold: float = DEFAULT_THRESHOLD
    silence_duration_ms: int = DEFAULT_SILENCE_MS
    min_speech_ms: int = 64
    pause_ms: int = 0  # 0: no 'paused' edges
    recheck: bool = False  # 'still_paused' edges as the pause grows
    state: object = None
    speaking: bool = False
    _pending: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    _consumed: int = 0  # samples scored so far
    _run_start: int | None = None  # first sample of the current above/below run
    _run_len: int = 0
    _pause_reported: bool = False
    _next_check_ms: float = 0.0  # the silence of the next 'still_paused' edge

    def __post_init__(self) -> None:
        if self.state is None:
            self.state = self.model.new_state()

    def reset(self) -> None:
        """Forget the audio so far; offsets keep counting every sample received."""
        self.state = self.model.new_state()
        self.speaking = False
        self._consumed += len(self._pending)
        self._pending = np.zeros(0, np.float32)
        self._run_start, self._run_len, self._pause_reported = None, 0, False

    def end_speech(self) -> None:
        """The turn was ended by someone else (an end-of-turn model) during a pause: listen
        for the next turn's speech instead of waiting out the silence."""
        self.speaking = False
        self._run_start, self._run_len, self._pause_reported = None, 0, False

    def process(self, audio16k: np.ndarray) -> list[SpeechEdge]:
        """Feed 16 kHz audio; returns the edges completed by it, in order."""
        buffer = np.concatenate([self._pending, audio16k.astype(np.float32, copy=False)])
        edges: list[SpeechEdge] = []
        n_windows = len(buffer) // WINDOW
        for i in range(n_windows):
            window = buffer[i * WINDOW : (i + 1) * WINDOW]
            start = self._consumed
            self._consumed += WINDOW
            prob = self.model(window, self.state)
            edge = self._step(prob, start)
            if edge is not None:
                edges.append(edge)
        self._pending = buffer[n_windows * WINDOW :].copy()
        return edges

    def _step(self, prob: float, window_start: int) -> SpeechEdge | None:
        # A "run" is consecutive windows pointing at the opposite state.
        flips = prob < self.threshold - 0.15 if self.speaking else prob >= self.threshold
        if not flips:
            resumed = self._pause_reported
            self._run_start, self._run_len, self._pause_reported = None, 0, False
            return SpeechEdge("resumed", window_start) if resumed else None
        if self._run_start is None:
            self._run_start = window_start
        self._run_len += WINDOW
        run_ms = self._run_len * 1000 / MODEL_RATE
        needed_ms = self.silence_duration_ms if self.speaking else self.min_speech_ms
        if run_ms < needed_ms:
            pausing = self.speaking and self.pause_ms and run_ms >= self.pause_ms
            if pausing and not self._pause_reported:
                self._pause_reported = True
                self._next_check_ms = 2 * self.pause_ms
                return SpeechEdge("paused", self._run_start, int(run_ms))
            if pausing and self.recheck and run_ms >= self._next_check_ms:
                self._next_check_ms *= 2
                return SpeechEdge("still_paused", self._run_start, int(run_ms))
            return None
        edge = SpeechEdge("stopped" if self.speaking else "started", self._run_start)
        self.speaking = not self.speaking
        self._run_start, self._run_len, self._pause_reported = None, 0, False
        return edge
