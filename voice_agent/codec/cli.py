"""`voice-agent train-codec` and `voice-agent eval-codec`: the codec's own entry points
(`python -m voice_agent.codec.train` / `.evaluate`) as subcommands, with the same options."""

from __future__ import annotations

import argparse

from voice_agent.codec.options import HelpFormatter, add_eval_arguments, add_train_arguments


def add_codec_commands(commands: argparse._SubParsersAction) -> None:
    trainer = commands.add_parser(
        "train-codec",
        help="train the streaming audio codec (CPU, GPU, or torchrun)",
        description="Train the codec; see python -m voice_agent.codec.train --help. Resumes "
        "from OUT/last.pt; --max-minutes stops and saves in time.",
        formatter_class=HelpFormatter,
    )
    add_train_arguments(trainer)
    evaluator = commands.add_parser(
        "eval-codec",
        help="measure a codec checkpoint on held-out speech (WER, STOI, RTF)",
        description="Whisper WER, mel distance, STOI, bitrate and CPU real-time factor of a "
        "codec checkpoint on held-out speech, with spectrograms and example WAVs.",
        formatter_class=HelpFormatter,
    )
    add_eval_arguments(evaluator)


def run_codec_command(args: argparse.Namespace) -> int:
    if args.command == "train-codec":
        from voice_agent.codec import train

        return train.run(args)
    if args.command == "eval-codec":
        from voice_agent.codec import evaluate

        return evaluate.run(args)
    raise ValueError(f"not a codec command: {args.command}")
