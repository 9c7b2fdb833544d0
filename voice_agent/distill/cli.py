"""`voice-agent distill` and `voice-agent distill-stats`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from voice_agent.realtime.protocol import SessionConfig


def add_distill_commands(commands: argparse._SubParsersAction) -> None:
    cpus = os.cpu_count() or 1
    distill = commands.add_parser(
        "distill",
        help="make (speech1, text1, text2, speech2) training data with the cascade",
        description="Speak prompts in many user voices, run the cascade on them (ASR, LLM, "
        "TTS) and write the results as Parquet shards that Hugging Face datasets loads. "
        "Safe to kill at any time: the same command continues where it stopped.",
    )
    distill.add_argument("--out", type=Path, required=True, help="dataset directory")
    distill.add_argument("--n", type=int, default=1000, help="items (default: %(default)s)")
    distill.add_argument(
        "--prompts",
        type=Path,
        default=None,
        help="JSONL of user turns ({'text', optional 'id', 'kind', 'history'}); "
        "default: the bundled set of 5000",
    )
    distill.add_argument("--seed", type=int, default=0, help="same seed, same dataset")
    distill.add_argument(
        "--workers",
        type=int,
        default=cpus,
        help="worker processes or Ray actors, each with its own models (default: %(default)s)",
    )
    distill.add_argument(
        "--threads", type=int, default=1, help="CPU threads per model in each worker"
    )
    distill.add_argument(
        "--shard-size",
        type=int,
        default=50,
        help="items per Parquet shard; a crash loses at most the shards in progress",
    )
    distill.add_argument(
        "--ray",
        nargs="?",
        const="local",
        default=None,
        metavar="ADDRESS",
        help="run items as Ray tasks: on a local Ray instance, or on the cluster at ADDRESS "
        "(e.g. ray://head:10001 or auto); voice-agent must be installed on its nodes",
    )
    distill.add_argument("--llm-url", default="", help="OpenAI-compatible LLM server base URL")
    distill.add_argument("--llm-name", default="default", help="model name for --llm-url")
    distill.add_argument("--llm-model", default="", help="GGUF for the embedded LLM")
    distill.add_argument("--asr-model", default="", help="CTranslate2 Whisper directory")
    distill.add_argument("--tts-voice", default="", help="Piper .onnx voice of the assistant")
    distill.add_argument(
        "--instructions",
        default=SessionConfig().instructions,
        help="system prompt (default: the server's)",
    )
    distill.add_argument(
        "--max-text1-wer",
        type=float,
        default=0.5,
        help="drop (and record) items whose ASR transcript is further than this word error "
        "rate from the prompt (default: %(default)s)",
    )
    distill.add_argument(
        "--voice-tokens",
        type=Path,
        default=None,
        help="voice tokenizer (.npz) whose tokens of speech2 each row records (default: "
        "models/voice_tokens/default.npz when the checkout has it)",
    )
    distill.add_argument("--no-voice-tokens", action="store_true", help="record no voice tokens")
    distill.add_argument(
        "--accuracy-questions",
        type=int,
        default=None,
        metavar="N",
        help="ask the teacher's LLM the first N held-out questions of `voice-agent answers` "
        "and put its accuracy on the card (default: all of them, ~2 min; 0: skip)",
    )
    distill.add_argument("--no-progress", action="store_true", help="no progress bar")

    stats = commands.add_parser(
        "distill-stats",
        help="figures of a distillation dataset, and a PNG of its duration distributions",
    )
    stats.add_argument("dir", type=Path, help="dataset directory")
    stats.add_argument(
        "--plot", type=Path, default=None, help="PNG path (default: DIR/durations.png)"
    )
    tokens = commands.add_parser(
        "distill-tokens",
        help="add speech2's voice tokens to a dataset made without them (resumable)",
    )
    tokens.add_argument("dir", type=Path, help="dataset directory")
    tokens.add_argument(
        "--voice-tokens", type=Path, default=None, help="tokenizer (default: the project's)"
    )
    tokens.add_argument(
        "--prompts", type=Path, default=None, help="the prompts file the dataset was made from"
    )
    tokens.add_argument("--threads", type=int, default=1, help="as the dataset's --threads")
    tokens.add_argument("--no-progress", action="store_true", help="no progress bar")


def run_distill_command(args: argparse.Namespace) -> int:
    from voice_agent.config import ServerConfig, with_secrets_from_env
    from voice_agent.distill.item import TeacherConfig
    from voice_agent.distill.prompt_file import PromptFileError
    from voice_agent.distill.runner import DistillError, DistillOptions, run_distill
    from voice_agent.voice_tokens.codebook import default_tokenizer_path

    models = with_secrets_from_env(
        ServerConfig(
            asr_model=args.asr_model,
            llm_model=args.llm_model,
            llm_url=args.llm_url,
            llm_name=args.llm_name,
            tts_voice=args.tts_voice,
        )
    )
    tokens = args.voice_tokens or default_tokenizer_path()
    if args.no_voice_tokens or (args.voice_tokens is None and not tokens.exists()):
        tokens = None
    teacher = TeacherConfig(
        server=models,
        threads=args.threads,
        instructions=args.instructions,
        max_text1_wer=args.max_text1_wer,
        voice_tokens=str(tokens) if tokens else "",
    )
    options = DistillOptions(
        out=args.out,
        count=args.n,
        prompts_path=args.prompts,
        seed=args.seed,
        workers=args.workers,
        shard_size=args.shard_size,
        ray_address=args.ray,
        teacher=teacher,
        progress=not args.no_progress,
        accuracy_questions=args.accuracy_questions,
    )
    try:
        summary = run_distill(options)
    except (DistillError, PromptFileError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "\ninterrupted: finished shards are kept; run the same command to continue",
            file=sys.stderr,
        )
        return 130
    print(summary.line())
    print(f"dataset: {args.out} (card: {args.out / 'README.md'})")
    return 0


def run_stats_command(args: argparse.Namespace) -> int:
    from voice_agent.distill.card import collect_stats, plot_durations, summary_lines

    try:
        stats = collect_stats(args.dir)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("\n".join(summary_lines(stats)))
    plot = plot_durations(stats, args.plot or args.dir / "durations.png")
    print(f"plot: {plot}")
    return 0
