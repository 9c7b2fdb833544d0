"""Fuzz cases over a WebSocket to a running server, judged by the errors that come back."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import aiohttp

from voice_agent.fuzz.cases import Case, Figures, judge
from voice_agent.fuzz.mutate import Fuzzer
from voice_agent.fuzz.valid import PLAIN_SESSION


class LiveFuzz:
    """Cases sent over a WebSocket to a running server, in batches, each closed by a
    sentinel event whose own error says the server has handled the whole batch (a session
    handles its events in order). Errors are matched to cases by event id; those of
    messages the parser refused carry none, so they are counted."""

    def __init__(self, url: str, seed: int, max_bytes: int, engines: tuple[str, ...] = ()):
        self.url = url
        self.fuzzer = Fuzzer(seed, max_bytes, engines, binary=True)
        self.events: list[dict[str, Any]] = []
        self.by_id: dict[str, list[dict[str, Any]]] = {}
        self.unnamed: list[dict[str, Any]] = []  # errors without an event id
        self.server_errors: list[dict[str, Any]] = []
        self._changed = asyncio.Event()
        self.closed = False
        self.hang_s = 600.0  # how long any one wait may take before it counts as a hang

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for message in ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            event = json.loads(message.data)
            self.fuzzer.observe(event)
            self.events.append(event)
            if event["type"] == "error":
                error = event["error"]
                if error.get("type") != "invalid_request_error":
                    self.server_errors.append(event)
                elif error.get("event_id") is None:
                    self.unnamed.append(event)
                else:
                    self.by_id.setdefault(error["event_id"], []).append(event)
            self._changed.set()
        self.closed = True
        self._changed.set()

    async def wait(self, done: Callable[[], bool], timeout: float) -> None:
        async def run() -> None:
            while not done() and not self.closed:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(run(), timeout)

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["type"] == kind]

    async def run(
        self,
        n: int,
        batch: int = 50,
        progress: Callable[[Figures], None] | None = None,
        every: int = 1_000,
        hang_s: float = 600.0,  # a guard against hangs, generous for a loaded machine
    ) -> Figures:
        self.hang_s = hang_s
        figures = Figures()
        async with aiohttp.ClientSession() as http:
            ws = await http.ws_connect(self.url, max_msg_size=0)
            reader = asyncio.create_task(self._read(ws))
            try:
                await self.wait(lambda: bool(self.of_type("session.created")), hang_s)
                started = time.perf_counter()
                for first in range(0, n, batch):
                    cases = list(self.fuzzer.cases(min(batch, n - first)))
                    began = time.perf_counter()
                    if not await self._batch(ws, cases, figures, first, hang_s):
                        break
                    figures.max_handling_s = max(
                        figures.max_handling_s, (time.perf_counter() - began) / len(cases)
                    )
                    if progress is not None and figures.events % every < batch:
                        figures.wall_s = time.perf_counter() - started
                        figures.responses_done = len(self.of_type("response.done"))
                        progress(figures)
                figures.wall_s = time.perf_counter() - started
                figures.responses_done = len(self.of_type("response.done"))
                for event in self.server_errors:
                    figures.add_problem(f"server error {event['error']}")
                if not self.closed:
                    figures.usable_after = await self.check_usable(ws)
                else:
                    figures.usable_after = ["the socket closed"]
            finally:
                await ws.close()
                await reader
        return figures

    async def _batch(
        self,
        ws: aiohttp.ClientWebSocketResponse,
        cases: list[Case],
        figures: Figures,
        first: int,
        hang_s: float,
    ) -> bool:
        unnamed = len(self.unnamed)
        for case in cases:
            if isinstance(case.raw, bytes):
                await ws.send_bytes(case.raw)
            else:
                await ws.send_str(case.raw)
        sentinel = f"sentinel_{first}"
        probe = {"type": "conversation.item.retrieve", "item_id": sentinel, "event_id": sentinel}
        await ws.send_str(json.dumps(probe))
        try:
            await self.wait(lambda: sentinel in self.by_id, hang_s)
        except TimeoutError:
            figures.hangs += 1
            figures.add_problem(f"no answer in {hang_s:.0f} s to the batch from #{first}")
            return False
        if self.closed:
            figures.crashes += 1
            figures.add_problem(f"the socket closed in the batch from #{first}")
            return False
        rejected = 0
        for case in cases:
            figures.events += 1
            figures.expected[case.expect] += 1
            errors = self.by_id.pop(case.event_id, []) if case.event_id else []
            figures.errors_answered += len(errors)
            if case.expect == "reject":
                rejected += 1
                if errors:
                    figures.add_problem(f"refused, yet answered by id: {case.describe()}")
            elif (problem := judge(case, errors, None)) is not None:
                figures.add_problem(f"{problem}: {case.describe()}")
        answered = len(self.unnamed) - unnamed
        figures.errors_answered += answered
        if answered != rejected:
            figures.add_problem(
                f"{rejected} refused messages got {answered} errors without an event id "
                f"in the batch from #{first}"
            )
        return True

    async def check_usable(self, ws: aiohttp.ClientWebSocketResponse) -> list[str]:
        """After the fuzz: a plain session answers a text turn with speech."""
        problems = []
        await ws.send_str(json.dumps({"type": "response.cancel", "event_id": "final_cancel"}))
        await self.wait(lambda: "final_cancel" in self.by_id or not self._active(), self.hang_s)
        await self.wait(lambda: not self._active(), self.hang_s)
        reset = {"type": "session.update", "event_id": "final_reset", "session": PLAIN_SESSION}
        updated = len(self.of_type("session.updated"))
        await ws.send_str(json.dumps(reset))
        await self.wait(lambda: len(self.of_type("session.updated")) > updated, self.hang_s)
        if errors := self.by_id.get("final_reset"):
            problems.append(f"session.update: {errors}")
        done = len(self.of_type("response.done"))
        item = {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "Say hello."}],
        }
        await ws.send_str(json.dumps({"type": "conversation.item.create", "item": item}))
        await ws.send_str(json.dumps({"type": "response.create", "event_id": "final_reply"}))
        await self.wait(lambda: len(self.of_type("response.done")) > done, self.hang_s)
        if errors := self.by_id.get("final_reply"):
            problems.append(f"response.create: {errors}")
        if self.closed:
            return [*problems, "the socket closed"]
        response = self.of_type("response.done")[done]["response"]
        if response["status"] != "completed":
            problems.append(f"text turn: response {response['status']}")
        deltas = [
            e
            for e in self.of_type("response.output_audio.delta")
            if e.get("response_id") == response["id"]
        ]
        if not deltas:
            problems.append("text turn: no audio")
        return problems

    def _active(self) -> bool:
        return len(self.of_type("response.created")) > len(self.of_type("response.done"))


async def fuzz_live(
    url: str,
    n: int,
    seed: int,
    max_bytes: int,
    progress: Callable[[Figures], None] | None = None,
    every: int = 1_000,
) -> Figures:
    return await LiveFuzz(url, seed, max_bytes).run(n, progress=progress, every=every)
