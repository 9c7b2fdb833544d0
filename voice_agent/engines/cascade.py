"""The cascade engine: faster-whisper ASR -> LLM -> Piper TTS, streaming at every step.

A turn first hears: every user speech item of the history that has no text yet is
transcribed (the newest last), and its transcript goes to the client. Then the LLM
streams tokens from its worker thread; complete clauses go to the TTS worker while the
LLM keeps writing; finished audio is prefetched ahead of the session's paced sender.
Closing the iterator stops all three.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import numpy as np

from voice_agent.config import ServerConfig
from voice_agent.engines.base import (
    EngineEvent,
    FunctionCall,
    HistoryItem,
    Message,
    ReplyAudio,
    ReplyStarted,
    ReplyText,
    Turn,
    UserTranscript,
    UserTranscriptFailed,
)
from voice_agent.engines.history import recent_turns
from voice_agent.engines.prompting import reply
from voice_agent.models.asr import WhisperASR
from voice_agent.models.llm import ChatLLM
from voice_agent.models.tts import PiperTTS, TTSConfig
from voice_agent.streams import prefetch
from voice_agent.text import ClauseSplitter, has_words, speakable

TTS_LOOKAHEAD_CLAUSES = 4


@dataclass(frozen=True)
class Heard:
    """The history as text, once every speech item in it has been transcribed."""

    messages: tuple[Message, ...]
    events: tuple[UserTranscript | UserTranscriptFailed, ...]


class CascadeEngine:
    name = "cascade"
    transcription_model = "whisper-tiny.en"

    def __init__(
        self,
        asr: WhisperASR,
        llm: ChatLLM,
        tts: PiperTTS,
        calculator: bool = True,
        history_turns: int = 0,
    ) -> None:
        self.asr = asr
        self.llm = llm
        self.tts = tts
        self.calculator = calculator  # sums are worked out, not asked of the LLM
        self.history_turns = history_turns  # of the conversation the LLM is shown (0: all)

    def respond(self, turn: Turn) -> AsyncIterator[EngineEvent]:
        return prefetch(self._respond(turn), TTS_LOOKAHEAD_CLAUSES)

    async def _respond(self, turn: Turn) -> AsyncIterator[EngineEvent]:
        heard = await self._hear(turn.history)
        for transcript in heard.events:
            yield transcript
        history = heard.messages
        if not history or history[-1].role == "assistant":
            return  # nothing was said to answer (e.g. a cough that passed the VAD)
        if turn.seed is not None:
            self.llm.reseed(turn.seed)
            self.tts.reseed(turn.seed)
        async for event in self._spoken_reply(turn, recent_turns(history, self.history_turns)):
            yield event

    async def _hear(self, history: tuple[HistoryItem, ...]) -> Heard:
        """Transcribe the speech items that have no text yet, all at once (one ASR worker
        takes them in order), and the history as chat messages."""
        pending = [item for item in history if item.text is None and item.audio is not None]
        results = await asyncio.gather(
            *(self.asr.transcribe(item.audio) for item in pending if item.audio is not None),
            return_exceptions=True,
        )
        events: list[UserTranscript | UserTranscriptFailed] = []
        texts: dict[str, str] = {}
        for item, result in zip(pending, results, strict=True):
            if isinstance(result, BaseException):
                if isinstance(result, asyncio.CancelledError):
                    raise result
                events.append(UserTranscriptFailed(item.id, str(result)))
                continue
            texts[item.id] = result
            events.append(UserTranscript(item.id, result))
        messages = tuple(
            message for item in history if (message := item.message(texts.get(item.id))) is not None
        )
        return Heard(messages, tuple(events))

    async def _spoken_reply(
        self, turn: Turn, history: tuple[Message, ...]
    ) -> AsyncIterator[EngineEvent]:
        splitter = ClauseSplitter()
        first = True
        deltas = reply(
            self.llm,
            turn.instructions,
            history,
            turn.temperature,
            turn.max_output_tokens,
            self.calculator,
            turn.tools,
            turn.tool_choice,
        )
        async with contextlib.aclosing(deltas):  # closing stops the LLM at its next token
            async for delta in deltas:
                if first:
                    first = False
                    yield ReplyStarted()
                if isinstance(delta, FunctionCall):
                    yield delta
                elif not turn.speak:
                    yield ReplyText(delta)
                else:
                    for clause in splitter.push(delta):
                        if piece := await self._speak(clause):
                            yield piece
        for clause in splitter.flush():
            if piece := await self._speak(clause):
                yield piece

    async def _speak(self, clause: str) -> ReplyAudio | None:
        text = speakable(clause)
        if not has_words(text):
            return None
        audio = await self.tts.synthesize(text)
        return ReplyAudio(audio, self.tts.sample_rate, text)

    async def warm_up(self) -> None:
        await self.asr.transcribe(np.zeros(16_000, np.float32))
        await self.llm.warm_up()
        await self.tts.synthesize("Hello there.")

    async def close(self) -> None:
        self.asr.close()
        self.tts.close()
        await self.llm.close()


def build_cascade_engine(config: ServerConfig, tts: TTSConfig | None = None) -> CascadeEngine:
    """Load the cascade's models as `config` names them (blocking). `tts` overrides the voice
    settings derived from `config.tts_voice` (the distillation data seeds its noise)."""
    from voice_agent.models.asr import ASRConfig

    asr = WhisperASR(ASRConfig(model_path=config.asr_model or None, threads=config.asr_threads))
    voice = PiperTTS(tts or TTSConfig(model_path=config.tts_voice or None))
    return CascadeEngine(asr, build_llm(config), voice, config.calculator, config.history_turns)


def build_llm(config: ServerConfig) -> ChatLLM:
    """The chat LLM `config` names: the --llm-url server, or the embedded GGUF (blocking)."""
    from voice_agent.models.llm import LlamaConfig, LlamaCppLLM, OpenAIChatConfig, OpenAIChatLLM

    if config.llm_url:
        return OpenAIChatLLM(
            OpenAIChatConfig(config.llm_url, model=config.llm_name, api_key=config.llm_api_key)
        )
    return LlamaCppLLM(
        LlamaConfig(
            model_path=config.llm_model or None,
            threads=config.llm_threads,
            repeat_penalty=config.llm_repeat_penalty,
            ascii_only=config.llm_ascii_only,
        )
    )
