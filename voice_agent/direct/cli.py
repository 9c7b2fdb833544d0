"""`voice-agent train-direct` and `eval-direct` (also `python -m voice_agent.direct ...`)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from voice_agent.direct.config import DEVICES, HEAR_LOSSES, HEARINGS, STAGES, TrainConfig


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = TrainConfig(data=Path(), out=Path())
    parser.add_argument("--data", type=Path, required=True, help="`voice-agent distill` directory")
    parser.add_argument(
        "--out", type=Path, required=True, help="run directory (resumed if it exists)"
    )
    parser.add_argument(
        "--stages",
        default=",".join(STAGES),
        help="comma-separated stages to run, in order (default: %(default)s)",
    )
    for stage in STAGES:
        parser.add_argument(
            f"--{stage}-steps",
            type=int,
            default=getattr(defaults, f"{stage}_steps"),
            help=f"optimiser steps of the {stage} stage (default: %(default)s)",
        )
        parser.add_argument(
            f"--{stage}-batch",
            type=int,
            default=getattr(defaults, f"{stage}_batch"),
            help=f"examples per step of the {stage} stage (default: %(default)s)",
        )
        parser.add_argument(
            f"--{stage}-lr",
            type=float,
            default=getattr(defaults, f"{stage}_lr"),
            help=f"peak learning rate of the {stage} stage (default: %(default)s)",
        )
    parser.add_argument(
        "--extra-speech",
        type=int,
        default=0,
        help="hearing examples beyond the dataset's: more bundled prompts spoken by the "
        "distill's user voices (~0.2 s each to make; default: %(default)s)",
    )
    parser.add_argument(
        "--varied-speech",
        type=int,
        default=0,
        help="hearing examples like --extra-speech with a share of each prompt's words swapped "
        "for random English words, so the adapter must hear every word rather than recall a "
        "training prompt (~0.2 s each to make; default: %(default)s)",
    )
    parser.add_argument(
        "--short-speech",
        type=int,
        default=0,
        help='hearing examples of one to four words ("Maybe.", "Okay, pizza?") in the '
        "distill's user voices: the bundled prompts are nearly all longer questions "
        "(~0.1 s each to make; default: %(default)s)",
    )
    parser.add_argument(
        "--hear-init",
        type=Path,
        default=None,
        help="an adapter.pt to start the hearing stage from instead of random weights "
        "(fine-tuning a shipped adapter on new data; default: none)",
    )
    parser.add_argument(
        "--hear-loss",
        choices=HEAR_LOSSES,
        default=defaults.hear_loss,
        help="the hearing stage's loss: 'both', the LLM repeating what was said plus the CTC "
        "reading of the adapted frames, or 'ctc' alone (no LLM pass per step, ~6x faster; "
        "trains the reading serving uses by default) (default: %(default)s)",
    )
    parser.add_argument(
        "--extra-replies",
        type=int,
        default=0,
        help="speaking examples beyond the dataset's: the teacher's text replies to more "
        "bundled prompts (1-6 s each to make; default: %(default)s)",
    )
    parser.add_argument(
        "--extra-texts",
        type=int,
        default=0,
        help="speaking examples beyond the dataset's: bundled prompts' own words as things the "
        "assistant says (~0.4 s each to make; default: %(default)s)",
    )
    parser.add_argument(
        "--save-every",
        type=int,
        default=defaults.save_every,
        help="steps between checkpoints (default: %(default)s)",
    )
    parser.add_argument(
        "--evaluate-every",
        type=int,
        default=defaults.evaluate_every,
        help="steps between held-out evaluations (default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=defaults.seed, help="same seed, same run")
    parser.add_argument(
        "--threads",
        type=int,
        default=os.cpu_count() or 1,
        help="CPU threads (default: %(default)s)",
    )
    parser.add_argument(
        "--device",
        choices=DEVICES,
        default=defaults.device,
        help="where the LLM and the trained parts run: auto takes CUDA when torch sees it "
        "(default: %(default)s). Under `torchrun --nproc-per-node N -m voice_agent "
        "train-direct ...` each process takes 1/N of every batch (one GPU each, or CPU "
        "processes over gloo); the batch sizes stay the whole step's",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")


def add_direct_commands(commands: argparse._SubParsersAction) -> None:
    train = commands.add_parser(
        "train-direct",
        help="train the direct engine's adapter and speech head on distillation data",
        description="Train the small parts of the direct model (the speech adapter, then the "
        "speech head) with the frozen Whisper encoder, SmolLM2 and Piper voice. Resumable: "
        "run the same command again after a kill. Frozen models' outputs are cached in "
        "OUT/cache.",
    )
    add_train_arguments(train)
    evaluate = commands.add_parser(
        "eval-direct",
        help="measure the direct model on held-out prompts and voices (JSON report and PNG)",
        description="Speak held-out prompts in held-out voices and measure the direct model's "
        "hearing (text1 WER, next to Whisper's), intelligibility (Whisper WER of its audio "
        "against its own text), relevance (MiniLM similarity to the cascade's reply, with the "
        "cascade-vs-cascade ceiling and a random floor) and real-time factor.",
    )
    evaluate.add_argument(
        "--model", type=Path, default=None, help="direct model directory (default: models/direct)"
    )
    evaluate.add_argument("--out", type=Path, required=True, help="report directory")
    evaluate.add_argument("--items", type=int, default=40, help="prompts (default: %(default)s)")
    evaluate.add_argument(
        "--conversation",
        type=int,
        default=60,
        help="conversational requests (the bench's) to measure hearing on as well, 0 for none "
        "(default: %(default)s)",
    )
    evaluate.add_argument("--seed", type=int, default=0, help="which prompts, and sampling")
    evaluate.add_argument(
        "--hearing",
        choices=HEARINGS,
        default=HEARINGS[0],
        help="how text1 is read: ctc (the adapter's frames as tokens, default), llm (SmolLM2 "
        "repeats the adapted speech back), whisper (Whisper's decoder)",
    )
    evaluate.add_argument(
        "--card",
        action="store_true",
        help="also write the model's card (README.md) and eval.json into the model directory",
    )
    evaluate.add_argument(
        "--threads",
        type=int,
        default=os.cpu_count() or 1,
        help="CPU threads (default: %(default)s)",
    )


def run_train_command(args: argparse.Namespace) -> int:
    from voice_agent.direct.train import run_training

    stages = tuple(s.strip() for s in args.stages.split(",") if s.strip())
    unknown = [s for s in stages if s not in STAGES]
    if unknown:
        print(
            f"error: unknown stage(s) {', '.join(unknown)}; stages: {', '.join(STAGES)}",
            file=sys.stderr,
        )
        return 2
    if not (args.data / "distill.json").exists():
        print(
            f"error: {args.data} is not a `voice-agent distill` directory (no distill.json)",
            file=sys.stderr,
        )
        return 2
    config = TrainConfig(
        data=args.data,
        out=args.out,
        stages=stages,
        hear_steps=args.hear_steps,
        speak_steps=args.speak_steps,
        hear_batch=args.hear_batch,
        speak_batch=args.speak_batch,
        hear_lr=args.hear_lr,
        speak_lr=args.speak_lr,
        extra_speech=args.extra_speech,
        varied_speech=args.varied_speech,
        short_speech=args.short_speech,
        hear_init=args.hear_init,
        hear_loss=args.hear_loss,
        extra_replies=args.extra_replies,
        extra_texts=args.extra_texts,
        save_every=args.save_every,
        evaluate_every=args.evaluate_every,
        seed=args.seed,
        threads=args.threads,
        device=args.device,
        progress=not args.no_progress,
    )
    results = run_training(config)
    if results:  # the leader's (other torchrun processes have none)
        print(json.dumps(results, indent=2))
    return 0


def run_eval_command(args: argparse.Namespace) -> int:
    from voice_agent.direct.evaluate import run_eval
    from voice_agent.direct.model import default_model_path

    report = run_eval(
        args.model, args.out, args.items, args.seed, args.threads, args.hearing, args.conversation
    )
    print(json.dumps(report, indent=2))
    if args.card:
        from voice_agent.direct.card import card_text

        model = args.model or default_model_path()
        name = "eval.json" if args.hearing == HEARINGS[0] else f"eval-{args.hearing}.json"
        (model / name).write_text(json.dumps(report, indent=2))
        # The card's main figures are always the default hearing's; the others sit beside.
        own = model / "eval.json"
        main = json.loads(own.read_text()) if own.exists() else report
        (model / "README.md").write_text(card_text(model, main))
        print(f"card: {model / 'README.md'}")
    print(f"report: {args.out / 'report.json'}; plot: {args.out / 'eval.png'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m voice_agent.direct")
    commands = parser.add_subparsers(dest="command", required=True)
    add_direct_commands(commands)
    args = parser.parse_args(argv)
    return run_train_command(args) if args.command == "train-direct" else run_eval_command(args)
