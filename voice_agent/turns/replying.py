"""The response lifecycle: one reply at a time, from `response.created` through the
engine's events to `response.done`, and the one path that stops it early.

Stopping is an event, not an exception: `stop` silences the reply at once (no more of
its audio goes out, the transport's queue is dropped, its history keeps what was heard)
and cancels the task that streams it; the task that started it then announces it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from voice_agent.engines.base import (
    EngineError,
    EngineEvent,
    FunctionCall,
    ReplyAudio,
    ReplyStarted,
    ReplyText,
    UserTranscript,
    UserTranscriptFailed,
)
from voice_agent.realtime import server_events
from voice_agent.realtime.protocol import AudioFormat, error_event
from voice_agent.realtime.server_events import PartKind
from voice_agent.streams import close_iterator
from voice_agent.turns.clock import Clock
from voice_agent.turns.conversation import Conversation, Item
from voice_agent.turns.output import Emit, ReplyOutput
from voice_agent.turns.response import Response, StopReason

log = logging.getLogger(__name__)


class ReplyRunner:
    def __init__(
        self, conversation: Conversation, output: ReplyOutput, emit: Emit, clock: Clock
    ) -> None:
        self.conversation = conversation
        self.current: Response | None = None
        self._output = output
        self._emit = emit
        self._clock = clock
        self._playing_out: Response | None = None  # last completed reply, with a sink
        # What follows a completed response (the session runs its own functions there).
        self.after: Callable[[Response], Awaitable[None]] | None = None

    async def start(
        self, response: Response, events: AsyncIterator[EngineEvent], out: AudioFormat
    ) -> None:
        """Announce the response and stream `events` into it in the background."""
        self.current = response
        response.metrics.response_created_at = self._clock.now()
        await self._emit(server_events.response_created(response.to_wire("in_progress")))
        response.streaming = asyncio.create_task(self._stream(response, events, out))
        response.finished = asyncio.create_task(self._run(response))

    def stop(self, reason: str) -> Response | None:
        """Synchronously stop the current reply; it, if there was one to stop."""
        response = self.current
        if response is None or not response.interrupt(reason):
            return None
        # The history keeps what was heard, not what was queued ahead of it.
        response.sent_ms = self._output.heard_ms(response)
        self._output.silence()
        return response

    async def interrupt(self, reason: str) -> None:
        """Stop the current reply and wait for its `response.done`."""
        if (response := self.stop(reason)) is not None:
            await self.finished(response)

    @staticmethod
    async def finished(response: Response) -> None:
        if response.finished is not None:
            await asyncio.wait([response.finished])

    async def _run(self, response: Response) -> None:
        assert response.streaming is not None
        await asyncio.wait([response.streaming])  # an interruption cancels only that task
        status, reason = "completed", None
        details: dict[str, str] | None = None
        streaming = response.streaming
        if streaming.cancelled():
            status, reason = "cancelled", response.stop_reason or "client_cancelled"
        elif (exc := streaming.exception()) is not None:
            status, details = "failed", await self._report(response, exc)
        try:
            self._output.end(response.id)
            if reason != "client_disconnected":
                await self._finish(response, status, details or reason)
        finally:
            if self.current is response:
                self.current = None
        if status == "completed" and self.after is not None:
            await self.after(response)

    async def _report(self, response: Response, exc: BaseException) -> dict[str, str]:
        if isinstance(exc, EngineError):
            code, message = exc.code, str(exc)
        else:
            log.error("response %s failed", response.id, exc_info=exc)
            code, message = "engine_error", f"the reply failed: {exc}"
        await self._emit(error_event(code, message, kind="server_error"))
        return {"code": code, "message": message}

    async def _stream(
        self, response: Response, events: AsyncIterator[EngineEvent], out: AudioFormat
    ) -> None:
        try:
            async for event in events:
                await self._apply(response, event, out)
        finally:
            await close_iterator(events)  # stops the engine's work wherever it is

    async def _apply(self, response: Response, event: EngineEvent, out: AudioFormat) -> None:
        if isinstance(event, UserTranscript):
            await self._transcribed(response, event)
        elif isinstance(event, UserTranscriptFailed):
            if (item := self.conversation.get(event.item_id)) is not None:
                item.transcribed("")
            await self._emit(server_events.transcription_failed(event.item_id, event.message))
        elif isinstance(event, ReplyStarted):
            response.metrics.first_token_at = event.at
        elif isinstance(event, ReplyText):
            await self._write(response, event.delta)
        elif isinstance(event, ReplyAudio):
            if not response.spoken:  # a text-only reply: the words, not the sound
                if event.text:  # each piece's text is whole words, without the space between
                    spaced = " " + event.text if response.item.unspoken else event.text
                    await self._write(response, spaced)
                return
            await self._open(response)
            await self._speak(response, event, out)
        elif isinstance(event, FunctionCall):
            await self._call(response, event)

    async def _write(self, response: Response, delta: str) -> None:
        """Reply text: the transcript of audio to come, or a text-only reply's text."""
        await self._open(response)
        item = response.item
        item.unspoken += delta
        build = server_events.transcript_delta if response.spoken else server_events.text_delta
        await self._emit(build(response.id, item.id, delta, response.index(item)))

    async def _call(self, response: Response, call: FunctionCall) -> None:
        """A function call: its own output item, done at once (its arguments come whole)."""
        item = Item("assistant", None, status="in_progress", call=call)
        index = await self._add_output(response, item)  # arguments "" until they are done
        ids = (response.id, item.id, call.call_id)
        await self._emit(server_events.arguments_delta(*ids, call.arguments, index))
        await self._emit(server_events.arguments_done(*ids, call.name, call.arguments, index))
        item.status = "completed"
        await self._emit(server_events.output_item_done(response.id, item.to_wire(), index))

    async def _transcribed(self, response: Response, event: UserTranscript) -> None:
        item = self.conversation.get(event.item_id)
        if item is None:
            return  # deleted meanwhile
        item.transcribed(event.text)
        if event.item_id == response.answers:
            response.metrics.transcript_final_at = event.at
        await self._emit(server_events.transcription_delta(item.id, event.text))
        await self._emit(server_events.transcription_completed(item.id, event.text))

    async def _open(self, response: Response) -> None:
        """Put the reply's item in the conversation, when it has something to say."""
        if response.opened:
            return
        response.opened = True
        item = response.item
        index = await self._add_output(response, item)
        kind: PartKind = "audio" if response.spoken else "text"
        await self._emit(server_events.content_part_added(response.id, item.id, index, kind))

    async def _add_output(self, response: Response, item: Item) -> int:
        """Announce a new output item of `response` (and put it in the conversation, unless
        the response is out of band); its output index."""
        response.output.append(item)
        index = response.index(item)
        await self._emit(server_events.output_item_added(response.id, item.to_wire(), index))
        if response.in_conversation:
            previous = self.conversation.add(item)
            await self._emit(server_events.item_created(item.to_wire(), previous))
        return index

    async def _speak(self, response: Response, piece: ReplyAudio, out: AudioFormat) -> None:
        item = response.item
        start_ms = response.sent_ms
        duration_ms = len(piece.audio) * 1000 / piece.sample_rate
        if piece.text:
            delta = piece.text if not item.spoken_text() else " " + piece.text
            await self._emit(
                server_events.transcript_delta(response.id, item.id, delta, response.index(item))
            )
        item.add_audio(piece.text or "", start_ms, start_ms + duration_ms)
        await self._output.send(response, piece.audio, piece.sample_rate, out)

    async def cut_playing_tail(self) -> str | None:
        """Silence the transport's queue. A reply that finished generating may still be
        playing from it: its history item then keeps only what was played."""
        sink, reply = self._output.sink, self._playing_out
        if sink is None:
            return None
        played = sink.played_ms(reply.id) if reply is not None else 0.0
        cut = sink.flush()
        if reply is not None and cut == reply.id and played < reply.sent_ms:
            self._playing_out = None
            reply.item.cut(played)
            reply.item.status = "incomplete"
            await self._emit(server_events.item_truncated(reply.item.id, int(played)))
        return cut

    async def _finish(self, response: Response, status: str, reason: StopReason) -> None:
        item = response.item
        if response.opened:
            if not response.spoken:  # a text reply holds all it wrote, even if cut short
                item.text = item.spoken_text()
                item.status = "completed" if status == "completed" else "incomplete"
            elif status == "completed":
                item.text = item.spoken_text()
                item.status = "completed"
                if response.in_conversation:  # its tail may still be playing from the sink
                    self._playing_out = response
            else:  # cancelled or failed: keep what was sent
                item.cut(response.sent_ms)
                item.status = "incomplete"
            await self._close_item(response)
        await self._emit(server_events.response_done(response.to_wire(status, reason)))
        await self._emit(response.metrics.to_event(response.id, item.id))

    async def _close_item(self, response: Response) -> None:
        item, ids = response.item, (response.id, response.item.id)
        if response.in_conversation and self.conversation.get(item.id) is None:
            response.opened = False  # deleted by the client meanwhile
            response.output.remove(item)
            return
        text, index = item.text or "", response.index(item)
        if response.spoken:
            await self._emit(server_events.audio_done(*ids, index))
            await self._emit(server_events.transcript_done(*ids, text, index))
            await self._emit(server_events.content_part_done(*ids, text, index))
        else:
            await self._emit(server_events.text_done(*ids, text, index))
            await self._emit(server_events.content_part_done(*ids, text, index, "text"))
        await self._emit(server_events.output_item_done(response.id, item.to_wire(), index))
        if not item.segments and not text:
            self.conversation.remove(item.id)  # nothing was heard: keep no empty turn
            response.opened = False
            if item is response.output[-1]:  # a call after it keeps its output_index
                response.output.remove(item)
