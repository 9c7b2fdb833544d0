"""Voice tokens: latent frames quantised by residual k-means, fitted on the CPU.

A tokenizer turns a sentence's frames (channels x frames) into tokens (steps x levels):
`stride` frames are stacked into one vector per step, level 1 is its nearest centroid,
level 2 the nearest centroid of what level 1 left, and so on. Decoding sums the chosen
centroids and unstacks them into frames again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:
    import torch

LatentKind = Literal["prior", "latent"]  # m_p (decoded through the flow) or z


def default_tokenizer_path() -> Path:
    """The project's tokenizer for the bundled voice, committed under models/ in the
    checkout the package runs from (`fit-voice-tokens --name default` writes it)."""
    return Path(__file__).resolve().parents[2] / "models" / "voice_tokens" / "default.npz"


@dataclass(frozen=True)
class TokenizerSpec:
    kind: LatentKind = "prior"
    sizes: tuple[int, ...] = (4096,)  # centroids per level
    stride: int = 1  # frames per token step
    channels: int = 192

    @property
    def bits_per_step(self) -> float:
        return float(sum(np.log2(size) for size in self.sizes))

    def bitrate(self, frame_rate: float) -> float:
        return self.bits_per_step * frame_rate / self.stride


class VoiceTokenizer:
    def __init__(
        self, spec: TokenizerSpec, codebooks: list[np.ndarray], voice: str, gain: float = 1.0
    ) -> None:
        if len(codebooks) != len(spec.sizes):
            raise ValueError(f"{len(spec.sizes)} levels need as many codebooks")
        self.spec = spec
        self.codebooks = [c.astype(np.float32) for c in codebooks]  # level: size x (stride*C)
        self.voice = voice  # the voice file's name: tokens mean nothing in another voice
        # Piper scales each sentence to its own peak; a stream cannot know the peak ahead,
        # so it multiplies the decoder's output by this typical factor instead.
        self.gain = gain

    @property
    def id(self) -> str:
        """A short digest of the codebooks: datasets record which tokenizer made them."""
        digest = hashlib.sha256()
        for codebook in self.codebooks:
            digest.update(codebook.astype(np.float16).tobytes())
        return (
            f"{self.spec.kind}-{'x'.join(map(str, self.spec.sizes))}-s{self.spec.stride}-"
            + (digest.hexdigest()[:8])
        )

    def _stack(self, frames: np.ndarray) -> np.ndarray:
        stride = self.spec.stride
        steps = -(-frames.shape[1] // stride)
        padded = np.pad(frames, ((0, 0), (0, steps * stride - frames.shape[1])), mode="edge")
        return padded.T.reshape(steps, stride * frames.shape[0])

    def encode(self, frames: np.ndarray) -> np.ndarray:
        """Tokens (steps x levels, int32) of frames (channels x frames)."""
        residual = self._stack(frames.astype(np.float32))
        tokens = []
        for codebook in self.codebooks:
            chosen = nearest(residual, codebook)
            tokens.append(chosen)
            residual = residual - codebook[chosen]
        return np.stack(tokens, axis=1).astype(np.int32)

    def decode(self, tokens: np.ndarray, frames: int | None = None) -> np.ndarray:
        """Frames (channels x frames) of tokens; `frames` trims a padded last step."""
        stacked = sum(codebook[tokens[:, level]] for level, codebook in enumerate(self.codebooks))
        stacked = np.asarray(stacked, np.float32)
        out = stacked.reshape(len(tokens) * self.spec.stride, self.spec.channels).T
        return out[:, :frames] if frames is not None else out

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = json.dumps({"spec": asdict(self.spec), "voice": self.voice, "gain": self.gain})
        arrays: dict[str, np.ndarray] = {"meta": np.array(meta)}
        arrays.update({f"level{i}": c.astype(np.float16) for i, c in enumerate(self.codebooks)})
        np.savez_compressed(path, allow_pickle=False, **arrays)

    @classmethod
    def load(cls, path: Path) -> VoiceTokenizer:
        with np.load(path) as data:
            meta = json.loads(str(data["meta"]))
            spec_fields = meta["spec"]
            spec = TokenizerSpec(**{**spec_fields, "sizes": tuple(spec_fields["sizes"])})
            codebooks = [data[f"level{i}"].astype(np.float32) for i in range(len(spec.sizes))]
        return cls(spec, codebooks, meta["voice"], float(meta.get("gain", 1.0)))


def nearest(vectors: np.ndarray, codebook: np.ndarray, batch: int = 8192) -> np.ndarray:
    """Index of each vector's nearest centroid (squared Euclidean)."""
    norms = np.einsum("ij,ij->i", codebook, codebook)
    out = np.empty(len(vectors), np.int64)
    for start in range(0, len(vectors), batch):
        part = vectors[start : start + batch]
        out[start : start + batch] = np.argmin(norms[None, :] - 2.0 * part @ codebook.T, axis=1)
    return out


def kmeans(
    vectors: np.ndarray, size: int, iterations: int = 25, seed: int = 0, progress: bool = False
) -> np.ndarray:
    """Centroids of `vectors` (k-means++ seeding on a sample, Lloyd steps, dead centroids
    restarted on the points farthest from theirs). Torch does the matrix work."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    data = torch.from_numpy(np.ascontiguousarray(vectors, np.float32))
    if len(data) < size:
        raise ValueError(f"{len(data)} vectors cannot make {size} centroids; fit on more speech")
    centroids = _plus_plus(data, size, generator)
    steps = range(iterations)
    if progress:
        from tqdm import tqdm

        steps = tqdm(steps, desc=f"k-means {size}", unit="it")
    for _ in steps:
        assignment, distance = _assign(data, centroids)
        counts = torch.bincount(assignment, minlength=size)
        sums = torch.zeros_like(centroids).index_add_(0, assignment, data)
        alive = counts > 0
        centroids[alive] = sums[alive] / counts[alive, None].float()
        dead = int((~alive).sum())
        if dead:  # restart them on the worst-served points
            worst = torch.topk(distance, dead).indices
            centroids[~alive] = data[worst]
    return centroids.numpy()


def _plus_plus(data: torch.Tensor, size: int, generator: torch.Generator) -> torch.Tensor:
    import torch

    sample = data[torch.randperm(len(data), generator=generator)[: max(size * 8, 20_000)]]
    chosen = [int(torch.randint(len(sample), (1,), generator=generator))]
    distance = ((sample - sample[chosen[0]]) ** 2).sum(1)
    for _ in range(size - 1):
        pick = int(torch.multinomial(distance + 1e-12, 1, generator=generator))
        chosen.append(pick)
        distance = torch.minimum(distance, ((sample - sample[pick]) ** 2).sum(1))
    return sample[chosen].clone()


def _assign(
    data: torch.Tensor,
    centroids: torch.Tensor,
    batch: int = 16_384,
) -> tuple[torch.Tensor, torch.Tensor]:
    import torch

    norms = (centroids**2).sum(1)
    assignment = torch.empty(len(data), dtype=torch.int64)
    distance = torch.empty(len(data))
    for start in range(0, len(data), batch):
        part = data[start : start + batch]
        scores = norms[None, :] - 2.0 * part @ centroids.T
        best, index = scores.min(1)
        assignment[start : start + batch] = index
        distance[start : start + batch] = best + (part**2).sum(1)
    return assignment, distance


def fit_tokenizer(
    frames: list[np.ndarray], spec: TokenizerSpec, voice: str, seed: int = 0, progress: bool = False
) -> VoiceTokenizer:
    """Fit residual k-means on sentences' frames (each channels x frames)."""
    empty = VoiceTokenizer(spec, [np.zeros((1, 1))] * len(spec.sizes), voice)
    residual = np.concatenate([empty._stack(f) for f in frames])
    codebooks = []
    for level, size in enumerate(spec.sizes):
        codebook = kmeans(residual, size, seed=seed + level, progress=progress)
        codebooks.append(codebook)
        residual = residual - codebook[nearest(residual, codebook)]
    return VoiceTokenizer(spec, codebooks, voice)
