"""The dataset's figures: its card (README.md) and `voice-agent distill-stats`."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from statistics import mean, median

from voice_agent.distill.shards import DATA_DIR, read_failures, read_table, shard_files
from voice_agent.distill.teacher_accuracy import read_teacher_accuracy

_COLUMNS = [
    "kind",
    "history",
    "voice",
    "augmentation",
    "speech1_duration_s",
    "speech2_duration_s",
    "text1_wer",
    "speech2_clauses",
]


def models_used(teacher: dict) -> list[tuple[str, str, str]]:
    """(role, model, license) of the teacher cascade, as the run's settings name them."""
    asr = teacher.get("asr_model") or "Whisper tiny.en, CTranslate2 (faster-whisper)"
    llm = "SmolLM2-135M-Instruct Q4_1 GGUF (llama.cpp)"
    llm_license = "Apache-2.0"
    if teacher.get("llm_url"):
        llm, llm_license = f"{teacher.get('llm_name')} at {teacher['llm_url']}", "its own"
    elif teacher.get("llm_model"):
        llm, llm_license = teacher["llm_model"], "its own"
    tts = teacher.get("tts_voice") or "Piper en_US joe medium (piper-tts)"
    return [
        ("ASR (text1)", asr, "MIT" if not teacher.get("asr_model") else "its own"),
        ("LLM (text2)", llm, llm_license),
        ("TTS (speech2)", tts, "see the note below"),
        ("user voices (speech1)", "espeak-ng; Piper en_US joe medium", "GPL-3.0-or-later"),
    ]


@dataclass(frozen=True)
class Stats:
    items: int
    failures: int
    shards: int
    speech1_s: list[float]
    speech2_s: list[float]
    text1_wer: list[float]
    kinds: Counter[str]
    voices: Counter[str]  # engine and accent
    augmentations: Counter[str]
    multi_turn: int
    clauses: int
    bytes_on_disk: int
    teacher: dict

    @property
    def hours(self) -> float:
        return (sum(self.speech1_s) + sum(self.speech2_s)) / 3600

    @property
    def mb_per_hour(self) -> float:
        return self.bytes_on_disk / 1e6 / self.hours if self.hours else 0.0


def collect_stats(root: Path) -> Stats:
    if not shard_files(root):
        raise FileNotFoundError(f"{root} holds no dataset shards ({root / DATA_DIR}/*.parquet)")
    rows = read_table(root, _COLUMNS).to_pylist()
    voices: Counter[str] = Counter()
    augmentations: Counter[str] = Counter()
    for row in rows:
        voice = row["voice"]
        accent = voice["espeak_voice"].split("+")[0] if voice["engine"] == "espeak" else "joe"
        voices[f"{voice['engine']} {accent}"] += 1
        aug = row["augmentation"]
        kinds = [aug["noise"] + " noise"] if aug["noise"] != "none" else []
        kinds += ["reverb"] if aug["reverb_rt60_s"] else []
        kinds += ["telephone"] if aug["telephone"] else []
        augmentations.update(kinds or ["clean (level only)"])
    manifest = root / "distill.json"
    teacher = json.loads(manifest.read_text()).get("teacher", {}) if manifest.exists() else {}
    return Stats(
        items=len(rows),
        failures=len(read_failures(root)),
        shards=len(shard_files(root)),
        speech1_s=[row["speech1_duration_s"] for row in rows],
        speech2_s=[row["speech2_duration_s"] for row in rows],
        text1_wer=[row["text1_wer"] for row in rows],
        kinds=Counter(row["kind"] for row in rows),
        voices=voices,
        augmentations=augmentations,
        multi_turn=sum(1 for row in rows if row["history"]),
        clauses=sum(len(row["speech2_clauses"]) for row in rows),
        bytes_on_disk=sum(path.stat().st_size for path in shard_files(root)),
        teacher=teacher,
    )


def _share(counter: Counter[str], total: int) -> str:
    return ", ".join(f"{name} {n} ({n / total:.0%})" for name, n in counter.most_common())


def summary_lines(stats: Stats) -> list[str]:
    n = stats.items or 1
    s1, s2 = stats.speech1_s or [0.0], stats.speech2_s or [0.0]
    return [
        f"items: {stats.items} in {stats.shards} shards ({stats.failures} failed and skipped)",
        f"audio: {stats.hours:.3f} h (speech1 {sum(s1) / 3600:.3f} h, "
        f"speech2 {sum(s2) / 3600:.3f} h)",
        f"size: {stats.bytes_on_disk / 1e6:.1f} MB, {stats.mb_per_hour:.1f} MB per audio hour",
        f"speech1 seconds: mean {mean(s1):.2f}, median {median(s1):.2f}, max {max(s1):.2f}",
        f"speech2 seconds: mean {mean(s2):.2f}, median {median(s2):.2f}, max {max(s2):.2f}; "
        f"{stats.clauses} clauses",
        f"text1 WER against the prompt: mean {mean(stats.text1_wer or [0.0]):.3f}, "
        f"median {median(stats.text1_wer or [0.0]):.3f}",
        f"kinds: {_share(stats.kinds, n)}; multi-turn {stats.multi_turn}",
        f"user voices: {_share(stats.voices, n)}",
        f"augmentation: {_share(stats.augmentations, n)}",
    ]


def write_card(root: Path) -> Path:
    stats = collect_stats(root) if shard_files(root) else None
    figures = "\n".join(f"- {line}" for line in summary_lines(stats)) if stats else "- (empty)"
    used = models_used(stats.teacher if stats else {})
    models = "\n".join(f"| {role} | {name} | {lic} |" for role, name, lic in used)
    teacher = json.dumps(stats.teacher if stats else {}, indent=2)
    accuracy = read_teacher_accuracy(root)
    if accuracy:
        kinds = ", ".join(f"{k} {v:.0%}" for k, v in accuracy["by_kind"].items())
        figures += (
            f"\n- teacher answer accuracy: {accuracy['accuracy']:.1%} of {accuracy['questions']} "
            f"held-out questions asked as text ({kinds}; {accuracy['non_english']} replies "
            "not in English), as `voice-agent answers --split test` measures it"
        )
    card = f"""---
configs:
- config_name: default
  data_files:
  - split: train
    path: {DATA_DIR}/train-*.parquet
---
# Speech-to-speech distillation data from the voice-agent cascade

Each row is one user turn and the cascade's answer, made by `voice-agent distill`:

- `speech1`: the user turn spoken by a synthetic user voice (espeak-ng accents and speaker
  variants, or the Piper voice at several speeds), with silence around it and an augmentation
  (level, white/pink/brown noise, synthetic room reverb, telephone band) given per row in
  `augmentation`; Ogg/Opus, 16 kHz.
- `text1`: what the cascade's ASR heard in `speech1` (`prompt` is the text that was spoken,
  `text1_wer` their word error rate); `history`: earlier turns of a multi-turn dialogue.
- `text2`: the cascade's reply (the server's default instructions and temperature).
- `speech2`: `text2` in the assistant's voice, Ogg/Opus at 24 kHz, with the start and end of
  each spoken clause in `speech2_clauses`.
- `speech2_tokens`: speech2 as voice tokens (steps x levels; the tokenizer `voice_tokens` in
  the teacher settings below, under `models/voice_tokens/`), the exact latent frames of its
  synthesis quantised; `speech2_token_frames`: the latent frames of each sentence, which
  `voice_agent.voice_tokens.speech.decode_tokens` decodes one by one; `reply_seed`: the seed
  the reply was written and spoken with.

## Figures
{figures}

## Models
| role | model | license |
|---|---|---|
{models}

The Piper joe voice is fine-tuned from the lessac voice, whose data terms are widely read as
non-commercial; check them before commercial use of `speech2`.
Teacher settings:
```json
{teacher}
```

## Loading
```python
from datasets import load_dataset
data = load_dataset("parquet", data_dir="{root}/{DATA_DIR}", split="train")
data[0]["speech1"]["array"]  # needs soundfile (datasets 3) or torchcodec (datasets 4 and later)
```
Without `datasets`: `pyarrow.parquet.read_table(...)`, then decode the Ogg/Opus bytes with
`soundfile`, PyAV or `voice_agent.audio.oggopus.decode_ogg_opus`.
"""
    path = root / "README.md"
    path.write_text(card)
    return path


def plot_durations(stats: Stats, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for axis, values, title in (
        (axes[0], stats.speech1_s, "speech1 (user) duration, s"),
        (axes[1], stats.speech2_s, "speech2 (assistant) duration, s"),
        (axes[2], stats.text1_wer, "text1 word error rate vs prompt"),
    ):
        axis.hist(values, bins=min(40, max(5, len(values) // 3)), color="#3a7bd5")
        axis.set_title(title)
        axis.set_ylabel("items")
    figure.suptitle(f"{stats.items} items, {stats.hours:.2f} h of audio")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
