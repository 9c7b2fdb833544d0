"""Model worker threads: blocking model calls run here, never on the event loop.

Each model gets its own single-thread executor, so a model object (not thread-safe in
llama.cpp's case) is only ever touched by one thread, while different models work in
parallel (the LLM writes the next clause while the TTS speaks the previous one).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from voice_agent.streams import END, drain

T = TypeVar("T")


class ModelWorker:
    def __init__(self, name: str, threads: int = 1) -> None:
        self.name = name
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=name)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def stream(self, make_iter: Callable[[threading.Event], Iterator[T]]) -> AsyncIterator[T]:
        """Run a blocking iterator in the worker and yield its items as they come.

        `make_iter` receives a stop event; it should check it between items. Closing or
        cancelling the async iterator sets the event, so the worker stops at the next item
        instead of finishing work nobody will hear.
        """
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        stop = threading.Event()

        def produce() -> None:
            try:
                for item in make_iter(stop):
                    if stop.is_set():
                        break
                    loop.call_soon_threadsafe(queue.put_nowait, item)
                loop.call_soon_threadsafe(queue.put_nowait, END)
            except BaseException as exc:  # handed to the consumer, not lost in the thread
                loop.call_soon_threadsafe(queue.put_nowait, exc)

        future = loop.run_in_executor(self._executor, produce)
        try:
            async for item in drain(queue):
                yield item
        finally:
            stop.set()
            # Do not wait for the thread: it notices `stop` at its next item.
            future.add_done_callback(lambda f: f.exception() if not f.cancelled() else None)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
