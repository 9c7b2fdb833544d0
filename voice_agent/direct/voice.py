"""The speech head run as the LLM writes: reply tokens in, voice tokens out.

A written word is complete once the next token starts another (or the reply ends); its
phonemes then join the positions. A position's voice token and length are final once
`lookahead` more positions exist, and each call recomputes only the window whose outputs
can still change (plus the look-back that feeds it), so streamed codes equal the whole
reply's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from voice_agent.direct.pronounce import Pronouncer, word_spans
from voice_agent.direct.speak import SpeechHead, frames_from_log, word_inputs


@dataclass
class SpeechState:
    pieces: list[bytes] = field(default_factory=list)  # per token
    hidden: list[torch.Tensor] = field(default_factory=list)  # per token: 576
    embeds: list[torch.Tensor] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # complete words
    vectors: list[torch.Tensor] = field(default_factory=list)  # per complete word
    phonemes: list[int] = field(default_factory=list)  # positions so far
    owner: list[int] = field(default_factory=list)
    emitted: int = 0  # positions whose codes went out
    ends: list[int] = field(default_factory=list)  # per emitted position: frames up to its end
    finished: bool = False


class SpeechStream:
    def __init__(self, head: SpeechHead, pronouncer: Pronouncer) -> None:
        self.head, self.pronouncer = head, pronouncer
        self.state = SpeechState()

    def reset(self) -> None:
        self.state = SpeechState()

    @torch.no_grad()
    def push(self, piece: bytes, hidden: torch.Tensor, embed: torch.Tensor) -> np.ndarray:
        """Add one reply token (its bytes, final hidden state and input embedding); the
        voice tokens (one per frame) that are now final."""
        state = self.state
        state.pieces.append(piece)
        state.hidden.append(hidden.float())
        state.embeds.append(embed.float())
        return self._advance(final=False)

    @torch.no_grad()
    def finish(self) -> np.ndarray:
        """The reply ended: every voice token left (`reset` before the next reply)."""
        return self._advance(final=True)

    def words_within(self, frames: int) -> int:
        """How many words are said entirely within the first `frames` frames (positions
        are in word order, so it is the word of the first position not yet said)."""
        owner = self.state.owner
        said = int(np.searchsorted(self.state.ends, frames, side="right"))
        if said < len(owner):
            return owner[said]
        return owner[-1] + 1 if owner else 0

    def _complete_words(self, final: bool) -> None:
        state = self.state
        spans = word_spans(state.pieces)
        ends_in_space = bool(state.pieces) and state.pieces[-1][-1:].isspace()
        complete = len(spans) if final or ends_in_space else len(spans) - 1
        if complete <= len(state.words):
            return
        new = spans[len(state.words) : complete]
        hidden, embeds = torch.stack(state.hidden), torch.stack(state.embeds)
        last, mean = word_inputs(hidden, embeds, new)
        state.vectors += list(self.head.words(last, mean))
        text = [b"".join(state.pieces[a : b + 1]).decode(errors="replace").strip() for a, b in new]
        pronounced = self.pronouncer.positions(text, first=len(state.words), last=False)
        state.words += text
        state.phonemes += pronounced.phonemes.tolist()
        state.owner += pronounced.owner.tolist()

    def _advance(self, final: bool) -> np.ndarray:
        state, head = self.state, self.head
        self._complete_words(final)
        if final and state.words and not state.finished:
            state.finished = True
            state.phonemes.append(self.pronouncer.end)
            state.owner.append(len(state.words) - 1)
        known = len(state.phonemes)
        ready = known if final else known - head.config.lookahead
        if ready <= state.emitted:
            return np.zeros(0, np.int64)
        start = max(0, state.emitted - head.config.lookback)
        stop = min(known, ready + head.config.lookahead)
        owner = torch.tensor(state.owner[start:stop])
        vectors = torch.stack(state.vectors)[owner][None]
        logits, log_frames = head(torch.tensor(state.phonemes[start:stop])[None], vectors)
        window = slice(state.emitted - start, ready - start)
        codes = logits[0, window].argmax(-1)
        counts = frames_from_log(log_frames[0, window])
        state.ends += (np.cumsum(counts.numpy()) + (state.ends[-1] if state.ends else 0)).tolist()
        state.emitted = ready
        return codes.repeat_interleave(counts).numpy()
