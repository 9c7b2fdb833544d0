"""The direct engine: one model hears the user's speech and speaks voice tokens.

It owns the whole turn like the cascade, through one model (`voice_agent.direct.model`):
the turn's audio goes in; the model's inner monologue gives the user's transcript (text1)
and the reply text (text2), and its speech head the reply's audio, chunk by chunk. Closing
the iterator stops generation at the next token.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from threading import Event

import numpy as np

from voice_agent.config import ServerConfig
from voice_agent.direct.model import DirectModel, Sampling
from voice_agent.engines.base import (
    EngineError,
    EngineEvent,
    Message,
    ReplyAudio,
    ReplyStarted,
    ReplyText,
    Turn,
    UserTranscript,
    UserTranscriptFailed,
)
from voice_agent.engines.history import recent_turns
from voice_agent.models.workers import ModelWorker


class DirectEngine:
    name = "direct"

    def __init__(
        self, model: DirectModel, repeat_penalty: float = 1.1, history_turns: int = 0
    ) -> None:
        self.model = model
        self.history_turns = history_turns  # of the conversation the LLM is shown (0: all)
        # The transcript is the model's own inner monologue, or Whisper's when told so.
        self.transcription_model = "direct" if model.asr is None else "whisper-tiny.en"
        self.repeat_penalty = repeat_penalty
        self._worker = ModelWorker("direct")

    async def respond(self, turn: Turn) -> AsyncIterator[EngineEvent]:
        async for event in self._worker.stream(lambda stop: self._turn(turn, stop)):
            yield event

    def _turn(self, turn: Turn, stop: Event) -> Iterator[EngineEvent]:
        """Blocking, in the worker: hear every untranscribed speech item, then answer."""
        if turn.tool_choice.forces(turn.tools):
            raise EngineError(
                "tools_unsupported",
                "the direct engine cannot call functions; use the cascade engine "
                "(session.engine) for a response that must call one",
            )
        texts: dict[str, str] = {}
        for item in turn.history:
            if item.text is None and item.audio is not None:
                if stop.is_set():
                    return
                try:
                    heard = self.model.hear(item.audio)
                except Exception as error:  # one bad clip must not end the session
                    yield UserTranscriptFailed(item.id, str(error))
                    continue
                texts[item.id] = heard
                yield UserTranscript(item.id, heard)
        history = [
            message
            for item in turn.history
            if (message := item.message(texts.get(item.id))) is not None
        ]
        history = list(recent_turns(history, self.history_turns))
        if not history or history[-1].role == "assistant":
            return
        sampling = Sampling(
            temperature=turn.temperature,
            repeat_penalty=self.repeat_penalty,
            max_tokens=turn.max_output_tokens or Sampling.max_tokens,
            seed=turn.seed,
        )
        started = wrote = False
        for piece in self.model.reply(turn.instructions, history, sampling, stop):
            if not started:  # the model's first piece marks its first answer token
                started = True
                yield ReplyStarted(time.monotonic())
            if len(piece.audio) and turn.speak:
                yield ReplyAudio(piece.audio, self.model.sample_rate, piece.text)
            elif piece.text:  # words apart from audio are deltas of one text: spaced here
                yield ReplyText(" " + piece.text if wrote else piece.text)
            wrote = wrote or bool(piece.text)

    async def warm_up(self) -> None:
        def once() -> None:
            self.model.hear(np.zeros(16_000, np.float32))
            hello = [Message("user", "Hello.")]
            for _ in self.model.reply(self.model.instructions, hello, Sampling(max_tokens=4)):
                pass

        await self._worker.run(once)

    async def close(self) -> None:
        self._worker.shutdown()


def build_direct_engine(config: ServerConfig) -> DirectEngine:
    path = Path(config.direct_model) if config.direct_model else None
    model = DirectModel(path, threads=config.llm_threads, hearing=config.direct_hearing)
    return DirectEngine(model, config.llm_repeat_penalty, config.history_turns)
