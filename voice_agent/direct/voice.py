"""The speech head run as the LLM writes: reply tokens in, voice tokens out, then audio.

A token's frames are known once the next token is (the head looks one token ahead), and a
frame's voice token once `frame_lookahead` more frames are; the decoder then needs its own
context before that frame's audio is final. Each call recomputes only the window of
frames whose outputs can still change, so streamed codes equal the whole reply's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from voice_agent.direct.speak import SpeechHead, expand, frames_from_log


@dataclass
class SpeechState:
    hidden: list[torch.Tensor] = field(default_factory=list)  # per token: 576
    embeds: list[torch.Tensor] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)  # frames of each settled token
    emitted: int = 0  # frames whose code went out

    def reset(self) -> None:
        self.hidden, self.embeds, self.counts, self.emitted = [], [], [], 0


class SpeechStream:
    def __init__(self, head: SpeechHead) -> None:
        self.head = head
        self.state = SpeechState()

    def reset(self) -> None:
        self.state.reset()

    @torch.no_grad()
    def push(self, hidden: torch.Tensor, embed: torch.Tensor) -> np.ndarray:
        """Add one reply token; the voice tokens (int) that are now final."""
        self.state.hidden.append(hidden.float())
        self.state.embeds.append(embed.float())
        return self._advance(final=False)

    @torch.no_grad()
    def finish(self) -> np.ndarray:
        """The reply ended: every voice token left (`reset` before the next reply)."""
        return self._advance(final=True)

    def tokens_within(self, frames: int) -> int:
        """How many reply tokens are said entirely within the first `frames` frames."""
        return int(np.searchsorted(np.cumsum(self.state.counts), frames, side="right"))

    def _advance(self, final: bool) -> np.ndarray:
        state, head = self.state, self.head
        settled = len(state.hidden) if final else len(state.hidden) - 1
        if settled <= 0:
            return np.zeros(0, np.int64)
        tokens = head.tokens(torch.stack(state.hidden)[None], torch.stack(state.embeds)[None])[0]
        tokens = tokens[:settled]
        counts = frames_from_log(head.log_frames(tokens))
        state.counts = counts.tolist()
        known = int(counts.sum())
        lookahead = head.config.frame_lookahead
        ready = known if final else known - lookahead
        if ready <= state.emitted:
            return np.zeros(0, np.int64)
        start = max(0, state.emitted - lookahead)
        stop = min(known, ready + lookahead)
        expanded = expand(tokens, counts)[start:stop]
        logits = head.frame_logits(expanded[None])[0]
        codes = logits[state.emitted - start : ready - start].argmax(-1)
        state.emitted = ready
        return codes.numpy()
