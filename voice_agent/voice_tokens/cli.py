"""`voice-agent fit-voice-tokens` and `voice-agent eval-voice-tokens`."""

from __future__ import annotations

import argparse


def add_voice_token_commands(commands: argparse._SubParsersAction) -> None:
    from voice_agent.voice_tokens.evaluate import add_eval_arguments
    from voice_agent.voice_tokens.fit import add_fit_arguments

    fit = commands.add_parser(
        "fit-voice-tokens",
        help="fit the assistant voice's tokenizer (k-means on Piper's latent frames)",
        description="Speak many sentences with the cut Piper voice, fit residual k-means on "
        "their latent frames, measure it on held-out sentences and write it with a card.",
    )
    add_fit_arguments(fit)
    evaluate = commands.add_parser(
        "eval-voice-tokens",
        help="measure a voice tokenizer (WER, log-mel, bit/s, decoder RTF) on held-out speech",
    )
    add_eval_arguments(evaluate)


def run_voice_token_command(args: argparse.Namespace) -> int:
    if args.command == "fit-voice-tokens":
        from voice_agent.voice_tokens import fit

        return fit.run(args)
    from voice_agent.voice_tokens import evaluate

    return evaluate.run(args)
