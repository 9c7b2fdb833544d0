"""Small async-iterator combinators for the streaming stages."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any, Generic, TypeVar

T = TypeVar("T")
END = object()  # put on a queue after the last item


async def drain(queue: asyncio.Queue[Any]) -> AsyncIterator[Any]:
    """Yield a producer's items from `queue` until END; an exception on it is raised here."""
    while True:
        item = await queue.get()
        if item is END:
            return
        if isinstance(item, BaseException):
            raise item
        yield item


async def prefetch(source: AsyncIterator[T], depth: int) -> AsyncIterator[T]:
    """Pull up to `depth` items ahead of the consumer, so a slow (e.g. paced) consumer
    does not hold up the stage that produces them. Closing this closes `source`."""
    queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=depth)

    async def pump() -> None:
        try:
            async for item in source:
                await queue.put(item)
            await queue.put(END)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            await queue.put(exc)

    task = asyncio.create_task(pump())
    try:
        async for item in drain(queue):
            yield item
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await close_iterator(source)


async def close_iterator(source: AsyncIterator[Any]) -> None:
    """Close an async iterator that can be closed (async generators can): it stops its work."""
    aclose = getattr(source, "aclose", None)
    if aclose is not None:
        await aclose()


class Started(Generic[T]):
    """An async iterator whose work starts now, before anyone iterates it: the first
    item is already being fetched. `aclose` stops the work wherever it is."""

    def __init__(self, source: AsyncIterator[T]) -> None:
        self._source = source
        self._first: asyncio.Future[Any] | None = asyncio.ensure_future(anext(source, END))

    def __aiter__(self) -> Started[T]:
        return self

    async def __anext__(self) -> T:
        if self._first is not None:
            first, self._first = self._first, None
            item = await first
            if item is END:
                raise StopAsyncIteration
            return item
        return await anext(self._source)

    async def aclose(self) -> None:
        if self._first is not None:
            first, self._first = self._first, None
            first.cancel()
            with contextlib.suppress(BaseException):
                await first  # the generator must be idle before it can be closed
        await close_iterator(self._source)
