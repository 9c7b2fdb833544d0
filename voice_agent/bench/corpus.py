"""The spoken-prompt corpus: every prompt of `prompts.py` spoken by two of several voices.

Items are rendered on demand into a corpus directory (WAV, 16-bit mono 24 kHz) with a
`manifest.jsonl` that gives each file's exact text and where its speech starts and ends,
measured from the audio. Rendering is deterministic, so nothing but the prompt texts is
committed; `voice-agent corpus` renders (or extends) a corpus, and a user may bring
their own directory with the same manifest format.
"""

from __future__ import annotations

import json
import random
import wave
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from voice_agent.audio import resample
from voice_agent.audio.wavfile import write_wav
from voice_agent.bench.prompts import INTERRUPTIONS, PAUSED, all_prompts
from voice_agent.bench.questions import questions
from voice_agent.models.tts import PiperTTS, TTSConfig
from voice_agent.models.voices import Voice, speak

RATE = 24_000
MANIFEST = "manifest.jsonl"


VOICES = [
    Voice("piper-joe", "piper"),
    Voice("espeak-us", "espeak", "en-us", 160, 50),
    Voice("espeak-us-f3", "espeak", "en-us+f3", 175, 65),
    Voice("espeak-gb", "espeak", "en-gb", 145, 40),
    Voice("piper-joe-slow", "piper", length_scale=1.25),
    Voice("espeak-scotland", "espeak", "en-gb-scotland", 150, 45),
    Voice("espeak-us-m7-fast", "espeak", "en-us+m7", 195, 35),
    Voice("espeak-rp", "espeak", "en-gb-x-rp", 140, 58),
]


@dataclass(frozen=True)
class CorpusItem:
    id: str
    kind: str
    text: str
    voice: str
    wav: str  # relative to the corpus directory
    speech_start_s: float = 0.0
    speech_end_s: float = 0.0
    duration_s: float = 0.0
    question_id: str = ""  # an item of the answer-accuracy set (questions.py)
    # A paused turn ("paused" kind): the words before the pause, the planned pause, and
    # where the pause lies in the audio (from its last sound to the next).
    before_pause: str = ""
    pause_s: float = 0.0
    pause_start_s: float = 0.0
    pause_end_s: float = 0.0

    def load(self, root: Path) -> np.ndarray:
        with wave.open(str(root / self.wav)) as f:
            if (f.getframerate(), f.getsampwidth(), f.getnchannels()) != (RATE, 2, 1):
                raise ValueError(f"{self.wav}: expected 16-bit mono {RATE} Hz")
            return np.frombuffer(f.readframes(f.getnframes()), "<i2").astype(np.float32) / 32768


def plan() -> list[CorpusItem]:
    """Every item the corpus can hold, in a fixed order in which each kind of request is
    spread evenly, so that any prefix (a short run) holds every kind in proportion."""
    by_kind: dict[str, list[CorpusItem]] = {}
    for index, (kind, text) in enumerate(all_prompts()):
        for voice in (VOICES[index % len(VOICES)], VOICES[(index + 3) % len(VOICES)]):
            item_id = f"{kind}-{index:03d}-{voice.name}"
            item = CorpusItem(item_id, kind, text, voice.name, f"wav/{item_id}.wav")
            by_kind.setdefault(kind, []).append(item)
    rng = random.Random(0)
    spread = []
    for group in by_kind.values():
        rng.shuffle(group)
        spread += [((j + rng.random()) / len(group), item) for j, item in enumerate(group)]
    items = [item for _, item in sorted(spread, key=lambda pair: pair[0])]
    for index, text in enumerate(INTERRUPTIONS):
        voice = VOICES[index % len(VOICES)]
        item_id = f"interruption-{index:02d}-{voice.name}"
        items.append(CorpusItem(item_id, "interruption", text, voice.name, f"wav/{item_id}.wav"))
    return items


def plan_questions(split: str | None) -> list[CorpusItem]:
    """The answer-accuracy questions of one split, each spoken by one voice in turn."""
    items = []
    for index, question in enumerate(questions(split)):
        voice = VOICES[index % len(VOICES)]
        item_id = f"question-{question.id}-{voice.name}"
        items.append(
            CorpusItem(
                item_id,
                question.kind,
                question.text,
                voice.name,
                f"wav/{item_id}.wav",
                question_id=question.id,
            )
        )
    return items


def plan_paused() -> list[CorpusItem]:
    """The pauses corpus: each paused turn in two voices, with a pause of 0.6-1.5 s."""
    rng = random.Random(1)
    items = []
    for index, (before, after) in enumerate(PAUSED):
        for voice in (VOICES[index % len(VOICES)], VOICES[(index + 5) % len(VOICES)]):
            item_id = f"paused-{index:02d}-{voice.name}"
            pause = round(rng.uniform(0.6, 1.5), 2)
            text = f"{before} {after}"
            items.append(
                CorpusItem(
                    item_id,
                    "paused",
                    text,
                    voice.name,
                    f"wav/{item_id}.wav",
                    before_pause=before,
                    pause_s=pause,
                )
            )
    return items


def _loud_frames(audio: np.ndarray, rate: int) -> np.ndarray:
    """Indices of the audio's 10 ms frames louder than -40 dBFS."""
    hop = rate // 100
    frames = audio[: len(audio) // hop * hop].reshape(-1, hop)
    return np.flatnonzero(np.sqrt(np.mean(frames**2, axis=1)) > 0.01)


def speech_bounds(audio: np.ndarray, rate: int = RATE) -> tuple[float, float]:
    """Start and end (s) of the audio's speech: 10 ms frames louder than -40 dBFS."""
    loud = _loud_frames(audio, rate)
    if len(loud) == 0:
        return 0.0, 0.0
    return float(loud[0]) / 100, float(loud[-1] + 1) / 100


class Renderer:
    def __init__(self) -> None:
        self._piper: PiperTTS | None = None

    def speak(self, text: str, voice: Voice) -> np.ndarray:
        audio = self._voice(text, voice)
        padding = np.zeros(int(0.2 * RATE), np.float32)  # a breath of silence either side
        return np.concatenate([padding, audio, padding])

    def speak_paused(self, before: str, after: str, pause_s: float, voice: Voice) -> np.ndarray:
        """`before`, a silence of `pause_s` after its last sound, then `after`."""
        first, second = self._voice(before, voice), self._voice(after, voice)
        first = first[: int(speech_bounds(first)[1] * RATE)]
        second = second[int(speech_bounds(second)[0] * RATE) :]
        padding = np.zeros(int(0.2 * RATE), np.float32)
        pause = np.zeros(int(pause_s * RATE), np.float32)
        return np.concatenate([padding, first, pause, second, padding])

    def _voice(self, text: str, voice: Voice) -> np.ndarray:
        if voice.engine == "piper" and self._piper is None:
            self._piper = PiperTTS(TTSConfig(volume=1.0))
        audio, rate = speak(text, voice, self._piper)
        audio = resample(audio, rate, RATE)
        peak = float(np.max(np.abs(audio))) or 1.0
        return audio * (0.7 / peak)  # -3 dBFS peak


def read_manifest(root: Path) -> list[CorpusItem]:
    path = root / MANIFEST
    if not path.exists():
        return []
    items = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            items.append(CorpusItem(**json.loads(line)))
        except (ValueError, TypeError) as exc:
            raise ValueError(
                f"{path}:{number}: not a corpus item ({exc}); each line needs id, kind, text, "
                "voice, wav, speech_start_s, speech_end_s, duration_s"
            ) from None
    return items


def build(
    root: Path, count: int, interruptions: bool = True, progress: bool = True
) -> list[CorpusItem]:
    """Make sure the first `count` prompt items (and the interruptions) exist under `root`."""
    wanted = [i for i in plan() if i.kind != "interruption"][:count]
    if interruptions:
        wanted += [i for i in plan() if i.kind == "interruption"]
    return render(root, wanted, progress)


def render(root: Path, wanted: list[CorpusItem], progress: bool = True) -> list[CorpusItem]:
    """Make sure `wanted` items exist under `root` (rendering what is missing); them, measured."""
    done = {item.id: item for item in read_manifest(root)}
    missing = [item for item in wanted if item.id not in done or not (root / item.wav).exists()]
    if missing:
        voices = {voice.name: voice for voice in VOICES}
        renderer = Renderer()
        for item in _progress(missing, progress, "rendering corpus"):
            measured: dict[str, Any] = {}
            if item.before_pause:
                after = item.text[len(item.before_pause) :].strip()
                audio = renderer.speak_paused(
                    item.before_pause, after, item.pause_s, voices[item.voice]
                )
                measured["pause_start_s"], measured["pause_end_s"] = _longest_gap(audio)
            else:
                audio = renderer.speak(item.text, voices[item.voice])
            write_wav(root / item.wav, audio, RATE)
            start, end = speech_bounds(audio)
            done[item.id] = CorpusItem(
                **{
                    **asdict(item),
                    **measured,
                    "speech_start_s": start,
                    "speech_end_s": end,
                    "duration_s": len(audio) / RATE,
                }
            )
        root.mkdir(parents=True, exist_ok=True)
        lines = [json.dumps(asdict(item)) for item in done.values()]
        (root / MANIFEST).write_text("\n".join(lines) + "\n")
    return [done[item.id] for item in wanted]


def _longest_gap(audio: np.ndarray, rate: int = RATE) -> tuple[float, float]:
    """Start and end (s) of the longest silence between sounds (10 ms frames, -40 dBFS)."""
    loud = _loud_frames(audio, rate)
    gaps = np.diff(loud)
    widest = int(np.argmax(gaps))
    return float(loud[widest] + 1) / 100, float(loud[widest + 1]) / 100


def _progress(items: list[CorpusItem], enabled: bool, label: str) -> Iterable[CorpusItem]:
    if not enabled:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=label, unit="item")
