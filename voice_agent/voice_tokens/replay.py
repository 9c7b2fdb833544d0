"""The voice tokens of speech the server's TTS already spoke: its synthesis replayed
through the cut voice with the same seeded noise gives the exact latent frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from voice_agent.engines.base import ReplyAudio
from voice_agent.voice_tokens.codebook import VoiceTokenizer
from voice_agent.voice_tokens.halves import PiperHalves
from voice_agent.voice_tokens.speech import speak


class VoiceTokens:
    """Replays speech2's synthesis through the cut voice to record its exact tokens."""

    def __init__(self, halves: PiperHalves, tokenizer: VoiceTokenizer) -> None:
        self.halves = halves
        self.tokenizer = tokenizer

    @classmethod
    def load(cls, tokenizer_path: str, voice: str = "", threads: int = 1) -> VoiceTokens:
        halves = PiperHalves(voice or None, threads=threads)
        tokenizer = VoiceTokenizer.load(Path(tokenizer_path))
        if tokenizer.voice != halves.path.name:
            raise ValueError(f"{tokenizer_path} is for the voice {tokenizer.voice}")
        return cls(halves, tokenizer)

    def of_reply(
        self, clauses: list[ReplyAudio], reply_seed: int
    ) -> tuple[list[list[int]], list[int]]:
        """Tokens (steps x levels) of the clauses the TTS spoke, and each sentence's frames;
        each clause's frames must give exactly its audio's length."""
        rate = self.halves.sample_rate
        lengths = [len(clause.audio) / rate for clause in clauses]
        return self.of_texts([c.text or "" for c in clauses], reply_seed, lengths, 0.5 / rate)

    def of_texts(
        self, texts: list[str], reply_seed: int, seconds: list[float], tolerance_s: float
    ) -> tuple[list[list[int]], list[int]]:
        """The same from the clauses' texts and durations (within `tolerance_s`)."""
        # The cascade's TTS was reseeded with `reply_seed` and then spoke the clauses in
        # order, so one generator drawn in the same order gives the same noise.
        rng = np.random.default_rng(reply_seed)
        steps: list[np.ndarray] = []
        frames: list[int] = []
        rate, hop = self.halves.sample_rate, self.halves.hop
        for text, duration in zip(texts, seconds, strict=True):
            spoken = speak(self.halves, text, rng, with_audio=False)
            sentence_frames = spoken.frames(self.tokenizer.spec.kind)
            replayed = sum(f.shape[1] for f in sentence_frames) * hop / rate
            if abs(replayed - duration) > tolerance_s:
                raise ValueError(f"replaying {text!r} did not give its speech2 frames")
            for f in sentence_frames:
                steps.append(self.tokenizer.encode(f))
                frames.append(int(f.shape[1]))
        tokens = np.concatenate(steps) if steps else np.zeros((0, 1), np.int32)
        return tokens.tolist(), frames
