"""The real embedded models on the CPU: assert on what they say and hear."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from tests.speech import espeak
from voice_agent.audio import resample
from voice_agent.engines.base import (
    HistoryItem,
    Message,
    ReplyAudio,
    ReplyStarted,
    Turn,
    UserTranscript,
)
from voice_agent.engines.cascade import CascadeEngine
from voice_agent.evaluation import word_error_rate
from voice_agent.models.asr import ASRConfig, WhisperASR
from voice_agent.models.llm import LlamaConfig, LlamaCppLLM
from voice_agent.models.tts import PiperTTS, TTSConfig


@pytest.fixture(scope="module")
def asr() -> WhisperASR:
    return WhisperASR(ASRConfig())


@pytest.fixture(scope="module")
def tts() -> PiperTTS:
    return PiperTTS(TTSConfig())


@pytest.fixture(scope="module")
def llm() -> LlamaCppLLM:
    return LlamaCppLLM(LlamaConfig())


@pytest.mark.parametrize(
    ("text", "voice", "speed"),
    [
        ("What is the weather like in Paris?", "en-us", 160),
        ("Please set a timer for ten minutes.", "en-gb", 140),
    ],
)
async def test_whisper_transcribes_espeak_speech(
    asr: WhisperASR, text: str, voice: str, speed: int
) -> None:
    heard = await asr.transcribe(espeak(text, 16_000, voice, speed))
    assert word_error_rate(text, heard) <= 0.15, heard


async def test_whisper_transcribes_speech_longer_than_its_30_s_window(
    asr: WhisperASR, tts: PiperTTS
) -> None:
    sentence = "The weather in Sydney is mostly sunny, with a light breeze from the ocean."
    text = " ".join([sentence] * 10)
    audio = resample(await tts.synthesize(text), tts.sample_rate, 16_000)
    assert len(audio) > 32 * 16_000
    heard = await asr.transcribe(audio)
    assert word_error_rate(text, heard) <= 0.15, heard


async def test_whisper_hears_nothing_in_silence(asr: WhisperASR) -> None:
    assert await asr.transcribe(np.zeros(800, np.float32)) == ""


async def test_piper_speech_is_intelligible(asr: WhisperASR, tts: PiperTTS) -> None:
    text = "The library opens at nine in the morning."
    audio = await tts.synthesize(text)
    assert tts.sample_rate == 22_050
    assert 1.5 < len(audio) / tts.sample_rate < 5.0
    heard = await asr.transcribe(resample(audio, tts.sample_rate, 16_000))
    assert word_error_rate(text, heard) <= 0.15, heard


async def test_llm_streams_a_relevant_answer(llm: LlamaCppLLM) -> None:
    messages = [
        Message("system", "You are a helpful assistant. Answer in one short sentence."),
        Message("user", "What is the capital of France?"),
    ]
    deltas = [d async for d in llm.stream(messages, temperature=0.0, max_tokens=40)]
    assert len(deltas) > 3  # streamed token by token, not in one piece
    assert "paris" in "".join(deltas).lower()


async def test_llm_stops_when_the_consumer_stops(
    llm: LlamaCppLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Closing the stream stops llama.cpp: no more tokens are computed for nobody."""
    pulled: list[list[int]] = []  # per request: one entry per chunk llama.cpp produced
    create = llm._llama.create_chat_completion

    def counting(*args: Any, **kwargs: Any) -> Iterator[Any]:
        chunks: list[int] = []
        pulled.append(chunks)
        for chunk in create(*args, **kwargs):
            chunks.append(1)
            yield chunk

    monkeypatch.setattr(llm._llama, "create_chat_completion", counting)
    question = [Message("user", "Write a long story about a dragon.")]  # 200 tokens if let run
    stream = llm.stream(question, 0.0, 200)
    got = [await anext(stream) for _ in range(3)]
    await stream.aclose()
    at_close = len(pulled[0])
    # The worker is free again: a new request is served (the same single worker thread runs
    # it, so by the time it answers, the first generation has ended).
    again = [d async for d in llm.stream([Message("user", "Say hi.")], 0.0, 5)]
    assert len(got) == 3 and again
    # Ignoring the stop would run the first request on to its 200 tokens.
    after_close = len(pulled[0]) - at_close
    assert after_close <= 1, f"{after_close} tokens computed after the stream was closed"


async def test_cascade_reply_streams_clauses_whose_audio_says_their_text(
    asr: WhisperASR, llm: LlamaCppLLM, tts: PiperTTS
) -> None:
    engine = CascadeEngine(asr, llm, tts)
    turn = Turn(
        instructions="You are a helpful voice assistant. Answer in two short sentences.",
        history=(HistoryItem("item_1", "user", "Tell me something about cats."),),
        temperature=0.0,
    )
    events = [e async for e in engine.respond(turn)]
    assert isinstance(events[0], ReplyStarted)
    pieces = [e for e in events if isinstance(e, ReplyAudio)]
    assert pieces, "no audio"
    text = " ".join(p.text or "" for p in pieces)
    audio = np.concatenate([p.audio for p in pieces])
    heard = await asr.transcribe(resample(audio, pieces[0].sample_rate, 16_000))
    assert word_error_rate(text, heard) <= 0.35, (text, heard)


async def test_cascade_hears_a_spoken_turn_before_it_answers(
    asr: WhisperASR, llm: LlamaCppLLM, tts: PiperTTS
) -> None:
    engine = CascadeEngine(asr, llm, tts)
    spoken = espeak("What is the capital city of France?", 16_000)
    turn = Turn(
        instructions="Answer in one short sentence.",
        history=(
            HistoryItem("item_1", "user", None, espeak("Hello there.", 16_000)),
            HistoryItem("item_2", "assistant", "Hi! How can I help?"),
            HistoryItem("item_3", "user", None, spoken),
        ),
        temperature=0.0,
        max_output_tokens=30,
    )
    events = [e async for e in engine.respond(turn)]
    heard = [e for e in events if isinstance(e, UserTranscript)]
    # Every untranscribed speech item is heard, in order, before the reply starts.
    assert [e.item_id for e in heard] == ["item_1", "item_3"]
    assert word_error_rate("What is the capital city of France?", heard[1].text) <= 0.2
    assert events.index(heard[-1]) < next(
        i for i, e in enumerate(events) if isinstance(e, ReplyStarted)
    )
    assert any(isinstance(e, ReplyAudio) for e in events)
