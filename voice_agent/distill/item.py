"""One dataset item, made by the cascade's own models and code paths.

speech1 = the prompt in a user voice, augmented; text1 = the cascade's ASR of speech1 as
stored (after Opus), exactly what the server would have heard; text2 = the reply of the
cascade engine (the server's instructions and temperature, the dialogue's history);
speech2 = that reply in the assistant's voice, clause by clause as the server sends it;
speech2_tokens = its voice tokens: the exact latent frames of that synthesis (replayed
through the cut voice with the same seeded noise), quantised by the voice tokenizer.
"""

from __future__ import annotations

import asyncio
import traceback
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from voice_agent.audio import MODEL_RATE, resample
from voice_agent.audio.oggopus import decode_ogg_opus, encode_ogg_opus
from voice_agent.config import ServerConfig
from voice_agent.distill.augment import augment
from voice_agent.distill.plan import ItemPlan
from voice_agent.engines.base import (
    EngineError,
    HistoryItem,
    ReplyAudio,
    Turn,
    UserTranscript,
    UserTranscriptFailed,
)
from voice_agent.engines.cascade import CascadeEngine, build_cascade_engine
from voice_agent.evaluation import word_error_rate
from voice_agent.models.tts import PiperTTS, TTSConfig
from voice_agent.models.voices import speak
from voice_agent.realtime.protocol import SessionConfig
from voice_agent.streams import close_iterator
from voice_agent.voice_tokens.codebook import VoiceTokenizer
from voice_agent.voice_tokens.replay import VoiceTokens

SPEECH1_RATE = MODEL_RATE  # what the cascade's ASR and VAD consume
SPEECH2_RATE = 24_000  # Opus's rate nearest above Piper's 22.05 kHz


class Misheard(ValueError):
    """The cascade's ASR got the user turn too wrong for the item to be worth keeping."""


@dataclass(frozen=True)
class TeacherConfig:
    """The cascade that makes the data: the server's models and reply settings."""

    # The cascade's models, named as the server names them (its thread counts are replaced
    # by `threads`).
    server: ServerConfig = field(default_factory=ServerConfig)
    threads: int = 1  # CPU threads per model in each worker
    instructions: str = SessionConfig().instructions
    temperature: float = SessionConfig().temperature
    max_output_tokens: int | None = None
    # Items whose text1 is further than this from the prompt are dropped (and recorded):
    # a reply to a misheard question would teach the direct model to mishear.
    max_text1_wer: float = 0.5
    # The voice tokenizer (.npz) whose tokens of speech2 each row records; empty: none.
    voice_tokens: str = ""
    speech1_bitrate: int = 16_000
    speech2_bitrate: int = 24_000

    def describe(self) -> dict[str, Any]:
        """The settings that shape the data, for the manifest and the card (no secrets,
        nothing that only changes speed)."""
        server = self.server
        models = ("asr_model", "llm_model", "llm_url", "llm_name", "tts_voice", "calculator")
        settings = {name: getattr(server, name) for name in models}
        settings.update({k: v for k, v in asdict(self).items() if k not in ("server", "threads")})
        if self.voice_tokens:  # by what it is, not where this checkout keeps it
            settings["voice_tokens"] = VoiceTokenizer.load(Path(self.voice_tokens)).id
        return settings


def worker_environment(config: TeacherConfig) -> dict[str, str]:
    """Thread counts a worker process must start with (they are read when numpy loads).

    Whisper's features are a numpy matrix product, and OpenBLAS sums in a different order
    with a different thread count: the features, and now and then a word of the transcript,
    change with it. Ray sets these for its actors; local workers get them too, so an item
    is the same wherever it is made.
    """
    names = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
    return {name: str(config.threads) for name in names}


def build_engine(config: TeacherConfig) -> CascadeEngine:
    """The server's cascade, with the Piper noise seeded and every model on `threads`."""
    server = replace(config.server, asr_threads=config.threads, llm_threads=config.threads)
    voice = TTSConfig(
        model_path=server.tts_voice or None, seeded_noise=True, threads=config.threads
    )
    return build_cascade_engine(server, voice)


class ItemMaker:
    """Holds one worker's models; `make` turns a plan into a dataset row."""

    def __init__(self, config: TeacherConfig) -> None:
        self.config = config
        self.engine = build_engine(config)
        # User turns spoken by Piper use the bundled voice; share it when it is the assistant's.
        self.user_piper = (
            self.engine.tts
            if not config.server.tts_voice
            else PiperTTS(TTSConfig(seeded_noise=True, threads=config.threads))
        )
        self.voice_tokens = (
            VoiceTokens.load(config.voice_tokens, config.server.tts_voice, config.threads)
            if config.voice_tokens
            else None
        )
        self._loop = asyncio.new_event_loop()

    def make(self, plan: ItemPlan) -> dict[str, Any]:
        """The item's row, or a failure record ({'id', 'index', 'error'}); never raises.

        A failure of the LLM server is marked `retry`: it says nothing about the item, so
        the runner stops instead of recording it, and a rerun makes the item after all.
        """
        try:
            return self._loop.run_until_complete(self._make(plan))
        except EngineError as exc:
            return {"id": plan.id, "index": plan.index, "error": str(exc), "retry": True}
        except Exception as exc:  # one bad item is recorded and skipped, never fatal
            return {
                "id": plan.id,
                "index": plan.index,
                "prompt_id": plan.prompt.id,
                "error": f"{type(exc).__name__}: {exc}",
                "traceback": traceback.format_exc(limit=4),
            }

    async def _make(self, plan: ItemPlan) -> dict[str, Any]:
        rng = np.random.default_rng(plan.seed)
        speech1 = self._user_speech(plan, rng)
        speech1_ogg = encode_ogg_opus(speech1, SPEECH1_RATE, self.config.speech1_bitrate)
        heard, _ = decode_ogg_opus(speech1_ogg, SPEECH1_RATE)
        reply_seed = int(rng.integers(2**31))
        text1, clauses = await self._answer(plan, heard, reply_seed)
        tokens, token_frames = self._speech2_tokens(clauses, reply_seed)
        speech2, timing = _join_clauses(clauses)
        speech2_ogg = encode_ogg_opus(speech2, SPEECH2_RATE, self.config.speech2_bitrate)
        prompt = plan.prompt
        return {
            "id": plan.id,
            "index": plan.index,
            "seed": plan.seed,
            "prompt_id": prompt.id,
            "kind": prompt.kind,
            "history": [{"role": m.role, "text": m.text} for m in prompt.history],
            "prompt": prompt.text,
            "voice": asdict(plan.voice),
            "augmentation": asdict(plan.augmentation),
            "augmentation_text": plan.augmentation.describe(),
            "speech1": {"bytes": speech1_ogg, "path": f"{plan.id}-speech1.opus"},
            "speech1_sample_rate": SPEECH1_RATE,
            "speech1_duration_s": round(len(speech1) / SPEECH1_RATE, 3),
            "text1": text1,
            "text1_wer": round(word_error_rate(prompt.text, text1), 4),
            "text2": " ".join(clause.text or "" for clause in clauses),
            "speech2": {"bytes": speech2_ogg, "path": f"{plan.id}-speech2.opus"},
            "speech2_sample_rate": SPEECH2_RATE,
            "speech2_duration_s": round(len(speech2) / SPEECH2_RATE, 3),
            "speech2_clauses": timing,
            "reply_seed": reply_seed,
            "speech2_tokens": tokens,
            "speech2_token_frames": token_frames,
            "speech2_tokenizer": self.voice_tokens.tokenizer.id if self.voice_tokens else None,
        }

    async def _answer(
        self, plan: ItemPlan, heard: np.ndarray, reply_seed: int
    ) -> tuple[str, list[ReplyAudio]]:
        """What the cascade hears in speech1 (text1) and its spoken reply, as the server
        would answer that turn; stops at text1 if it is too far from the prompt."""
        history = tuple(
            HistoryItem(f"history_{i}", message.role, message.text)
            for i, message in enumerate(plan.prompt.history)
        )
        turn = Turn(
            history=(*history, HistoryItem("speech1", "user", None, heard)),
            instructions=self.config.instructions,
            temperature=self.config.temperature,
            max_output_tokens=self.config.max_output_tokens,
            seed=reply_seed,
        )
        text1: str | None = None
        clauses: list[ReplyAudio] = []
        events = self.engine.respond(turn)
        try:
            async for event in events:
                if isinstance(event, UserTranscriptFailed):
                    raise ValueError(f"the ASR failed on speech1: {event.message}")
                if isinstance(event, UserTranscript):
                    text1 = event.text
                    self._check_heard(plan, text1)
                elif isinstance(event, ReplyAudio) and event.text:
                    clauses.append(event)
        finally:
            await close_iterator(events)
        if text1 is None:
            raise ValueError("the engine gave no transcript of speech1")
        if not clauses:
            raise ValueError("the LLM gave no speakable reply")
        return text1, clauses

    def _speech2_tokens(
        self, clauses: list[ReplyAudio], reply_seed: int
    ) -> tuple[list[list[int]] | None, list[int] | None]:
        """speech2's voice tokens (steps x levels, all clauses in order) and the frames of
        each sentence they decode to; None without a tokenizer."""
        if self.voice_tokens is None:
            return None, None
        return self.voice_tokens.of_reply(clauses, reply_seed)

    def _check_heard(self, plan: ItemPlan, text1: str) -> None:
        if not text1.strip():
            raise ValueError("the ASR heard nothing in speech1")
        text1_wer = word_error_rate(plan.prompt.text, text1)
        if text1_wer > self.config.max_text1_wer:
            raise Misheard(f"the ASR misheard the prompt (WER {text1_wer:.2f}): {text1!r}")

    def _user_speech(self, plan: ItemPlan, rng: np.random.Generator) -> np.ndarray:
        return user_speech(plan, rng, self.user_piper)

    def close(self) -> None:
        self._loop.run_until_complete(self.engine.close())
        self._loop.close()


def user_speech(plan: ItemPlan, rng: np.random.Generator, piper: PiperTTS) -> np.ndarray:
    """speech1 of a plan: the prompt in its user voice, with silence, augmented."""
    piper.reseed(plan.seed)
    raw, rate = speak(plan.prompt.text, plan.voice, piper)
    speech = resample(raw, rate, SPEECH1_RATE)
    lead = np.zeros(int(plan.lead_silence_s * SPEECH1_RATE), np.float32)
    trail = np.zeros(int(plan.trail_silence_s * SPEECH1_RATE), np.float32)
    return augment(np.concatenate([lead, speech, trail]), plan.augmentation, rng)


def replay_reply_seed(plan: ItemPlan, piper: PiperTTS) -> int:
    """The seed an item's reply was made with, for rows older than the `reply_seed` column:
    its generator is drawn from in the same order as when the item was made."""
    rng = np.random.default_rng(plan.seed)
    user_speech(plan, rng, piper)
    return int(rng.integers(2**31))


def _join_clauses(clauses: list[ReplyAudio]) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """The reply as one signal at SPEECH2_RATE, and where each clause starts and ends in it."""
    audio, timing, start = [], [], 0.0
    for clause in clauses:
        samples = resample(clause.audio, clause.sample_rate, SPEECH2_RATE)
        end = start + len(samples) / SPEECH2_RATE
        timing.append({"text": clause.text, "start_s": round(start, 3), "end_s": round(end, 3)})
        audio.append(samples)
        start = end
    return np.concatenate(audio), timing
