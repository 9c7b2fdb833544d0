"""Settings of the direct model (no torch here: the CLIs read them at start)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

STAGES = ("hear", "speak")

# How text1 is read off the trained adapter's frames: "ctc", their nearest tokens (fast, the
# default), or "llm", SmolLM2 repeats them back; or "whisper": Whisper's decoder writes it,
# as the cascade's ASR does (for comparing).
HEARINGS = ("ctc", "llm", "whisper")

# What the hearing stage's loss reads: "both", the LLM repeating the said words plus the CTC
# reading of the adapted frames; or "ctc" alone, with no LLM pass per step (~6x faster steps,
# the reading serving uses by default).
HEAR_LOSSES = ("both", "ctc")

# Where training runs: "auto" takes CUDA when torch sees it (`placement.py`).
DEVICES = ("auto", "cpu", "cuda")


@dataclass(frozen=True)
class TrainConfig:
    data: Path
    out: Path
    stages: tuple[str, ...] = STAGES
    hear_steps: int = 1500
    speak_steps: int = 3000
    hear_batch: int = 8
    speak_batch: int = 16
    hear_lr: float = 1e-3
    speak_lr: float = 2e-3
    save_every: int = 200
    evaluate_every: int = 250
    evaluate_items: int = 24
    seed: int = 0
    threads: int = 2
    device: str = DEVICES[0]
    # Examples beyond the distillation items (see `direct.extra`): prompts spoken by the
    # distill's user voices for hearing, the teacher's text replies for speaking.
    extra_speech: int = 0
    varied_speech: int = 0  # extra speech with random words swapped in
    short_speech: int = 0  # extra speech of one to four words
    hear_init: Path | None = None  # an adapter.pt to start the hearing stage from
    hear_loss: str = HEAR_LOSSES[0]
    extra_replies: int = 0
    extra_texts: int = 0
    instructions: str = ""  # the teacher's; read from the dataset's manifest when empty
    progress: bool = True
