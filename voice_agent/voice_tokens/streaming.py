"""Voice tokens to audio as they come, chunk by chunk.

The decoder (and, for prior-mean tokens, the flow before it) are convolutions with a
finite receptive field: the audio of frames [s, e) depends only on frames
[s - left, e + lookahead). So a chunk decoded with that much context on both sides is
the same, to float precision, as the same frames of the whole sentence decoded at once;
`tests/voice_tokens` checks it. The look-ahead is in frames of tokens, not time: the
model writes tokens faster than real time, so it costs compute, not waiting.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from voice_agent.voice_tokens.codebook import VoiceTokenizer
from voice_agent.voice_tokens.halves import PiperHalves

# Context in frames on each side that makes a chunk equal the whole sentence's audio to
# float precision (the tests check it on Piper's VITS export): the receptive fields of the
# HiFi-GAN (10 frames each side, measured) and of the reverse flow before it (4 couplings
# of a 4-layer, kernel-5 WaveNet: 32 each side).
CONTEXT_FRAMES = {"latent": 10, "prior": 42}


def context_frames(kind: str) -> int:
    return CONTEXT_FRAMES[kind]


@dataclass
class DecoderState:
    frames: list[np.ndarray] = field(default_factory=list)  # latent frames kept, C x n
    offset: int = 0  # sentence index of the first frame kept
    total: int = 0  # frames received in this sentence
    emitted: int = 0  # frames whose audio went out

    def reset(self) -> None:
        self.frames, self.offset, self.total, self.emitted = [], 0, 0, 0


class StreamingDecoder:
    """Tokens in (any number at a time), audio out in chunks of `chunk_frames`.

    `gain` scales the raw decoder output: Piper normalises each whole sentence to its
    peak, which a stream cannot know in advance, so a fixed gain (the tokenizer's typical
    one) stands in for it.
    """

    def __init__(
        self,
        halves: PiperHalves,
        tokenizer: VoiceTokenizer,
        chunk_frames: int = 8,
        gain: float = 1.0,
        context: int | None = None,
    ) -> None:
        self.halves = halves
        self.tokenizer = tokenizer
        self.chunk_frames = chunk_frames
        self.gain = gain
        self.context = context_frames(tokenizer.spec.kind) if context is None else context
        self.state = DecoderState()

    def reset(self) -> None:
        self.state.reset()

    def push(self, tokens: np.ndarray) -> np.ndarray:
        """Add token steps (steps x levels); the audio that is now final."""
        if len(tokens):
            frames = self.tokenizer.decode(tokens)
            self.state.frames.append(frames)
            self.state.total += frames.shape[1]
        out = []
        while self.state.total - self.state.emitted >= self.chunk_frames + self.context:
            out.append(self._decode(self.state.emitted, self.state.emitted + self.chunk_frames))
        return self._join(out)

    def flush(self, frames: int | None = None) -> np.ndarray:
        """The rest of the sentence (trimmed to `frames` if the last step was padded); the
        decoder is then ready for the next sentence."""
        end = self.state.total if frames is None else min(frames, self.state.total)
        out = self._decode(self.state.emitted, end) if end > self.state.emitted else None
        self.reset()
        return self._join([out] if out is not None else [])

    def _decode(self, start: int, end: int) -> np.ndarray:
        state = self.state
        kept = np.concatenate(state.frames, axis=1)
        lo = max(0, start - self.context)
        hi = min(state.total, end + self.context)
        window = kept[:, lo - state.offset : hi - state.offset]
        if self.tokenizer.spec.kind == "prior":
            window = self.halves.flow(window)
        audio = self.halves.decode(window)
        hop = self.halves.hop
        state.emitted = end
        # Forget frames no later chunk can need as left context.
        drop = max(0, end - self.context) - state.offset
        state.frames = [kept[:, drop:]] if drop > 0 else [kept]
        state.offset += max(drop, 0)
        return audio[(start - lo) * hop : (end - lo) * hop] * self.gain

    @staticmethod
    def _join(parts: list[np.ndarray]) -> np.ndarray:
        return np.concatenate(parts).astype(np.float32) if parts else np.zeros(0, np.float32)
