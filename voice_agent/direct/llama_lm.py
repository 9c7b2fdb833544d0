"""SmolLM2 run by llama.cpp for the direct model's generation: next-token logits and the
final hidden state of every token it writes, from the GGUF the cascade runs.

Training needs gradients, so it runs the LLM in torch (`smollm.py`); serving runs the same
weights here, about five times faster per token on a CPU. The hidden states agree with
torch's to a cosine of 0.999 (llama.cpp quantises activations in blocks), close enough for
the speech head trained on torch's. A sequence keeps its keys and values between calls and
reuses the longest common prefix, so the system prompt and the conversation so far are not
recomputed each turn.
"""

from __future__ import annotations

import atexit
import ctypes
from dataclasses import dataclass
from pathlib import Path

import numpy as np

BATCH = 512  # tokens per llama_decode call while reading a prompt
SPEECH = -1  # the key of a position fed as an embedding: never shared with another call


@dataclass(frozen=True)
class Step:
    """What the LLM computed at the last position fed: its final hidden state (after the
    output norm, as torch's `LMOutput.hidden`) and the next token's logits."""

    hidden: np.ndarray  # width
    logits: np.ndarray  # vocab


class LlamaSequence:
    """One conversation's positions in a llama.cpp context of its own."""

    def __init__(self, gguf: Path, threads: int, context: int = 2048) -> None:
        import llama_cpp

        self._api = llama_cpp
        self._llama = llama_cpp.Llama(
            str(gguf),
            n_ctx=context,
            n_batch=BATCH,
            n_ubatch=BATCH,
            n_threads=threads,
            n_threads_batch=threads,
            embedding=True,  # per-token final hidden states, beside the logits
            pooling_type=llama_cpp.LLAMA_POOLING_TYPE_NONE,
            verbose=False,
        )
        atexit.register(self.close)  # before interpreter shutdown: llama_cpp's finaliser fails
        self.width = self._llama.n_embd()
        self.vocab = self._llama.n_vocab()
        self.context = context
        self._keys: list[int] = []  # token id per cached position; SPEECH for embeddings

    def __len__(self) -> int:
        return len(self._keys)

    def read(self, ids: list[int]) -> Step:
        """The LLM at the end of `ids`, a whole sequence from position 0; only what differs
        from the cached positions is computed."""
        if not ids:
            raise ValueError("nothing to read")
        shared = 0
        for cached, wanted in zip(self._keys, ids, strict=False):
            if cached != wanted or cached == SPEECH:
                break
            shared += 1
        shared = min(shared, len(ids) - 1)  # the last position is computed again: its output
        self.truncate(shared)
        return self.extend(ids[shared:])

    def extend(self, ids: list[int]) -> Step:
        """Append tokens after the cached positions; the LLM at the last."""
        step = None
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            step = self._decode(chunk, None)
        assert step is not None, "nothing to extend with"
        return step

    def extend_scored(self, ids: list[int]) -> np.ndarray:
        """Append tokens in one batch; the next-token logits after each of them (ids x
        vocab), to check a guessed continuation in one pass. No hidden states."""
        self._check_room(len(ids))
        self._api.llama_set_embeddings(self._llama.ctx, False)
        try:
            self._batch(ids, None, every=True)
        finally:
            self._api.llama_set_embeddings(self._llama.ctx, True)
        ctx, api = self._llama.ctx, self._api
        return np.stack(
            [
                np.ctypeslib.as_array(api.llama_get_logits_ith(ctx, i), (self.vocab,)).copy()
                for i in range(len(ids))
            ]
        )

    def extend_embeddings(self, rows: np.ndarray) -> Step:
        """Append positions given as input embeddings (rows x width, e.g. adapted speech)."""
        step = None
        for start in range(0, len(rows), BATCH):
            step = self._decode(None, np.ascontiguousarray(rows[start : start + BATCH], np.float32))
        assert step is not None, "no rows to extend with"
        return step

    def truncate(self, length: int) -> None:
        """Forget every position from `length` on."""
        if length < len(self._keys):
            memory = self._api.llama_get_memory(self._llama.ctx)
            self._api.llama_memory_seq_rm(memory, 0, length, -1)
            del self._keys[length:]

    def _check_room(self, count: int) -> None:
        if len(self._keys) + count > self.context:
            raise ValueError(
                f"the conversation needs {len(self._keys) + count} positions; "
                f"the direct model's context holds {self.context}"
            )

    def _decode(self, ids: list[int] | None, rows: np.ndarray | None) -> Step:
        count = len(ids) if ids is not None else len(rows)  # type: ignore[arg-type]
        self._check_room(count)
        # Only the last position's outputs are wanted. With hidden states switched on,
        # llama.cpp would compute every position's logits (49k each), so the positions
        # before the last are read with them off.
        if count > 1:
            self._api.llama_set_embeddings(self._llama.ctx, False)
            try:
                self._batch(
                    ids[:-1] if ids is not None else None, None if rows is None else rows[:-1]
                )
            finally:
                self._api.llama_set_embeddings(self._llama.ctx, True)
        self._batch(ids[-1:] if ids is not None else None, None if rows is None else rows[-1:])
        ctx, api = self._llama.ctx, self._api
        hidden = np.ctypeslib.as_array(api.llama_get_embeddings_ith(ctx, -1), (self.width,))
        logits = np.ctypeslib.as_array(api.llama_get_logits_ith(ctx, -1), (self.vocab,))
        return Step(hidden.copy(), logits.copy())

    def _batch(self, ids: list[int] | None, rows: np.ndarray | None, every: bool = False) -> None:
        """Decode the next positions; the last of them gives outputs (`every`: all do)."""
        api = self._api
        count = len(ids) if ids is not None else len(rows)  # type: ignore[arg-type]
        batch = api.llama_batch_init(count, 0 if rows is None else self.width, 1)
        try:
            batch.n_tokens = count
            first = len(self._keys)
            for i in range(count):
                batch.pos[i] = first + i
                batch.n_seq_id[i] = 1
                batch.seq_id[i][0] = 0
                batch.logits[i] = every or i == count - 1
            if ids is not None:
                for i, token in enumerate(ids):
                    batch.token[i] = token
            else:
                assert rows is not None
                ctypes.memmove(batch.embd, rows.ctypes.data, rows.nbytes)
            if api.llama_decode(self._llama.ctx, batch) != 0:
                raise RuntimeError("llama.cpp could not decode the batch")
        finally:
            api.llama_batch_free(batch)
        self._keys += ids if ids is not None else [SPEECH] * count

    def close(self) -> None:
        self._llama.close()


def greedy_with_draft(
    sequence: LlamaSequence, step: Step, draft: list[int], end: int, limit: int
) -> list[int]:
    """The tokens greedy decoding writes after `step` (up to `end` or `limit` tokens), with a
    guess of them, `draft`, checked in batches instead of writing one token per call
    (speculative decoding). The result is greedy decoding's whatever the draft; a draft that
    is mostly right makes it a few batched calls."""
    said: list[int] = []
    logits = step.logits
    guess = 0  # where in the draft the next token is expected
    while len(said) < limit:
        token = int(logits.argmax())
        if token == end:
            break
        ahead = draft[guess : guess + limit - len(said)]
        if ahead and ahead[0] == token:
            scored = sequence.extend_scored(ahead)
            kept = 1
            while kept < len(ahead) and int(scored[kept - 1].argmax()) == ahead[kept]:
                kept += 1
            sequence.truncate(len(sequence) - (len(ahead) - kept))
            said += ahead[:kept]
            logits, guess = scored[kept - 1], guess + kept
            continue
        said.append(token)
        logits = sequence.extend([token]).logits
        # Back in step with the draft: past the token if it comes up next (the draft had one
        # too many), else past the one it replaced.
        guess += 2 + ahead[1:3].index(token) if token in ahead[1:3] else 1
    return said
