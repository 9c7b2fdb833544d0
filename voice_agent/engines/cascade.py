"""The cascade engine: faster-whisper ASR -> LLM -> Piper TTS, streaming at every step.

The LLM streams tokens from its worker thread; complete clauses go to the TTS worker
while the LLM keeps writing; finished audio is prefetched ahead of the session's paced
sender. Closing the reply iterator stops all three.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import numpy as np

from voice_agent.config import ServerConfig
from voice_agent.engines.base import Message, ReplyAudio, ReplyEvent, ReplyRequest, ReplyTextStarted
from voice_agent.models.asr import WhisperASR
from voice_agent.models.llm import ChatLLM
from voice_agent.models.tts import PiperTTS, TTSConfig
from voice_agent.streams import prefetch
from voice_agent.text import ClauseSplitter, has_words, speakable

TTS_LOOKAHEAD_CLAUSES = 4


class CascadeEngine:
    name = "cascade"

    def __init__(self, asr: WhisperASR, llm: ChatLLM, tts: PiperTTS) -> None:
        self.asr = asr
        self.llm = llm
        self.tts = tts

    async def transcribe(self, audio16k: np.ndarray) -> str:
        return await self.asr.transcribe(audio16k)

    def reply(self, request: ReplyRequest) -> AsyncIterator[ReplyEvent]:
        return prefetch(self._spoken_reply(request), TTS_LOOKAHEAD_CLAUSES)

    async def _spoken_reply(self, request: ReplyRequest) -> AsyncIterator[ReplyEvent]:
        messages = [Message("system", request.instructions), *request.history]
        splitter = ClauseSplitter()
        first = True
        deltas = self.llm.stream(messages, request.temperature, request.max_output_tokens)
        async with contextlib.aclosing(deltas):  # closing stops the LLM at its next token
            async for delta in deltas:
                if first:
                    first = False
                    yield ReplyTextStarted()
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
    from voice_agent.models.llm import LlamaConfig, LlamaCppLLM, OpenAIChatConfig, OpenAIChatLLM

    asr = WhisperASR(ASRConfig(model_path=config.asr_model or None, threads=config.asr_threads))
    llm: ChatLLM
    if config.llm_url:
        llm = OpenAIChatLLM(
            OpenAIChatConfig(config.llm_url, model=config.llm_name, api_key=config.llm_api_key)
        )
    else:
        llm = LlamaCppLLM(
            LlamaConfig(model_path=config.llm_model or None, threads=config.llm_threads)
        )
    voice = PiperTTS(tts or TTSConfig(model_path=config.tts_voice or None))
    return CascadeEngine(asr, llm, voice)
