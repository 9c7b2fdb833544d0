"""Settings of a direct-model training run (no torch here: the CLI reads them at start)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

STAGES = ("hear", "speak")


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
    # Examples beyond the distillation items (see `direct.extra`): prompts spoken by the
    # distill's user voices for hearing, the teacher's text replies for speaking.
    extra_speech: int = 0
    varied_speech: int = 0  # extra speech with random words swapped in
    hear_init: Path | None = None  # an adapter.pt to start the hearing stage from
    extra_replies: int = 0
    extra_texts: int = 0
    instructions: str = ""  # the teacher's; read from the dataset's manifest when empty
    progress: bool = True
