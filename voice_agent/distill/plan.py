"""What each dataset item will be, decided up front from the seed and the item's index.

Item i's prompt, speaker, augmentation and random seeds depend only on (seed, i) and the
prompt list, never on which worker runs it or in what order: that is what makes a run
resumable without duplicates and a Ray run identical to a local one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voice_agent.distill.augment import Augmentation, draw_augmentation
from voice_agent.distill.prompt_file import Prompt
from voice_agent.models.voices import Voice

# espeak-ng's English accents, weighted: Whisper tiny.en mishears the rarer ones (Scottish,
# Caribbean, New York, Lancaster, West Midlands) two to three times as often, so they are a
# spice, not the bulk. Speaker variants: male m1-m7, female f1-f5.
ESPEAK_ACCENTS = {
    "en-us": 0.35,
    "en-gb": 0.2,
    "en-gb-x-rp": 0.2,
    "en-gb-scotland": 0.05,
    "en-029": 0.05,
    "en-us-nyc": 0.05,
    "en-gb-x-gbclan": 0.05,
    "en-gb-x-gbcwmd": 0.05,
}
ESPEAK_VARIANTS = ("", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5")
# The Piper voice is natural speech but one speaker: speed perturbation (0.88-1.14) makes
# it sound like smaller and larger speakers.
PIPER_SHARE = 0.5


@dataclass(frozen=True)
class ItemPlan:
    index: int
    prompt: Prompt
    voice: Voice
    augmentation: Augmentation
    lead_silence_s: float  # before the speech, as a microphone would catch it
    trail_silence_s: float
    seed: int  # for the noise, the TTS and the LLM of this item

    @property
    def id(self) -> str:
        return f"{self.index:07d}"


def draw_voice(rng: np.random.Generator) -> Voice:
    if rng.random() < PIPER_SHARE:
        scale = round(float(rng.uniform(0.85, 1.2)), 2)
        factor = round(float(rng.uniform(0.88, 1.14)), 2)
        name = f"piper-joe-l{scale:.2f}-r{factor:.2f}"
        return Voice(name, "piper", length_scale=scale, rate_factor=factor)
    accents = list(ESPEAK_ACCENTS)
    accent = str(rng.choice(accents, p=[ESPEAK_ACCENTS[a] for a in accents]))
    variant = str(rng.choice(ESPEAK_VARIANTS))
    espeak_voice = f"{accent}+{variant}" if variant else accent
    speed, pitch = int(rng.integers(130, 176)), int(rng.integers(25, 76))
    return Voice(f"espeak-{espeak_voice}-s{speed}-p{pitch}", "espeak", espeak_voice, speed, pitch)


class Planner:
    """Plans of items by index for one (prompt list, seed)."""

    def __init__(self, prompts: list[Prompt], seed: int) -> None:
        if not prompts:
            raise ValueError("no prompts to plan items from")
        self.prompts = prompts
        self.seed = seed
        self._orders: dict[int, np.ndarray] = {}

    def _prompt(self, index: int) -> Prompt:
        # Each pass over the prompt list takes them in a fresh seeded order.
        lap, position = divmod(index, len(self.prompts))
        if lap not in self._orders:
            self._orders[lap] = np.random.default_rng([self.seed, lap]).permutation(
                len(self.prompts)
            )
        return self.prompts[int(self._orders[lap][position])]

    def plan(self, index: int) -> ItemPlan:
        rng = np.random.default_rng([self.seed, 1_000_003, index])
        return ItemPlan(
            index=index,
            prompt=self._prompt(index),
            voice=draw_voice(rng),
            augmentation=draw_augmentation(rng),
            lead_silence_s=round(float(rng.uniform(0.3, 0.6)), 2),
            trail_silence_s=round(float(rng.uniform(0.2, 0.6)), 2),
            seed=int(rng.integers(2**31)),
        )
