"""A Piper (VITS) voice cut in two at its latent frames, at load time, in memory.

VITS runs phoneme ids -> text encoder -> prior (mean `m_p`, log-std `logs_p`, expanded to
frames by the predicted durations) -> `z_p = m_p + noise * exp(logs_p)` -> reverse flow ->
latent `z` (192 channels, one frame per `hop` samples) -> HiFi-GAN decoder -> audio. The
voice's ONNX graph is cut into three parts with `onnx.utils.Extractor`: the encoder (ids to
`m_p`, `logs_p`, `z`, mask), the flow (`z_p` to `z`) and the decoder (`z` to audio); run
in sequence they give the whole model's samples. The tensors are found by the structure
of Piper's export (the decoder's first convolution and what feeds it), so any Piper voice
of that export works; another graph is refused with a message that says what is missing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from voice_agent.models.onnx import session_options

CHANNELS = 192  # the latent width of Piper's VITS voices


class NotAPiperVoice(ValueError):
    """The ONNX graph is not a Piper VITS export this cut understands."""


@dataclass(frozen=True)
class CutPoints:
    """Names of the tensors where the graph is cut."""

    prior_mean: str  # m_p, frames x 192 (expanded by durations)
    prior_log_std: str  # logs_p, frames x 192
    prior_sample: str  # z_p = m_p + noise * exp(logs_p) * noise_scale
    mask: str  # 1 x 1 x frames
    latent: str  # z, the decoder's input
    durations: str  # frames of each phoneme id (the Ceil of the predicted durations)


def find_cut_points(graph: Any) -> CutPoints:
    """Locate the cut tensors by the graph's structure, not by guessing names."""
    nodes = list(graph.node)
    conv_pre = [n for n in nodes if n.op_type == "Conv" and n.name.endswith("dec/conv_pre/Conv")]
    if len(conv_pre) != 1:
        raise NotAPiperVoice("no HiFi-GAN decoder input (a Conv named */dec/conv_pre/Conv)")
    latent = conv_pre[0].input[0]
    producers = {out: n for n in nodes for out in n.output}
    masking = producers.get(latent)
    if masking is None or masking.op_type != "Mul":
        raise NotAPiperVoice("the decoder's input is not the masked output of the flow")
    mask = next((i for i in masking.input if producers.get(i, masking).op_type == "Cast"), None)
    if mask is None:
        raise NotAPiperVoice("no frame mask (a Cast) next to the decoder's input")
    sample = next(
        (n for n in nodes if n.op_type == "Add" and n.name == "/Add" and len(n.input) == 2),
        None,
    )
    if sample is None:
        raise NotAPiperVoice("no prior sample z_p (the Add of the prior mean and its noise)")
    mean = sample.input[0]
    noise_term = producers.get(sample.input[1])
    log_std = _find_log_std(noise_term, producers) if noise_term is not None else None
    if log_std is None:
        raise NotAPiperVoice("no prior log-std feeding the prior sample's noise")
    ceil = [n for n in nodes if n.op_type == "Ceil"]
    if len(ceil) != 1:
        raise NotAPiperVoice("no phoneme durations (one Ceil of the predicted lengths)")
    return CutPoints(mean, log_std, sample.output[0], mask, latent, ceil[0].output[0])


def _find_log_std(node: Any, producers: dict[str, Any], depth: int = 4) -> str | None:
    """The `Transpose` output that reaches z_p's noise term through its `Exp`."""
    if depth == 0:
        return None
    for name in node.input:
        parent = producers.get(name)
        if parent is None:
            continue
        if parent.op_type == "Exp":
            source = producers.get(parent.input[0])
            return source.output[0] if source is not None else parent.input[0]
        found = _find_log_std(parent, producers, depth - 1)
        if found is not None:
            return found
    return None


@dataclass
class Latents:
    """One sentence's latent frames (channels x frames, float32)."""

    prior_mean: np.ndarray
    prior_log_std: np.ndarray
    latent: np.ndarray
    durations: np.ndarray  # frames of each phoneme id (int), summing to the frame count

    @property
    def frames(self) -> int:
        return int(self.latent.shape[1])


class PiperHalves:
    """The bundled (or any) Piper voice as encoder, flow and decoder sessions."""

    def __init__(self, model_path: str | None = None, threads: int = 1) -> None:
        import onnx
        import onnxruntime
        from onnx.utils import Extractor
        from piper import PiperVoice
        from piper.config import PiperConfig

        from voice_agent.models.tts import _with_noise_inputs, default_voice_paths

        if model_path:
            path, config_path = model_path, model_path + ".json"
        else:
            path, config_path = default_voice_paths()
        with open(config_path, encoding="utf-8") as handle:
            raw_config = json.load(handle)
        self.config = PiperConfig.from_dict(raw_config)
        if self.config.num_speakers > 1:
            raise NotAPiperVoice(f"{path}: multi-speaker voices are not supported yet")
        model = onnx.load_from_string(_with_noise_inputs(path))  # seeded noise, as distill
        self.cut = find_cut_points(model.graph)
        extractor = Extractor(model)
        cut = self.cut
        encoder = extractor.extract_model(
            ["input", "input_lengths", "scales", "noise_durations", "noise_latents"],
            [cut.prior_mean, cut.prior_log_std, cut.latent, cut.mask, cut.durations],
        )
        flow = extractor.extract_model([cut.prior_sample, cut.mask], [cut.latent])
        decoder = extractor.extract_model([cut.latent], [model.graph.output[0].name])
        options = session_options(threads, varying_shapes=True)
        providers = ["CPUExecutionProvider"]

        def session(part: Any) -> Any:
            return onnxruntime.InferenceSession(
                part.SerializeToString(), sess_options=options, providers=providers
            )

        self._encoder, self._flow, self._decoder = session(encoder), session(flow), session(decoder)
        self.voice = PiperVoice(session=self._encoder, config=self.config)
        self.sample_rate: int = self.config.sample_rate
        self.hop: int = self._measure_hop()
        self.path = Path(path)

    def _measure_hop(self) -> int:
        frames = 16
        audio = self.decode(np.zeros((CHANNELS, frames), np.float32))
        hop, remainder = divmod(len(audio), frames)
        if remainder:
            raise NotAPiperVoice(f"the decoder gives {len(audio)} samples for {frames} frames")
        return hop

    @property
    def frame_rate(self) -> float:
        return self.sample_rate / self.hop

    def sentences(self, text: str) -> list[list[int]]:
        """Phoneme ids of each sentence of `text`, as Piper speaks them."""
        return [
            self.voice.phonemes_to_ids(phonemes)
            for phonemes in self.voice.phonemize(text)
            if phonemes
        ]

    def encode(
        self,
        phoneme_ids: list[int],
        noise_durations: np.ndarray,
        noise_latents: np.ndarray,
        length_scale: float = 1.0,
    ) -> Latents:
        """One sentence's latents, with the given noise banks (see `models.tts`)."""
        config = self.config
        scales = np.array([config.noise_scale, length_scale, config.noise_w_scale], np.float32)
        feed = {
            "input": np.array([phoneme_ids], np.int64),
            "input_lengths": np.array([len(phoneme_ids)], np.int64),
            "scales": scales,
            "noise_durations": noise_durations,
            "noise_latents": noise_latents,
        }
        mean, log_std, latent, _, durations = self._encoder.run(None, feed)
        return Latents(mean[0], log_std[0], latent[0], durations.reshape(-1).astype(np.int64))

    def flow(self, prior_sample: np.ndarray) -> np.ndarray:
        """z from z_p (channels x frames)."""
        mask = np.ones((1, 1, prior_sample.shape[1]), np.float32)
        (latent,) = self._flow.run(
            None, {self.cut.prior_sample: prior_sample[None], self.cut.mask: mask}
        )
        return np.asarray(latent[0])

    def decode(self, latent: np.ndarray) -> np.ndarray:
        """Audio (float32, the voice's own scale, not normalised) of latent frames."""
        (audio,) = self._decoder.run(None, {self.cut.latent: latent[None].astype(np.float32)})
        return np.asarray(audio, np.float32).reshape(-1)
