"""One conversation: client events in, server events out, turns and barge-in in between.

The session knows nothing about sockets: a transport feeds it parsed client events and
gives it an `emit` coroutine. Audio is resampled to 16 kHz for the VAD and ASR; replies
are resampled to the session's output format and paced to stay at most `output_lead_ms`
ahead of real time, so a barge-in can still withhold what the client has not received.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np

from voice_agent import audio
from voice_agent.engines.base import (
    Engine,
    EngineError,
    Message,
    ReplyAudio,
    ReplyEvent,
    ReplyRequest,
    ReplyTextStarted,
)
from voice_agent.engines.early import EarlyStart, Transcript
from voice_agent.models.vad import SpeechEdge, SpeechProbability
from voice_agent.models.workers import ModelWorker
from voice_agent.realtime.protocol import (
    ProtocolError,
    SessionConfig,
    apply_session_update,
    b64,
    decode_audio_field,
    error_event,
    new_id,
    parse_message_item,
)
from voice_agent.streams import Started
from voice_agent.text import has_words
from voice_agent.turns.conversation import Conversation, Item, Segment
from voice_agent.turns.input_audio import InputAudio, ms_to_samples, samples_to_ms
from voice_agent.turns.response import Response, ResponseInterrupted

log = logging.getLogger(__name__)

Emit = Callable[[dict[str, Any]], Awaitable[None]]


class AudioSink(Protocol):
    """Where reply audio goes when the transport plays it itself (WebRTC) instead of
    receiving `response.output_audio.delta` events."""

    rate: int

    def write(self, response_id: str, samples: np.ndarray) -> None:
        """Queue float32 mono samples at `rate` for playback."""

    def played_ms(self, response_id: str) -> float:
        """How much of this reply has gone out so far (0 if none is or it is over)."""

    def flush(self) -> str | None:
        """Drop all queued audio now; the id of the reply that was cut, if any."""

    def end(self, response_id: str) -> None:
        """No more audio will come for this reply."""


@dataclass(frozen=True)
class SessionLimits:
    max_buffer_s: float = 120.0  # longest user turn kept; more is an error, not an OOM
    output_lead_ms: int = 500  # how far reply audio may run ahead of real time
    output_chunk_ms: int = 100  # size of one response.output_audio.delta
    # Start transcribing after this much silence, before the turn is known to be over;
    # 0 turns it off. Whisper's ~0.35 s then overlaps the rest of `silence_duration_ms`.
    early_transcript_ms: int = 200
    early_reply: bool = True  # at that pause, also start the reply (LLM + TTS) into a buffer


class Session:
    def __init__(
        self,
        *,
        engines: dict[str, Engine],
        vad_model: SpeechProbability,
        vad_worker: ModelWorker,
        emit: Emit,
        config: SessionConfig | None = None,
        limits: SessionLimits | None = None,
        beta_shapes: bool = False,
        audio_sink: AudioSink | None = None,
    ) -> None:
        self.engines = engines
        self.config = config or SessionConfig(engine=next(iter(engines)))
        self.limits = limits or SessionLimits()
        self.beta_shapes = beta_shapes  # the client speaks the beta protocol: flat session objects
        self.conversation = Conversation()
        self._emit = emit
        self._audio_sink = audio_sink
        self._playing_out: Response | None = None  # last completed reply, with a sink
        self._vad_worker = vad_worker
        self._input = InputAudio(vad_model, self.config.input_format.rate)
        self._apply_vad_settings()
        self._speech_item_id: str | None = None
        self._speech_stopped_at: float | None = None
        self._early: EarlyStart | None = None
        self.response: Response | None = None
        self._closed = False

    # ---- entry points for the transport ---------------------------------------------

    async def start(self) -> None:
        await self._emit(self._session_event("session.created"))

    async def handle(self, event: dict[str, Any]) -> None:
        """Act on one parsed client event; protocol errors become `error` events."""
        handler = getattr(self, "_on_" + event["type"].replace(".", "_"))
        try:
            await handler(event)
        except ProtocolError as exc:
            await self.error(exc.code, exc.message, event.get("event_id"), exc.param)
        except audio.AudioFormatError as exc:
            await self.error("invalid_audio", str(exc), event.get("event_id"), "audio")

    async def error(
        self,
        code: str,
        message: str,
        event_id: str | None = None,
        param: str | None = None,
        kind: str = "invalid_request_error",
    ) -> None:
        await self._emit(error_event(code, message, event_id=event_id, param=param, kind=kind))

    async def close(self) -> None:
        """Free everything this session holds (the client is gone)."""
        self._closed = True
        await self._discard_early()
        await self._cancel_response("client_disconnected", announce=False)
        for item in self.conversation.items:
            if item.transcription and not item.transcription.done():
                item.transcription.cancel()
        self._input.clear()

    # ---- session configuration -------------------------------------------------------

    async def _on_session_update(self, event: dict[str, Any]) -> None:
        old = self.config
        new = apply_session_update(old, event.get("session"), tuple(self.engines))
        self.config = replace(new, id=old.id)
        self._input.set_input_rate(new.input_format.rate)
        self._apply_vad_settings()
        await self._emit(self._session_event("session.updated"))

    def _session_event(self, kind: str) -> dict[str, Any]:
        shape = self.config.to_beta() if self.beta_shapes else self.config.to_ga()
        return {"type": kind, "session": shape}

    def _apply_vad_settings(self) -> None:
        turn = self.config.turn_detection
        self._input.detector.pause_ms = self.limits.early_transcript_ms
        if turn is not None:
            self._input.detector.threshold = turn.threshold
            self._input.detector.silence_duration_ms = turn.silence_duration_ms

    # ---- input audio and turns -------------------------------------------------------

    async def _on_input_audio_buffer_append(self, event: dict[str, Any]) -> None:
        samples = audio.decode(decode_audio_field(event), self.config.input_format.encoding)
        await self.append_audio(self._input.resample(samples))

    async def append_audio(self, audio16k: np.ndarray) -> None:
        """Add 16 kHz user audio to the turn and run the VAD on it (the transports' way in)."""
        if self._closed:
            return  # frames still in flight after the caller left start no work
        if self._input.seconds + len(audio16k) / audio.MODEL_RATE > self.limits.max_buffer_s:
            raise ProtocolError(
                "input_audio_buffer_full",
                f"the input audio buffer holds at most {self.limits.max_buffer_s:.0f} s; "
                "commit or clear it",
            )
        self._input.add(audio16k)
        turn = self.config.turn_detection
        if turn is None:
            return
        edges = await self._vad_worker.run(self._input.detect, audio16k)
        for edge in edges:
            await self._on_speech_edge(edge)
        if not self._input.detector.speaking:
            self._input.keep_from(self._input.received - ms_to_samples(turn.prefix_padding_ms))

    async def _on_speech_edge(self, edge: SpeechEdge) -> None:
        turn = self.config.turn_detection
        assert turn is not None
        if edge.kind == "started":
            self._input.keep_from(edge.sample - ms_to_samples(turn.prefix_padding_ms))
            self._speech_item_id = new_id("item")
            if turn.interrupt_response:
                self._stop_response_output("turn_detected")
                await self._cut_playing_tail()
            await self._emit(
                {
                    "type": "input_audio_buffer.speech_started",
                    "audio_start_ms": samples_to_ms(edge.sample),
                    "item_id": self._speech_item_id,
                }
            )
            await self._cancel_response("turn_detected")
        elif edge.kind == "paused":
            await self._start_early(edge.sample, turn.create_response)
        elif edge.kind == "resumed":
            await self._discard_early()
        else:
            self._speech_stopped_at = time.monotonic()
            item_id = self._speech_item_id or new_id("item")
            await self._emit(
                {
                    "type": "input_audio_buffer.speech_stopped",
                    "audio_end_ms": samples_to_ms(edge.sample),
                    "item_id": item_id,
                }
            )
            early = self._early if self._early and self._early.sample == edge.sample else None
            if early is None:
                await self._discard_early()  # the user spoke again since that pause
            self._early = None
            await self._commit(item_id, early.transcript if early else None)
            if turn.create_response:
                await self._start_response(early=early)
            elif early is not None:
                await early.close_reply()

    async def _on_input_audio_buffer_commit(self, event: dict[str, Any]) -> None:
        if self._input.seconds < 0.1:
            raise ProtocolError(
                "input_audio_buffer_commit_empty",
                "the input audio buffer holds less than 100 ms of audio; nothing to commit",
            )
        self._speech_stopped_at = time.monotonic()
        await self._discard_early()  # it guessed at a turn the client has now ended itself
        self._input.flush_resampler()
        await self._commit(self._speech_item_id or new_id("item"))

    async def _on_input_audio_buffer_clear(self, event: dict[str, Any]) -> None:
        self._input.clear()
        self._input.detector.reset()
        await self._discard_early()
        self._speech_item_id = None
        await self._emit({"type": "input_audio_buffer.cleared"})

    async def _start_early(self, sample: int, reply_too: bool) -> None:
        """The user paused: transcribe (and answer) now, in case the turn is over."""
        await self._discard_early()
        transcript = asyncio.create_task(self._timed_transcribe(self._input.snapshot()))
        early = EarlyStart(sample, transcript, prior=self.conversation.messages())
        if reply_too and self.limits.early_reply and self.response is None:
            early.reply = Started(self._early_reply(early))
        self._early = early

    async def _early_reply(self, early: EarlyStart) -> AsyncGenerator[ReplyEvent, None]:
        transcript = await asyncio.shield(early.transcript)  # the turn may still need it
        if not has_words(transcript.text):
            return
        reply = self._new_reply(early.history(transcript))
        async with contextlib.aclosing(reply):
            async for piece in reply:
                yield piece

    async def _discard_early(self) -> None:
        if self._early is not None:
            early, self._early = self._early, None
            await early.discard()

    async def _timed_transcribe(self, utterance: np.ndarray) -> Transcript:
        text = await self.engines[self.config.engine].transcribe(utterance)
        return Transcript(text)

    async def _commit(self, item_id: str, early: asyncio.Task[Transcript] | None = None) -> None:
        utterance = self._input.take()
        self._speech_item_id = None
        item = Item("user", id=item_id, from_audio=True)
        item.transcription = asyncio.create_task(self._transcribe(item, utterance, early))
        previous = self.conversation.add(item)
        await self._emit(
            {
                "type": "input_audio_buffer.committed",
                "previous_item_id": previous,
                "item_id": item.id,
            }
        )
        await self._emit_item_created(item, previous)

    async def _transcribe(
        self, item: Item, utterance: np.ndarray, early: asyncio.Task[Transcript] | None
    ) -> str:
        try:
            transcript = await (early or self._timed_transcribe(utterance))
            item.text, item.transcribed_at = transcript.text, transcript.at
        except Exception as exc:
            log.exception("transcription failed")
            await self._emit(
                {
                    "type": "conversation.item.input_audio_transcription.failed",
                    "item_id": item.id,
                    "content_index": 0,
                    "error": {"type": "server_error", "code": "asr_failed", "message": str(exc)},
                }
            )
            return ""
        base = {"item_id": item.id, "content_index": 0}
        await self._emit(
            {
                "type": "conversation.item.input_audio_transcription.delta",
                **base,
                "delta": item.text,
            }
        )
        await self._emit(
            {
                "type": "conversation.item.input_audio_transcription.completed",
                **base,
                "transcript": item.text,
            }
        )
        return item.text

    # ---- conversation items ----------------------------------------------------------

    async def _emit_item_created(self, item: Item, previous: str | None) -> None:
        await self._emit(
            {
                "type": "conversation.item.created",
                "previous_item_id": previous,
                "item": item.to_wire(),
            }
        )

    async def _on_conversation_item_create(self, event: dict[str, Any]) -> None:
        role, text, requested_id = parse_message_item(event.get("item"))
        item = Item(role, text)
        if requested_id and not self.conversation.get(requested_id):
            item.id = requested_id
        previous = self.conversation.add(item)
        await self._emit_item_created(item, previous)

    async def _on_conversation_item_delete(self, event: dict[str, Any]) -> None:
        item_id = event.get("item_id")
        if not self.conversation.remove(item_id):
            raise ProtocolError("item_not_found", f"no item with id {item_id!r}", "item_id")
        await self._emit({"type": "conversation.item.deleted", "item_id": item_id})

    async def _on_conversation_item_retrieve(self, event: dict[str, Any]) -> None:
        item = self.conversation.get(event.get("item_id"))
        if item is None:
            raise ProtocolError(
                "item_not_found", f"no item with id {event.get('item_id')!r}", "item_id"
            )
        await self._emit({"type": "conversation.item.retrieved", "item": item.to_wire()})

    async def _on_conversation_item_truncate(self, event: dict[str, Any]) -> None:
        item = self.conversation.get(event.get("item_id"))
        if item is None or item.role != "assistant":
            raise ProtocolError(
                "item_not_found", f"no assistant item with id {event.get('item_id')!r}", "item_id"
            )
        end_ms = event.get("audio_end_ms")
        if not isinstance(end_ms, int) or isinstance(end_ms, bool) or end_ms < 0:
            raise ProtocolError(
                "invalid_value", "'audio_end_ms' must be a non-negative integer", "audio_end_ms"
            )
        if self.response is not None and self.response.item is item:
            self._stop_response_output("client_cancelled")
            await self._cancel_response("client_cancelled")
        if end_ms > item.audio_ms + 1:
            raise ProtocolError(
                "invalid_value",
                f"audio_end_ms {end_ms} is past the item's audio ({item.audio_ms:.0f} ms)",
                "audio_end_ms",
            )
        item.cut(end_ms)
        await self._emit(
            {
                "type": "conversation.item.truncated",
                "item_id": item.id,
                "content_index": event.get("content_index", 0),
                "audio_end_ms": end_ms,
            }
        )

    async def _on_output_audio_buffer_clear(self, event: dict[str, Any]) -> None:
        if self._audio_sink is None:
            raise ProtocolError(
                "invalid_request",
                "output_audio_buffer.clear is for WebRTC calls; over a WebSocket, stop "
                "playback in the client and send conversation.item.truncate",
            )
        cut = self.response.id if self.response is not None else None
        await self._cancel_response("client_cancelled")
        cut = await self._cut_playing_tail() or cut
        if cut is None:  # nothing was playing: still acknowledge the request
            await self._emit({"type": "output_audio_buffer.cleared", "response_id": None})

    async def _cut_playing_tail(self) -> str | None:
        """Silence the transport's queue. A reply that finished generating may still be
        playing from it: its history item then keeps only what was played."""
        sink, reply = self._audio_sink, self._playing_out
        if sink is None:
            return None
        played = sink.played_ms(reply.id) if reply is not None else 0.0
        cut = sink.flush()
        if reply is not None and cut == reply.id and played < reply.sent_ms:
            self._playing_out = None
            reply.item.cut(played)
            reply.item.status = "incomplete"
            await self._emit(
                {
                    "type": "conversation.item.truncated",
                    "item_id": reply.item.id,
                    "content_index": 0,
                    "audio_end_ms": int(played),
                }
            )
        return cut

    # ---- responses -------------------------------------------------------------------

    async def _on_response_create(self, event: dict[str, Any]) -> None:
        if self.response is not None:
            raise ProtocolError(
                "conversation_already_has_active_response",
                f"response {self.response.id} is still in progress; cancel it first",
            )
        options = event.get("response") or {}
        if not isinstance(options, dict):
            raise ProtocolError("invalid_value", "'response' must be an object", "response")
        instructions = options.get("instructions")
        if instructions is not None and not isinstance(instructions, str):
            raise ProtocolError(
                "invalid_value", "'response.instructions' must be a string", "response.instructions"
            )
        await self._start_response(instructions)

    async def _on_response_cancel(self, event: dict[str, Any]) -> None:
        if self.response is None:
            raise ProtocolError("response_cancel_not_active", "there is no response in progress")
        self._stop_response_output("client_cancelled")
        await self._cancel_response("client_cancelled")

    async def _start_response(
        self, instructions: str | None = None, early: EarlyStart | None = None
    ) -> None:
        if self.response is not None or self._closed:
            if early is not None:
                await early.close_reply()
            return
        response = Response(instructions=instructions, early=early)
        response.metrics.speech_stopped_at = self._speech_stopped_at
        self._speech_stopped_at = None
        self.response = response
        response.task = asyncio.create_task(self._run_response(response))

    def _stop_response_output(self, reason: str) -> None:
        """Synchronously silence the response: from here on none of its audio is sent."""
        response = self.response
        if response is not None and response.cancel_reason is None:
            response.cancel_reason = reason
            if self._audio_sink is not None:
                # The history keeps what was played, not what was queued ahead of it.
                response.sent_ms = min(response.sent_ms, self._audio_sink.played_ms(response.id))
                self._audio_sink.flush()

    async def _cancel_response(self, reason: str, announce: bool = True) -> None:
        response = self.response
        if response is None or response.task is None:
            return
        self._stop_response_output(reason)
        if not announce:
            response.cancel_reason = "client_disconnected"
        if not response.finishing:
            response.task.cancel()
        await asyncio.wait([response.task])

    async def _run_response(self, response: Response) -> None:
        status, reason = "completed", None
        metrics = response.metrics
        metrics.response_created_at = time.monotonic()
        try:
            await self._emit(
                {"type": "response.created", "response": response.to_wire("in_progress")}
            )
            await self.conversation.settled()
            if metrics.speech_stopped_at is not None:
                metrics.transcript_final_at = self.conversation.last_transcribed_at()
            history = self.conversation.messages()
            if not history or history[-1].role == "assistant":
                return  # nothing was said to answer (e.g. a cough that passed the VAD)
            await self._open_reply_item(response)
            early_reply = response.early.reply_for(history) if response.early else None
            metrics.early_transcript = response.early is not None
            metrics.early_reply = early_reply is not None
            await self._stream_reply(
                response, early_reply or self._new_reply(history, response.instructions)
            )
        except (asyncio.CancelledError, ResponseInterrupted):
            status, reason = "cancelled", response.cancel_reason or "client_cancelled"
        except EngineError as exc:
            status, reason = "failed", {"code": exc.code, "message": str(exc)}
            await self.error(exc.code, str(exc), kind="server_error")
        except Exception as exc:
            log.exception("response %s failed", response.id)
            status, reason = "failed", {"code": "engine_error", "message": str(exc)}
            await self.error("engine_error", f"the reply failed: {exc}", kind="server_error")
        finally:
            response.finishing = True
            if response.early is not None:
                await response.early.close_reply()  # unused: it answered another history
            try:
                if reason != "client_disconnected":
                    await self._finish_response(response, status, reason)
            finally:
                if self.response is response:
                    self.response = None

    async def _open_reply_item(self, response: Response) -> None:
        previous = self.conversation.add(response.item)
        await self._emit(
            {
                "type": "response.output_item.added",
                "response_id": response.id,
                "output_index": 0,
                "item": response.item.to_wire(),
            }
        )
        await self._emit_item_created(response.item, previous)
        await self._emit(
            {
                **self._part_ids(response),
                "type": "response.content_part.added",
                "part": {"type": "audio", "transcript": ""},
            }
        )

    def _new_reply(self, history: tuple[Message, ...], instructions: str | None = None) -> Any:
        """The engine's reply to `history`, with this session's settings."""
        request = ReplyRequest(
            instructions=instructions or self.config.instructions,
            history=history,
            temperature=self.config.temperature,
            max_output_tokens=self.config.max_output_tokens,
        )
        return self.engines[self.config.engine].reply(request)

    async def _stream_reply(self, response: Response, reply: Any) -> None:
        out = self.config.output_format
        try:
            async for piece in reply:
                if isinstance(piece, ReplyTextStarted):
                    response.metrics.first_token_at = piece.at
                elif isinstance(piece, ReplyAudio):
                    await self._send_clause(response, piece, out)
        finally:
            await reply.aclose()

    async def _send_clause(self, response: Response, piece: ReplyAudio, out: Any) -> None:
        sink = self._audio_sink
        rate = sink.rate if sink is not None else out.rate
        pcm = audio.resample(piece.audio, piece.sample_rate, rate)
        duration_ms = len(pcm) * 1000 / rate
        start_ms = response.sent_ms
        ids = self._part_ids(response)
        text = piece.text if not response.item.segments else " " + piece.text
        response.item.segments.append(Segment(piece.text, start_ms, start_ms + duration_ms))
        await self._emit({**ids, "type": "response.output_audio_transcript.delta", "delta": text})
        chunk = max(1, rate * self.limits.output_chunk_ms // 1000)
        for offset in range(0, len(pcm), chunk):
            part = pcm[offset : offset + chunk]
            await self._pace(response)
            if response.cancel_reason is not None:
                raise ResponseInterrupted  # barge-in landed between two chunks
            if response.metrics.first_audio_at is None:
                response.metrics.first_audio_at = time.monotonic()
            response.sent_ms += len(part) * 1000 / rate
            if sink is not None:
                sink.write(response.id, part)
                continue
            await self._emit(
                {
                    **ids,
                    "type": "response.output_audio.delta",
                    "delta": b64(audio.encode(part, out.encoding)),
                }
            )

    async def _pace(self, response: Response) -> None:
        """Sleep until sending more keeps us within `output_lead_ms` of real-time playback."""
        lead = self.limits.output_lead_ms
        if self._audio_sink is not None:  # it knows what it played: stalls included
            while (ahead := response.sent_ms - self._audio_sink.played_ms(response.id)) > lead:
                await asyncio.sleep((ahead - lead) / 1000)
            return
        started = response.metrics.first_audio_at
        if started is None:
            return
        due = started + (response.sent_ms - self.limits.output_lead_ms) / 1000
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    async def _finish_response(self, response: Response, status: str, reason: Any) -> None:
        if self._audio_sink is not None:
            self._audio_sink.end(response.id)
        item = response.item
        if status == "completed":
            item.text = " ".join(s.text for s in item.segments)
            item.status = "completed"
            self._playing_out = response  # its tail may still be playing from the sink
        else:  # cancelled or failed: keep what was sent
            item.cut(response.sent_ms)
            item.status = "incomplete"
        if self.conversation.get(item.id) is not None:
            ids = self._part_ids(response)
            await self._emit({**ids, "type": "response.output_audio.done"})
            await self._emit(
                {**ids, "type": "response.output_audio_transcript.done", "transcript": item.text}
            )
            await self._emit(
                {
                    **ids,
                    "type": "response.content_part.done",
                    "part": {"type": "audio", "transcript": item.text},
                }
            )
            await self._emit(
                {
                    "type": "response.output_item.done",
                    "response_id": response.id,
                    "output_index": 0,
                    "item": item.to_wire(),
                }
            )
            if not item.segments and not item.text:
                self.conversation.remove(item.id)  # nothing was heard: keep no empty turn
        done = response.to_wire(status, reason)
        if self.conversation.get(item.id) is None:
            done["output"] = []
        await self._emit({"type": "response.done", "response": done})
        await self._emit(response.metrics.to_event(response.id, item.id))

    @staticmethod
    def _part_ids(response: Response) -> dict[str, Any]:
        return {
            "response_id": response.id,
            "item_id": response.item.id,
            "output_index": 0,
            "content_index": 0,
        }
