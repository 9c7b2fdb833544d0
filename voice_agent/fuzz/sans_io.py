"""Fuzz cases through the gateway's `dispatch` into a real `Session`, with a model-free
engine and VAD and on virtual time: no sockets, no models, thousands of events a second."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import numpy as np

from voice_agent.engines.base import (
    EngineEvent,
    FunctionCall,
    ReplyAudio,
    ReplyStarted,
    Turn,
    UserTranscript,
)
from voice_agent.fuzz.cases import Figures, judge
from voice_agent.fuzz.mutate import Fuzzer
from voice_agent.fuzz.valid import PLAIN_SESSION
from voice_agent.fuzz.values import pcm_b64
from voice_agent.gateway.runtime import dispatch
from voice_agent.models.workers import ModelWorker
from voice_agent.realtime.protocol import SessionConfig, new_id
from voice_agent.turns.clock import VirtualClock, settle
from voice_agent.turns.session import Session, SessionLimits


class LoudnessVAD:
    """Scores a window 1.0 when it is loud: turns from synthetic audio, without a model."""

    def new_state(self) -> None:
        return None

    def __call__(self, window: np.ndarray, state: object) -> float:
        return 1.0 if float(np.sqrt(np.mean(window**2))) > 0.05 else 0.0


class FuzzEngine:
    """Answers like the cascade without models: transcribes speech, then speaks three short
    clauses, or calls a function when the turn must. It checks what any model needs of its
    input: text that is Unicode (a tokenizer encodes it as UTF-8)."""

    name: str = "fuzz"
    transcription_model: str | None = "fuzz-asr"

    def __init__(self) -> None:
        self.turns = 0

    async def respond(self, turn: Turn) -> AsyncIterator[EngineEvent]:
        self.turns += 1
        texts = [turn.instructions] + [item.text or "" for item in turn.history]
        for text in texts:
            text.encode("utf-8")  # raises on a lone surrogate, as a tokenizer would
        for item in turn.history:
            if item.text is None and item.audio is not None:
                yield UserTranscript(item.id, "hello there")
        yield ReplyStarted()
        if turn.tool_choice.forces(turn.tools):
            tool = turn.tool_choice.allowed(turn.tools)[0]
            yield FunctionCall(new_id("call"), tool.name, '{"city": "Paris"}')
            return
        for text in ("First clause.", "Second clause.", "Third.")[: turn.max_output_tokens or 3]:
            yield ReplyAudio(np.full(4_800, 0.1, np.float32), 16_000, text)

    async def warm_up(self) -> None: ...

    async def close(self) -> None: ...


class SansIOFuzz:
    """A real `Session` behind the gateway's `dispatch`, a model-free engine and VAD, and
    virtual time that moves `step_s` per event (so replies play while events arrive)."""

    def __init__(self, seed: int, max_bytes: int = 256 * 1024, step_s: float = 0.02) -> None:
        self.fuzzer = Fuzzer(seed, max_bytes)
        self.max_bytes = max_bytes
        self.step_s = step_s
        self.clock = VirtualClock()
        self.worker = ModelWorker("fuzz-vad")
        self.events: list[dict[str, Any]] = []
        self._answer: list[dict[str, Any]] = []
        self._changed = asyncio.Event()
        self.session = Session(
            engines={"fuzz": FuzzEngine()},
            vad_model=LoudnessVAD(),
            vad_worker=self.worker,
            emit=self._emit,
            config=SessionConfig(engine="fuzz"),
            limits=SessionLimits(),
            clock=self.clock,
            end_of_turn=lambda audio16k: 0.9,
        )

    async def _emit(self, event: dict[str, Any]) -> None:
        json.dumps(event)  # what a transport does with it: must not fail
        self.fuzzer.observe(event)
        if event["type"] == "error":
            self._answer.append(event)
        elif event["type"] == "response.done":
            self.events.append(event)
        self._changed.set()

    async def send(self, raw: str | bytes, hang_s: float = 30.0) -> list[dict[str, Any]]:
        """Dispatch one message and let virtual time move on; the errors in answer."""
        self._answer = []
        await asyncio.wait_for(dispatch(self.session, raw, self.max_bytes), hang_s)  # type: ignore[arg-type]
        await self.clock.advance(self.step_s)
        return self._answer

    async def run(
        self, n: int, progress: Callable[[Figures], None] | None = None, every: int = 10_000
    ) -> Figures:
        figures = Figures()
        await self.session.start()
        started = time.perf_counter()
        for case in self.fuzzer.cases(n):
            pcm16 = self.session.config.input_format.encoding == "pcm16"
            began = time.perf_counter()
            try:
                errors = await self.send(case.raw)
            except TimeoutError:
                figures.hangs += 1
                figures.add_problem(f"hang: {case.describe()}")
                continue
            except Exception as exc:
                figures.crashes += 1
                figures.add_problem(f"crash {exc!r}: {case.describe()}")
                continue
            finally:
                figures.events += 1
                figures.expected[case.expect] += 1
                figures.max_handling_s = max(figures.max_handling_s, time.perf_counter() - began)
            figures.errors_answered += len(errors)
            if (problem := judge(case, errors, pcm16)) is not None:
                figures.add_problem(f"{problem}: {case.describe()}")
            if progress is not None and figures.events % every == 0:
                figures.wall_s = time.perf_counter() - started
                figures.responses_done = len(self.events)
                progress(figures)
        figures.wall_s = time.perf_counter() - started
        figures.responses_done = len(self.events)
        figures.usable_after = await self.check_usable()
        return figures

    async def until(self, done: Callable[[], bool], hang_s: float = 30.0) -> None:
        """Run the session, moving virtual time on, until `done()`."""

        async def run() -> None:
            while not done():
                await settle()
                if done():
                    break
                if (deadline := self.clock.next_deadline) is not None:
                    await self.clock.advance(deadline - self.clock.now())
                else:
                    self._changed.clear()
                    await self._changed.wait()

        await asyncio.wait_for(run(), hang_s)

    async def check_usable(self) -> list[str]:
        """After the fuzz: a plain session update, a text turn and a spoken turn all work."""
        problems = []
        if self.session.response is not None:
            await self.send(json.dumps({"type": "response.cancel"}))
            await self.until(lambda: self.session.response is None)
        reset = {"type": "session.update", "session": PLAIN_SESSION}
        for event in (reset, {"type": "input_audio_buffer.clear"}):
            if errors := await self.send(json.dumps(event)):
                problems.append(f"{event['type']}: {errors}")
        done = len(self.events)
        item = {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "Hi"}],
        }
        for event in (
            {"type": "conversation.item.create", "item": item},
            {"type": "response.create"},
        ):
            if errors := await self.send(json.dumps(event)):
                problems.append(f"{event['type']}: {errors}")
        await self.until(lambda: len(self.events) > done)
        if (status := self.events[done]["response"]["status"]) != "completed":
            problems.append(f"text turn: response {status}")
        done = len(self.events)
        rng = random.Random(0)
        for loud, count in ((True, 50), (False, 60)):
            for _ in range(count):
                audio = pcm_b64(rng, loud=loud)
                if errors := await self.send(
                    json.dumps({"type": "input_audio_buffer.append", "audio": audio})
                ):
                    problems.append(f"append: {errors}")
        await self.until(lambda: len(self.events) > done)
        if (status := self.events[done]["response"]["status"]) != "completed":
            problems.append(f"spoken turn: response {status}")
        return problems

    async def close(self) -> None:
        await self.session.close()
        self.worker.shutdown()


async def fuzz_sans_io(
    n: int, seed: int, progress: Callable[[Figures], None] | None = None, every: int = 10_000
) -> Figures:
    fuzz = SansIOFuzz(seed)
    try:
        return await fuzz.run(n, progress, every)
    finally:
        await fuzz.close()
