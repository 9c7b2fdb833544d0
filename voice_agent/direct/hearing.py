"""Whisper tiny.en's encoder alone, on the unpadded turn: the frames the adapter reads.

Whisper was trained on 30 s windows padded with silence; we feed the turn as it is (far
cheaper: ~20 ms for 3 s instead of ~290 ms) in training and serving alike, so the adapter
learns the frames it will see.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ENCODER_RATE = 50  # frames per second out of the encoder
ENCODER_WIDTH = 384
MAX_SECONDS = 30  # Whisper's positional table ends here


@dataclass(frozen=True)
class EncoderConfig:
    model_path: str | None = None  # CTranslate2 Whisper directory; None: the bundled tiny.en
    compute_type: str = "int8"
    threads: int = 2


class SpeechEncoder:
    def __init__(self, config: EncoderConfig | None = None) -> None:
        import ctranslate2
        from faster_whisper.feature_extractor import FeatureExtractor

        from voice_agent.models.asr import default_whisper_path

        config = config or EncoderConfig()
        path = config.model_path or str(default_whisper_path())
        self._model = ctranslate2.models.Whisper(
            path, device="cpu", compute_type=config.compute_type, intra_threads=config.threads
        )
        self._features = FeatureExtractor(feature_size=80)

    def encode(self, audio16k: np.ndarray) -> np.ndarray:
        """Encoder frames (frames x 384, float16) of 16 kHz mono audio."""
        import ctranslate2

        audio = np.asarray(audio16k, np.float32)[: MAX_SECONDS * 16_000]
        if len(audio) < 1_600:
            audio = np.pad(audio, (0, 1_600 - len(audio)))
        mel = self._features(audio, padding=0)  # 80 x T, T even below
        mel = mel[:, : mel.shape[1] // 2 * 2]
        view = ctranslate2.StorageView.from_array(np.ascontiguousarray(mel[None], np.float32))
        frames = np.asarray(self._model.encode(view, to_cpu=True))
        return frames[0].astype(np.float16)
