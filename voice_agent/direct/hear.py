"""Hearing: the adapted speech frames in SmolLM2, asked to repeat what the user said.

The words heard are the inner monologue's first part (text1, the user's transcript); the
answer pass then reads them as text. Two readings of the same adapted frames:
- CTC (`read_ctc`): each position's nearest token embedding, the geometry the CTC loss
  trains; one matrix product, no LLM pass (serving's default: ~12x faster, nearly as good);
- the LLM's (`Hearing.transcribe`): SmolLM2 asked to repeat what it heard, token by token.
The prompt before the speech is the same every turn, so its keys and values are computed once.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from voice_agent.direct.adapter import SpeechAdapter
from voice_agent.direct.chat import ChatTokens
from voice_agent.direct.smollm import KV, SmolLM

MAX_HEARD_TOKENS = 64
CTC_BLANK = 0  # <|endoftext|>: never a word of what was said
CTC_WEIGHT = 1.0
CTC_SHARPNESS = 30.0  # cosine similarity to logits
CTC_NEGATIVES = 2048


def ctc_form(said: str) -> str:
    """What the CTC reading is trained to write for `said`: its words as they are written inside
    a sentence. A turn's first word is otherwise a token of its own ("Hello", "Coff|ee") that
    training sees only at the start of a turn, and the reading wrote "H!" for "Hello." and
    "P coffee!" for "Coffee."; " hello" and " coffee" are the same tokens as anywhere else.
    `sentence_case` undoes it."""
    said = said.strip()
    first = said.split(" ", 1)[0]
    if first[1:2].islower() or (len(first) == 1 and first != "I"):
        said = said[:1].lower() + said[1:]
    return " " + said


def sentence_case(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:]


def read_ctc(speech: torch.Tensor, vocabulary: torch.Tensor, norms: torch.Tensor) -> list[int]:
    """The tokens of adapted speech (positions x width) read greedily as CTC: at each position
    the token whose embedding points the same way (cosine, as `_ctc_loss` trains it), repeats
    merged, blanks dropped. `vocabulary`: the LLM's token embeddings; `norms`: their lengths."""
    similarity = (F.normalize(speech.float(), dim=-1) @ vocabulary.T) / norms
    best = similarity.argmax(-1).tolist()
    return [
        token
        for index, token in enumerate(best)
        if token != CTC_BLANK and (index == 0 or best[index - 1] != token)
    ]


class Hearing:
    def __init__(self, lm: SmolLM, adapter: SpeechAdapter, chat: ChatTokens) -> None:
        self.lm, self.adapter, self.chat = lm, adapter, chat
        with torch.no_grad():
            self.prefix: list[KV] = lm(lm.embed_ids(torch.tensor([chat.before_speech()]))).cache
        self.after = lm.embed_ids(torch.tensor(chat.after_speech()))  # A x 576

    def _prefix(self, batch: int) -> list[KV]:
        return [(k.expand(batch, -1, -1, -1), v.expand(batch, -1, -1, -1)) for k, v in self.prefix]

    def loss(
        self,
        frames: list[torch.Tensor],
        targets: list[torch.Tensor],
        ctc_targets: list[torch.Tensor],
        answer: bool = True,
    ) -> torch.Tensor:
        """Mean cross-entropy of the said tokens given each example's speech frames (unless
        not `answer`), plus a CTC loss that reads the said tokens straight off the adapted
        frames through the LLM's own (tied) embeddings: it pulls each position towards the
        embedding of the word spoken there, which the LLM then reads like text, and its
        gradient reaches the adapter without crossing 30 frozen layers (training converges
        far faster). `targets`: the said tokens and the end of turn, as the LLM writes them;
        `ctc_targets`: the said tokens in `ctc_form`."""
        padded = torch.nn.utils.rnn.pad_sequence([f.float() for f in frames], batch_first=True)
        speech = self.adapter(padded)  # B x P x 576
        ctc = CTC_WEIGHT * self._ctc_loss(speech, frames, ctc_targets)
        return self._answer_loss(speech, frames, targets) + ctc if answer else ctc

    def _ctc_loss(
        self, speech: torch.Tensor, frames: list[torch.Tensor], said: list[torch.Tensor]
    ) -> torch.Tensor:
        # Over the batch's own words, the blank and a few thousand others drawn at random (a
        # sampled softmax: the whole 49k vocabulary costs more than the LLM pass). Cosine,
        # not dot product: each position's direction is pulled to its word's embedding, the
        # answer loss alone sets the scale the LLM reads.
        vocabulary = self.lm.embed.weight
        device = vocabulary.device
        said = [t.to(device) for t in said]
        drawn = torch.randint(0, len(vocabulary), (CTC_NEGATIVES,), device=device)
        blank = torch.tensor([CTC_BLANK], device=device)
        candidates = torch.unique(torch.cat([blank, *said, drawn]))
        index = torch.full((len(vocabulary),), -1, dtype=torch.long, device=device)
        index[candidates] = torch.arange(len(candidates), device=device)
        words = F.normalize(vocabulary[candidates], dim=-1)
        logits = CTC_SHARPNESS * F.normalize(speech, dim=-1) @ words.T  # B x P x candidates
        log_probs = logits.float().log_softmax(-1).transpose(0, 1)  # P x B x candidates
        return F.ctc_loss(
            log_probs,
            index[torch.cat(said)],
            torch.tensor([self.adapter.positions(len(f)) for f in frames]),
            torch.tensor([len(t) for t in said]),
            blank=int(index[CTC_BLANK]),
            zero_infinity=True,
        )

    def _answer_loss(
        self, speech: torch.Tensor, frames: list[torch.Tensor], targets: list[torch.Tensor]
    ) -> torch.Tensor:
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
        valid = torch.zeros(batch, prefix + length, dtype=torch.bool, device=embeds.device)
        for index, length in enumerate(valid_lengths):
            valid[index, : prefix + length] = True
        with torch.autocast(embeds.device.type, dtype=torch.bfloat16):
            hidden = self.lm(embeds, cache=self._prefix(batch), valid=valid).hidden
        picked = torch.cat(
            [
                hidden[i, s : s + len(t)]
                for i, (s, t) in enumerate(zip(starts, targets, strict=True))
            ]
        )
        logits = self.lm.logits(picked.float())
        return F.cross_entropy(logits, torch.cat(targets).to(logits.device))

    @torch.no_grad()
    def read_ctc(self, frames: torch.Tensor) -> list[int]:
        """`read_ctc` of `frames` (frames x 384) through the adapter."""
        vocabulary = self.lm.embed.weight
        speech = self.adapter(frames.float().to(vocabulary.device)[None])[0]
        return read_ctc(speech, vocabulary, vocabulary.norm(dim=-1))

    @torch.no_grad()
    def transcribe(self, frames: torch.Tensor) -> list[int]:
        """Greedy token ids of what was said in `frames` (frames x 384), end excluded."""
        speech = self.adapter(frames.float().to(self.after.device)[None])[0]
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
