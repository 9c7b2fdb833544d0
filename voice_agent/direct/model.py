"""The direct model at run time: hear a turn, then answer it in voice tokens and audio.

One turn, blocking (the engine runs it in a worker thread):
1. hear: Whisper's encoder frames of the turn, adapted into SmolLM2's embedding space and
   read as the tokens they point at (text1: the inner monologue's first part, and the
   user's transcript);
2. think: SmolLM2 answers the chat (instructions, history, text1) token by token, with the
   cascade's sampling settings, so its words are the cascade's;
3. speak: every token's hidden state goes to the speech head as it is written; voice tokens
   go to Piper's decoder half chunk by chunk.

The LLM runs in llama.cpp on the cascade's GGUF (`llama_lm.py`), which returns the hidden
states the speech head reads; only the token embeddings are kept in torch.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from voice_agent.direct.adapter import AdapterConfig, SpeechAdapter
from voice_agent.direct.chat import ChatTokens, Message
from voice_agent.direct.config import HEARINGS
from voice_agent.direct.hear import MAX_HEARD_TOKENS, read_ctc, sentence_case
from voice_agent.direct.hearing import EncoderConfig, SpeechEncoder
from voice_agent.direct.llama_lm import LlamaSequence, greedy_with_draft
from voice_agent.direct.pronounce import Pronouncer
from voice_agent.direct.smollm import default_gguf, load_token_embedding
from voice_agent.direct.speak import SpeechHead, SpeechHeadConfig
from voice_agent.direct.voice import SpeechStream
from voice_agent.weights import load_float

MAX_REPLY_TOKENS = 120  # as the cascade's LLM
REPEAT_WINDOW = 64  # llama-cpp-python's default penalty window (`last_n_tokens_size`)
HEARD_TOKENS_PER_SECOND = 8  # with room: fast speech is ~5
END_OF_TEXT = 2  # SmolLM2's <|endoftext|>, which it sometimes writes instead of <|im_end|>


def default_model_path() -> Path:
    """The shipped checkpoint, committed under models/ in the checkout the package runs from."""
    return Path(__file__).resolve().parents[2] / "models" / "direct"


@dataclass(frozen=True)
class Spoken:
    """A piece of the reply: new text, and the audio that is now final (either may be empty)."""

    text: str
    audio: np.ndarray


@dataclass(frozen=True)
class Sampling:
    temperature: float = 0.0
    repeat_penalty: float = 1.1
    top_k: int = 40  # top_k, top_p and min_p as the cascade's LLM (`LlamaConfig`)
    top_p: float = 0.95
    min_p: float = 0.05
    max_tokens: int = MAX_REPLY_TOKENS
    seed: int | None = None


class DirectModel:
    def __init__(self, path: Path | None = None, threads: int = 2, hearing: str = "ctc") -> None:
        from voice_agent.voice_tokens.codebook import VoiceTokenizer, default_tokenizer_path
        from voice_agent.voice_tokens.halves import PiperHalves
        from voice_agent.voice_tokens.streaming import StreamingDecoder

        if hearing not in HEARINGS:
            raise ValueError(f"unknown hearing {hearing!r}; one of {', '.join(HEARINGS)}")
        path = path or default_model_path()
        if not (path / "config.json").exists():
            raise FileNotFoundError(
                f"{path} holds no direct model (config.json); train one with "
                "`voice-agent train-direct` or point --direct-model at one"
            )
        torch.set_num_threads(threads)
        config = json.loads((path / "config.json").read_text())
        self.path = path
        self.instructions: str = config["instructions"]
        gguf = default_gguf()
        self.chat = ChatTokens(gguf)
        # The LLM runs in llama.cpp. One sequence keeps the conversation; when the LLM
        # hears, another holds the hearing prompt, so neither loses its cache to the other.
        self.talking = LlamaSequence(gguf, threads)
        self.listening = LlamaSequence(gguf, threads) if hearing == "llm" else None
        self.embedding = load_token_embedding(gguf)  # the speech head reads token embeddings
        self.embedding_norms = self.embedding.weight.norm(dim=-1)
        self.encoder = SpeechEncoder(EncoderConfig(threads=threads))
        self.adapter = SpeechAdapter(AdapterConfig(**config["adapter"]))
        self.adapter.load_state_dict(load_float(path / "adapter.pt"))
        self.adapter.eval()
        head_config: dict[str, Any] = {
            key: tuple(value) if isinstance(value, list) else value
            for key, value in config["speech_head"].items()
        }
        head = SpeechHead(SpeechHeadConfig(**head_config))
        head.load_state_dict(load_float(path / "speech_head.pt"))
        self.halves = PiperHalves(threads=threads)
        self.speech = SpeechStream(head.eval(), Pronouncer(self.halves.voice))
        tokenizer = VoiceTokenizer.load(default_tokenizer_path())
        if config.get("tokenizer") and config["tokenizer"] != tokenizer.id:
            raise ValueError(
                f"{path} was trained on voice tokens {config['tokenizer']}, "
                f"but this checkout has {tokenizer.id}"
            )
        self.decoder = StreamingDecoder(self.halves, tokenizer)
        self.sample_rate: int = self.halves.sample_rate
        self.hearing_kind = hearing
        self.asr = None
        if hearing == "whisper":
            from voice_agent.models.asr import ASRConfig, WhisperASR

            self.asr = WhisperASR(ASRConfig(threads=threads))

    @torch.no_grad()
    def hear(self, audio16k: np.ndarray) -> str:
        """What the user said (text1), read as `hearing` says: off the adapted speech as CTC
        (`Hearing.read_ctc` in training), or by the LLM (`Hearing.transcribe`)."""
        if self.asr is not None:
            return self.asr.transcribe_blocking(audio16k)
        frames = torch.from_numpy(self.encoder.encode(audio16k)).float()
        adapted = self.adapter(frames[None])[0]
        tokens = read_ctc(adapted, self.embedding.weight, self.embedding_norms)
        read = sentence_case(self.chat.text(tokens))  # the reading writes in `ctc_form`
        if self.hearing_kind != "llm":
            return read
        # The LLM's greedy reading, with the CTC reading as its draft (as the LLM would write
        # it, first word included): the same words, checked a batch at a time instead of
        # written a token at a time.
        assert self.listening is not None
        self.listening.read(self.chat.before_speech())
        self.listening.extend_embeddings(adapted.numpy())
        step = self.listening.extend(self.chat.after_speech())
        limit = heard_token_limit(len(audio16k) / 16_000)
        draft = self.chat.ids(read)
        heard = greedy_with_draft(self.listening, step, draft, self.chat.end, limit)
        return self.chat.text(heard).strip()

    @torch.no_grad()
    def reply(
        self,
        instructions: str,
        history: list[Message],
        sampling: Sampling,
        stop: threading.Event | None = None,
    ) -> Iterator[Spoken]:
        """The answer to `history` (ending with the user's words), as it is written and said."""
        stop = stop or threading.Event()
        generator = torch.Generator()
        generator.manual_seed(
            sampling.seed if sampling.seed is not None else int(np.random.randint(2**31))
        )
        system = self.chat.system(instructions)
        context = self.conversation_that_fits(system, history, sampling.max_tokens)
        step = self.talking.read(system + context)
        # The penalty sees only the reply's own tokens, as the cascade's: llama-cpp-python
        # builds a fresh sampler per completion and feeds it only the tokens it samples.
        # Penalising the prompt too made the answer avoid the question's words and part from
        # the cascade's on 11 of 12 turns read the same (8 of 12 now match it word for word).
        recent: list[int] = []
        words = SpokenWords(self.speech, self.halves.hop)
        self.speech.reset()
        self.decoder.reset()
        for _ in range(sampling.max_tokens):
            if stop.is_set():
                return
            token = _next(torch.from_numpy(step.logits), recent, sampling, generator)
            if token in (self.chat.end, END_OF_TEXT):
                break
            step = self.talking.extend([token])
            if not self.speech.state.pieces:
                yield Spoken("", _silence())  # the first answer token: a timing mark
            recent = [*recent[1 - REPEAT_WINDOW :], token]
            embed = self.embedding(torch.tensor(token))
            codes = self.speech.push(self.chat.piece(token), torch.from_numpy(step.hidden), embed)
            if len(codes) and len(audio := self.decoder.push(codes[:, None])):
                yield Spoken(words.said_by(audio), audio)
        if stop.is_set():
            return
        # The last words' codes come out of `finish`: their audio is what this push makes
        # final plus the flushed tail (dropping the push's lost the reply's last words).
        audio = self.decoder.push(self.speech.finish()[:, None])
        audio = np.concatenate([audio, self.decoder.flush()])
        yield Spoken(words.said_by(audio, final=True), audio)

    def conversation_that_fits(
        self, system: list[int], history: list[Message], max_tokens: int
    ) -> list[int]:
        """The conversation's tokens with its oldest messages dropped until it, the system
        prompt and a whole reply fit in the LLM's context (as the cascade's LLM drops them):
        a long session keeps talking instead of failing at the context's end."""
        room = self.talking.context - len(system) - max_tokens
        for first in range(max(1, len(history))):
            context = self.chat.conversation(history[first:])
            if len(context) <= room:
                return context
        raise ValueError(
            f"the last message alone needs {len(context)} tokens; the direct model's context "
            f"holds {room} beside its instructions and reply"
        )


def _next(
    logits: torch.Tensor,
    recent: list[int],
    sampling: Sampling,
    generator: torch.Generator,
) -> int:
    """The next token as llama.cpp's sampler would pick it: repeat penalty, then top-k,
    top-p and min-p on the untempered probabilities, then temperature."""
    if sampling.repeat_penalty != 1.0 and recent:
        seen = torch.tensor(sorted(set(recent)))
        values = logits[seen]
        logits[seen] = torch.where(
            values > 0, values / sampling.repeat_penalty, values * sampling.repeat_penalty
        )
    if sampling.temperature <= 0:
        return int(logits.argmax())
    top = torch.topk(logits, sampling.top_k)  # sorted, most likely first
    probs = torch.softmax(top.values, dim=-1)
    before = torch.cumsum(probs, dim=-1) - probs  # the probability above each token
    kept = (before < sampling.top_p) & (probs >= sampling.min_p * probs[0])
    tempered = torch.softmax(top.values[kept] / sampling.temperature, dim=-1)
    return int(top.indices[kept][torch.multinomial(tempered, 1, generator=generator)])


def heard_token_limit(seconds: float) -> int:
    """The most tokens a turn of `seconds` can hold: people say up to ~5 SmolLM2 tokens a
    second, so an adapter that keeps writing past that is inventing (it can loop until
    `MAX_HEARD_TOKENS`, which costs time and gives the answer a made-up question)."""
    return min(MAX_HEARD_TOKENS, 4 + int(HEARD_TOKENS_PER_SECOND * seconds))


def _silence() -> np.ndarray:
    return np.zeros(0, np.float32)


class SpokenWords:
    """Which of the written words a stretch of reply audio says: the words whose phonemes
    it completes (the text runs a few words ahead of the audio, and a cut reply must keep
    only what was heard)."""

    def __init__(self, speech: SpeechStream, hop: int) -> None:
        self.speech, self.hop = speech, hop
        self.frames = 0  # frames of audio so far
        self.said = 0  # words already given to audio

    def said_by(self, audio: np.ndarray, final: bool = False) -> str:
        """The words `audio` (the next stretch of the reply) completes."""
        self.frames += len(audio) // self.hop
        words = self.speech.state.words
        done = len(words) if final else min(self.speech.words_within(self.frames), len(words))
        new = words[self.said : done]
        self.said = max(self.said, done)
        return " ".join(new)
