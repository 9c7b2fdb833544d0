"""The codec commands' options, without importing torch (so `voice-agent` starts fast)."""

from __future__ import annotations

import argparse
from pathlib import Path

PRESET_NAMES = ("default", "tiny")  # model.PRESETS


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the module docstring's layout and shows the defaults that say something."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        quiet = (
            action.default is None or action.default is False or action.default == argparse.SUPPRESS
        )
        if not quiet and "%(default)" not in text:
            text += " (default: %(default)s)"
        return text


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        type=Path,
        action="append",
        required=True,
        help="a distillation dataset directory (Parquet), a directory of WAV files, or one "
        "such file (repeatable)",
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="run directory (resumed if it has last.pt)"
    )
    parser.add_argument("--config", choices=PRESET_NAMES, default="default", help="model preset")
    parser.add_argument("--steps", type=int, default=20_000, help="total optimizer steps")
    parser.add_argument("--batch-size", type=int, default=48, help="crops per step and process")
    parser.add_argument("--segment-s", type=float, default=1.0, help="crop length in seconds")
    parser.add_argument("--lr", type=float, default=1e-3, help="peak learning rate (Adam)")
    parser.add_argument("--warmup-steps", type=int, default=500, help="linear warm-up steps")
    parser.add_argument("--bf16", action="store_true", help="bf16 autocast (CUDA only)")
    parser.add_argument(
        "--adversarial",
        action="store_true",
        help="add the multi-scale STFT discriminator (hinge + feature matching)",
    )
    parser.add_argument(
        "--assistant-weight",
        type=float,
        default=1.0,
        help="draw the assistant voice (speech2) this many times as often per second of audio",
    )
    parser.add_argument("--log-every", type=int, default=50, help="steps per log line")
    parser.add_argument(
        "--checkpoint-every", type=int, default=1000, help="steps per checkpoint and validation"
    )
    parser.add_argument("--seed", type=int, default=0, help="seeds the weights and the batches")
    parser.add_argument(
        "--max-minutes",
        type=float,
        default=None,
        help="stop and save before this much wall time has passed since start",
    )
    parser.add_argument("--workers", type=int, default=2, help="DataLoader worker processes")
    parser.add_argument("--device", default=None, help="default: cuda if available, else cpu")


def add_eval_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--checkpoint", type=Path, required=True, help="codec.pt or last.pt of a training run"
    )
    parser.add_argument(
        "--data",
        type=Path,
        action="append",
        required=True,
        help="the training data (its held-out items are used; repeatable)",
    )
    parser.add_argument("--out", type=Path, required=True, help="report directory")
    parser.add_argument("--items", type=int, default=20, help="held-out items per voice role")
    parser.add_argument("--examples", type=int, default=2, help="WAV/PNG examples per voice role")
    parser.add_argument(
        "--chunk-frames", type=int, default=1, help="codec frames per streaming chunk"
    )
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
