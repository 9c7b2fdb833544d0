"""Hearing: the adapted speech frames in SmolLM2, asked to repeat what the user said.

The LLM's words for the speech are the inner monologue's first part (text1, the user's
transcript); the answer pass then reads them as text. The prompt before the speech is the
same every turn, so its keys and values are computed once.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from voice_agent.direct.adapter import SpeechAdapter
from voice_agent.direct.chat import ChatTokens
from voice_agent.direct.smollm import KV, SmolLM

MAX_HEARD_TOKENS = 64


class Hearing:
    def __init__(self, lm: SmolLM, adapter: SpeechAdapter, chat: ChatTokens) -> None:
        self.lm, self.adapter, self.chat = lm, adapter, chat
        with torch.no_grad():
            self.prefix: list[KV] = lm(lm.embed_ids(torch.tensor([chat.before_speech()]))).cache
        self.after = lm.embed_ids(torch.tensor(chat.after_speech()))  # A x 576

    def _prefix(self, batch: int) -> list[KV]:
        return [(k.expand(batch, -1, -1, -1), v.expand(batch, -1, -1, -1)) for k, v in self.prefix]

    def loss(self, frames: list[torch.Tensor], targets: list[torch.Tensor]) -> torch.Tensor:
        """Mean cross-entropy of the said tokens, given each example's speech frames."""
        padded = torch.nn.utils.rnn.pad_sequence([f.float() for f in frames], batch_first=True)
        speech = self.adapter(padded)  # B x P x 576
        rows, valid_lengths, starts = [], [], []
        for index, (count, target) in enumerate(zip(frames, targets, strict=True)):
            positions = self.adapter.positions(len(count))
            said = self.lm.embed_ids(target[:-1])
            rows.append(torch.cat([speech[index, :positions], self.after.to(speech.dtype), said]))
            starts.append(positions + len(self.after) - 1)
            valid_lengths.append(len(rows[-1]))
        embeds = torch.nn.utils.rnn.pad_sequence(rows, batch_first=True)
        batch, length = embeds.shape[:2]
        prefix = self.prefix[0][0].shape[2]
        valid = torch.zeros(batch, prefix + length, dtype=torch.bool)
        for index, length in enumerate(valid_lengths):
            valid[index, : prefix + length] = True
        with torch.autocast("cpu", dtype=torch.bfloat16):
            hidden = self.lm(embeds, cache=self._prefix(batch), valid=valid).hidden
        picked = torch.cat(
            [
                hidden[i, s : s + len(t)]
                for i, (s, t) in enumerate(zip(starts, targets, strict=True))
            ]
        )
        logits = self.lm.logits(picked.float())
        return F.cross_entropy(logits, torch.cat(targets))

    @torch.no_grad()
    def transcribe(self, frames: torch.Tensor) -> list[int]:
        """Greedy token ids of what was said in `frames` (frames x 384), end excluded."""
        speech = self.adapter(frames.float()[None])[0]
        embeds = torch.cat([speech, self.after])[None]
        out = self.lm(embeds, cache=self.prefix)
        said: list[int] = []
        for _ in range(MAX_HEARD_TOKENS):
            token = int(self.lm.logits(out.hidden[0, -1]).argmax())
            if token == self.chat.end:
                break
            said.append(token)
            out = self.lm(self.lm.embed_ids(torch.tensor([[token]])), cache=out.cache)
        return said
