"""The codec training run's curves.png, drawn from its log.jsonl."""

from __future__ import annotations

import json
from pathlib import Path


def plot_curves(log_path: Path, png_path: Path) -> None:
    try:
        import matplotlib
    except ImportError:  # a bare GPU box: log.jsonl has it all, plot it elsewhere
        return

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    records = [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]
    train = [r for r in records if "loss" in r]
    val = [r for r in records if "val_loss" in r]
    fig, (ax_loss, ax_val, ax_codes) = plt.subplots(1, 3, figsize=(16, 4.5))
    for key in ("loss", "mel", "stft", "waveform", "commitment", "adversarial", "disc"):
        points = [(r["step"], r[key]) for r in train if key in r]
        if points:
            ax_loss.plot(*zip(*points, strict=True), label=key)
    for key in ("val_loss", "val_mel"):
        points = [(r["step"], r[key]) for r in val]
        if points:
            ax_val.plot(*zip(*points, strict=True), marker="o", label=key)
    if train:  # perplexity: how many codes a codebook effectively uses per batch
        steps = [r["step"] for r in train]
        ax_codes.plot(steps, [r["perplexity"] for r in train], label="perplexity (mean)")
    for ax, title in ((ax_loss, "training"), (ax_val, "held out"), (ax_codes, "codebooks")):
        ax.set_title(title)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
        if ax.lines:
            ax.legend(fontsize=8)
    for ax in (ax_loss, ax_val, ax_codes):
        if ax.lines:
            ax.set_yscale("log")
    fig.tight_layout()
    fig.savefig(png_path, dpi=90)
    plt.close(fig)
