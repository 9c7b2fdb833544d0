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
DECODER_CONTEXT = 10
FLOW_CONTEXT = 32


def context_frames(kind: str) -> int:
    """The look-ahead in frames before a frame's audio is final."""
    return DECODER_CONTEXT + (FLOW_CONTEXT if kind == "prior" else 0)


@dataclass
class Frames:
    """A growing run of frames (channels x n) that forgets its old ones."""

    kept: np.ndarray | None = None
    offset: int = 0  # index of the first frame kept
    end: int = 0  # one past the last frame added

    def add(self, frames: np.ndarray) -> None:
        self.kept = frames if self.kept is None else np.concatenate([self.kept, frames], axis=1)
        self.end += frames.shape[1]

    def window(self, start: int, stop: int) -> np.ndarray:
        assert self.kept is not None and start >= self.offset
        return self.kept[:, start - self.offset : stop - self.offset]

    def forget_before(self, index: int) -> None:
        drop = index - self.offset
        if drop > 0 and self.kept is not None:
            self.kept, self.offset = self.kept[:, drop:], index


@dataclass
class DecoderState:
    tokens: Frames = field(default_factory=Frames)  # frames decoded from tokens
    latents: Frames = field(default_factory=Frames)  # z, once final
    emitted: int = 0  # frames whose audio went out

    def reset(self) -> None:
        self.tokens, self.latents, self.emitted = Frames(), Frames(), 0


class StreamingDecoder:
    """Tokens in (any number at a time), audio out in chunks of `chunk_frames`.

    Two stages, each run once per frame plus its context: the flow turns token frames
    into final `z` frames once 32 frames follow them (prior tokens only), and the HiFi-GAN
    turns `z` into audio once 10 more follow. `gain` scales the decoder's output (default:
    the tokenizer's typical gain, since a stream cannot normalise each sentence to its peak
    as Piper does).
    """

    def __init__(
        self,
        halves: PiperHalves,
        tokenizer: VoiceTokenizer,
        chunk_frames: int = 16,
        gain: float | None = None,
        context: int | None = None,
    ) -> None:
        self.halves = halves
        self.tokenizer = tokenizer
        self.chunk_frames = chunk_frames
        self.gain = tokenizer.gain if gain is None else gain
        self.prior = tokenizer.spec.kind == "prior"  # tokens of m_p: the flow comes first
        # `context` (for tests) shrinks both stages' context in proportion.
        scale = 1.0 if context is None else context / context_frames(tokenizer.spec.kind)
        self.flow_context = round(FLOW_CONTEXT * scale) if self.prior else 0
        self.decoder_context = round(DECODER_CONTEXT * scale)
        self.context = self.flow_context + self.decoder_context
        self.state = DecoderState()

    def reset(self) -> None:
        self.state.reset()

    def push(self, tokens: np.ndarray) -> np.ndarray:
        """Add token steps (steps x levels); the audio that is now final."""
        if len(tokens):
            self.state.tokens.add(self.tokenizer.decode(tokens))
        return self._advance(final=False)

    def flush(self, frames: int | None = None) -> np.ndarray:
        """The rest of the sentence (trimmed to `frames` if the last step was padded); the
        decoder is then ready for the next sentence."""
        if frames is not None:
            self.state.tokens.end = min(frames, self.state.tokens.end)
        audio = self._advance(final=True)
        self.reset()
        return audio

    def _advance(self, final: bool) -> np.ndarray:
        state = self.state
        total = state.tokens.end
        ready = total if final else max(0, total - self.flow_context)
        if ready > state.latents.end:
            start = state.latents.end
            lo, hi = max(0, start - self.flow_context), min(total, ready + self.flow_context)
            window = state.tokens.window(lo, hi)
            latents = self.halves.flow(window) if self.prior else window
            state.latents.add(latents[:, start - lo : ready - lo])
            state.tokens.forget_before(max(0, ready - self.flow_context))
        limit = state.latents.end if final else max(0, state.latents.end - self.decoder_context)
        out = []
        while limit - state.emitted >= self.chunk_frames or (final and limit > state.emitted):
            end = min(state.emitted + self.chunk_frames, limit)
            out.append(self._decode(state.emitted, end))
        return np.concatenate(out).astype(np.float32) if out else np.zeros(0, np.float32)

    def _decode(self, start: int, end: int) -> np.ndarray:
        state = self.state
        lo = max(0, start - self.decoder_context)
        hi = min(state.latents.end, end + self.decoder_context)
        audio = self.halves.decode(state.latents.window(lo, hi))
        state.emitted = end
        state.latents.forget_before(max(0, end - self.decoder_context))
        hop = self.halves.hop
        return audio[(start - lo) * hop : (end - lo) * hop] * self.gain
