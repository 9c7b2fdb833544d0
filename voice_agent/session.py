"""One conversation: client events in, server events out, turns and barge-in in between.

The session knows nothing about sockets: a transport feeds it parsed client events and
gives it an `emit` coroutine. Audio is resampled to 16 kHz for the VAD and ASR; replies
are resampled to the session's output format and paced to stay at most `output_lead_ms`
ahead of real time, so a barge-in can still withhold what the client has not received.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from . import audio
from .conversation import Conversation, Item, Segment, text_heard
from .engines.base import Engine, EngineError, ReplyAudio, ReplyRequest, ReplyTextStarted
from .protocol import (
    ProtocolError,
    SessionConfig,
    apply_session_update,
    b64,
    decode_audio_field,
    error_event,
    new_id,
)
from .vad import SpeechDetector, SpeechEdge, SpeechProbability
from .workers import ModelWorker

log = logging.getLogger(__name__)

Emit = Callable[[dict[str, Any]], Awaitable[None]]


class ResponseInterrupted(Exception):
    """The response was stopped (barge-in, cancel) while it was between two chunks."""


@dataclass(frozen=True)
class SessionLimits:
    max_buffer_s: float = 120.0  # longest user turn kept; more is an error, not an OOM
    output_lead_ms: int = 500  # how far reply audio may run ahead of real time
    output_chunk_ms: int = 100  # size of one response.output_audio.delta


@dataclass
class TurnMetrics:
    """Monotonic timestamps (seconds) of one turn's milestones."""

    speech_stopped_at: float | None = None
    transcript_final_at: float | None = None
    response_created_at: float | None = None
    first_token_at: float | None = None
    first_audio_at: float | None = None

    def to_event(self, response_id: str, item_id: str | None) -> dict[str, Any]:
        def span(a: float | None, b: float | None) -> float | None:
            return round((b - a) * 1000, 1) if a is not None and b is not None else None

        origin = self.speech_stopped_at or self.response_created_at
        return {
            "type": "voice_agent.turn.metrics",
            "response_id": response_id,
            "item_id": item_id,
            "clock": "monotonic",
            "speech_stopped_at": self.speech_stopped_at,
            "transcript_final_at": self.transcript_final_at,
            "response_created_at": self.response_created_at,
            "first_token_at": self.first_token_at,
            "first_audio_at": self.first_audio_at,
            "durations_ms": {
                "asr": span(self.speech_stopped_at, self.transcript_final_at),
                "llm_first_token": span(
                    self.transcript_final_at or self.response_created_at, self.first_token_at
                ),
                "tts_first_audio": span(self.first_token_at, self.first_audio_at),
                "total_to_first_audio": span(origin, self.first_audio_at),
            },
        }


@dataclass
class Response:
    id: str = field(default_factory=lambda: new_id("resp"))
    item: Item = field(default_factory=lambda: Item("assistant", status="in_progress"))
    metrics: TurnMetrics = field(default_factory=TurnMetrics)
    instructions: str | None = None
    task: asyncio.Task[None] | None = None
    cancel_reason: str | None = None
    finishing: bool = False  # past the point where cancelling it could lose its response.done
    sent_ms: float = 0.0  # reply audio handed to the transport so far

    def to_wire(self, status: str, reason: str | None = None) -> dict[str, Any]:
        details = None
        if status == "cancelled":
            details = {"type": "cancelled", "reason": reason}
        elif status == "failed":
            details = {"type": "failed", "error": reason}
        output = [self.item.to_wire()] if status != "in_progress" else []
        return {
            "id": self.id,
            "object": "realtime.response",
            "status": status,
            "status_details": details,
            "output": output,
            "usage": None,
        }


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
    ) -> None:
        self.engines = engines
        self.config = config or SessionConfig(engine=next(iter(engines)))
        self.limits = limits or SessionLimits()
        self.conversation = Conversation()
        self._emit = emit
        self._vad_worker = vad_worker
        self._detector = SpeechDetector(vad_model)
        self._apply_vad_settings()
        self._resampler = self._input_resampler()
        self._buffer: list[np.ndarray] = []  # 16 kHz audio of the current user turn
        self._buffer_start = 0  # stream offset (16 kHz samples) of the buffer's first sample
        self._stream_samples = 0  # 16 kHz samples received in this session
        self._speech_item_id: str | None = None
        self._speech_stopped_at: float | None = None
        self.response: Response | None = None
        self._closed = False

    # ---- entry points for the transport ---------------------------------------------

    async def start(self) -> None:
        await self._emit({"type": "session.created", "session": self.config.to_ga()})

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
        await self._cancel_response("client_disconnected", announce=False)
        for item in self.conversation.items:
            if item.transcription and not item.transcription.done():
                item.transcription.cancel()
        self._buffer.clear()

    # ---- session configuration -------------------------------------------------------

    async def _on_session_update(self, event: dict[str, Any]) -> None:
        old = self.config
        new = apply_session_update(old, event.get("session"), tuple(self.engines))
        self.config = replace(new, id=old.id)
        if new.input_format.rate != old.input_format.rate:
            self._resampler = self._input_resampler()
        self._apply_vad_settings()
        await self._emit({"type": "session.updated", "session": self.config.to_ga()})

    def _input_resampler(self) -> audio.StreamResampler:
        # Medium quality: the VAD and Whisper do not need more, and its filter holds back
        # less audio (15 ms at 24 kHz, 26 ms at 8 kHz) than HQ's (21 ms, 66 ms).
        return audio.StreamResampler(self.config.input_format.rate, audio.MODEL_RATE, "MQ")

    def _apply_vad_settings(self) -> None:
        turn = self.config.turn_detection
        if turn is not None:
            self._detector.threshold = turn.threshold
            self._detector.silence_duration_ms = turn.silence_duration_ms

    # ---- input audio and turns -------------------------------------------------------

    async def _on_input_audio_buffer_append(self, event: dict[str, Any]) -> None:
        samples = audio.decode(decode_audio_field(event), self.config.input_format.encoding)
        audio16k = self._resampler.process(samples)
        if self._buffered_seconds() + len(audio16k) / audio.MODEL_RATE > self.limits.max_buffer_s:
            raise ProtocolError(
                "input_audio_buffer_full",
                f"the input audio buffer holds at most {self.limits.max_buffer_s:.0f} s; "
                "commit or clear it",
            )
        self._buffer.append(audio16k)
        self._stream_samples += len(audio16k)
        turn = self.config.turn_detection
        if turn is None:
            return
        edges = await self._vad_worker.run(self._detector.process, audio16k)
        for edge in edges:
            await self._on_speech_edge(edge)
        if not self._detector.speaking:
            self._trim_buffer(self._stream_samples - self._ms_to_samples(turn.prefix_padding_ms))

    async def _on_speech_edge(self, edge: SpeechEdge) -> None:
        turn = self.config.turn_detection
        assert turn is not None
        if edge.kind == "started":
            self._trim_buffer(edge.sample - self._ms_to_samples(turn.prefix_padding_ms))
            self._speech_item_id = new_id("item")
            if self.response is not None and turn.interrupt_response:
                self._stop_response_output("turn_detected")
            await self._emit(
                {
                    "type": "input_audio_buffer.speech_started",
                    "audio_start_ms": self._samples_to_ms(edge.sample),
                    "item_id": self._speech_item_id,
                }
            )
            await self._cancel_response("turn_detected")
        else:
            self._speech_stopped_at = time.monotonic()
            item_id = self._speech_item_id or new_id("item")
            await self._emit(
                {
                    "type": "input_audio_buffer.speech_stopped",
                    "audio_end_ms": self._samples_to_ms(edge.sample),
                    "item_id": item_id,
                }
            )
            await self._commit(item_id)
            if turn.create_response:
                await self._start_response()

    async def _on_input_audio_buffer_commit(self, event: dict[str, Any]) -> None:
        if self._buffered_seconds() < 0.1:
            raise ProtocolError(
                "input_audio_buffer_commit_empty",
                "the input audio buffer holds less than 100 ms of audio; nothing to commit",
            )
        self._speech_stopped_at = time.monotonic()
        # The client says the turn is over, so the resampler's held-back tail belongs to it.
        tail = self._resampler.flush()
        self._buffer.append(tail)
        self._stream_samples += len(tail)
        await self._commit(self._speech_item_id or new_id("item"))

    async def _on_input_audio_buffer_clear(self, event: dict[str, Any]) -> None:
        self._buffer.clear()
        self._buffer_start = self._stream_samples
        self._detector.reset()
        self._speech_item_id = None
        await self._emit({"type": "input_audio_buffer.cleared"})

    async def _commit(self, item_id: str) -> None:
        utterance = np.concatenate(self._buffer) if self._buffer else np.zeros(0, np.float32)
        self._buffer.clear()
        self._buffer_start = self._stream_samples
        self._speech_item_id = None
        item = Item("user", id=item_id, from_audio=True)
        item.transcription = asyncio.create_task(self._transcribe(item, utterance))
        previous = self.conversation.add(item)
        await self._emit(
            {
                "type": "input_audio_buffer.committed",
                "previous_item_id": previous,
                "item_id": item.id,
            }
        )
        await self._emit_item_created(item, previous)

    async def _transcribe(self, item: Item, utterance: np.ndarray) -> str:
        engine = self.engines[self.config.engine]
        try:
            item.text = await engine.transcribe(utterance)
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

    def _trim_buffer(self, keep_from: int) -> None:
        """Drop buffered audio before stream offset `keep_from`."""
        drop = keep_from - self._buffer_start
        if drop <= 0 or not self._buffer:
            return
        joined = np.concatenate(self._buffer)
        self._buffer = [joined[drop:]]
        self._buffer_start += min(drop, len(joined))

    def _buffered_seconds(self) -> float:
        return sum(len(chunk) for chunk in self._buffer) / audio.MODEL_RATE

    @staticmethod
    def _ms_to_samples(ms: float) -> int:
        return int(ms * audio.MODEL_RATE / 1000)

    @staticmethod
    def _samples_to_ms(samples: int) -> int:
        return samples * 1000 // audio.MODEL_RATE

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
        spec = event.get("item")
        if not isinstance(spec, dict):
            raise ProtocolError("invalid_value", "'item' must be an object", "item")
        if spec.get("type", "message") != "message":
            raise ProtocolError(
                "invalid_value", "only items of type 'message' are supported", "item.type"
            )
        role = spec.get("role")
        if role not in ("user", "assistant", "system"):
            raise ProtocolError(
                "invalid_value", "'item.role' must be 'user', 'assistant' or 'system'", "item.role"
            )
        content = spec.get("content")
        if not isinstance(content, list) or not content:
            raise ProtocolError(
                "invalid_value", "'item.content' must be a non-empty list", "item.content"
            )
        texts = []
        for part in content:
            if not isinstance(part, dict) or not isinstance(
                part.get("text", part.get("transcript")), str
            ):
                raise ProtocolError(
                    "invalid_value",
                    "each content part needs a 'text' (or 'transcript') string; "
                    "send audio with input_audio_buffer.append",
                    "item.content",
                )
            texts.append(part.get("text", part.get("transcript")))
        item = Item(role, " ".join(texts))
        if isinstance(spec.get("id"), str) and not self.conversation.get(spec["id"]):
            item.id = spec["id"]
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
        item.text = text_heard(item.segments, end_ms)
        item.segments = [s for s in item.segments if s.start_ms < end_ms]
        await self._emit(
            {
                "type": "conversation.item.truncated",
                "item_id": item.id,
                "content_index": event.get("content_index", 0),
                "audio_end_ms": end_ms,
            }
        )

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

    async def _start_response(self, instructions: str | None = None) -> None:
        if self.response is not None or self._closed:
            return
        response = Response(instructions=instructions)
        response.metrics.speech_stopped_at = self._speech_stopped_at
        self._speech_stopped_at = None
        self.response = response
        response.task = asyncio.create_task(self._run_response(response))

    def _stop_response_output(self, reason: str) -> None:
        """Synchronously silence the response: from here on none of its audio is sent."""
        if self.response is not None and self.response.cancel_reason is None:
            self.response.cancel_reason = reason

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
            metrics.transcript_final_at = time.monotonic() if metrics.speech_stopped_at else None
            history = self.conversation.messages()
            if not history or history[-1].role == "assistant":
                return  # nothing was said to answer (e.g. a cough that passed the VAD)
            await self._open_reply_item(response)
            await self._stream_reply(response, history)
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

    async def _stream_reply(self, response: Response, history: tuple[Any, ...]) -> None:
        engine = self.engines[self.config.engine]
        request = ReplyRequest(
            instructions=response.instructions or self.config.instructions,
            history=history,
            temperature=self.config.temperature,
            max_output_tokens=self.config.max_output_tokens,
        )
        out = self.config.output_format
        reply = engine.reply(request)
        try:
            async for piece in reply:
                if isinstance(piece, ReplyTextStarted):
                    response.metrics.first_token_at = time.monotonic()
                elif isinstance(piece, ReplyAudio):
                    await self._send_clause(response, piece, out)
        finally:
            await reply.aclose()  # type: ignore[attr-defined]

    async def _send_clause(self, response: Response, piece: ReplyAudio, out: Any) -> None:
        pcm = audio.resample(piece.audio, piece.sample_rate, out.rate)
        duration_ms = len(pcm) * 1000 / out.rate
        start_ms = response.sent_ms
        ids = self._part_ids(response)
        text = piece.text if not response.item.segments else " " + piece.text
        response.item.segments.append(Segment(piece.text, start_ms, start_ms + duration_ms))
        await self._emit({**ids, "type": "response.output_audio_transcript.delta", "delta": text})
        chunk = max(1, out.rate * self.limits.output_chunk_ms // 1000)
        for offset in range(0, len(pcm), chunk):
            part = pcm[offset : offset + chunk]
            await self._pace(response)
            if response.cancel_reason is not None:
                raise ResponseInterrupted  # barge-in landed between two chunks
            if response.metrics.first_audio_at is None:
                response.metrics.first_audio_at = time.monotonic()
            response.sent_ms += len(part) * 1000 / out.rate
            await self._emit(
                {
                    **ids,
                    "type": "response.output_audio.delta",
                    "delta": b64(audio.encode(part, out.encoding)),
                }
            )

    async def _pace(self, response: Response) -> None:
        """Sleep until sending more keeps us within `output_lead_ms` of real-time playback."""
        started = response.metrics.first_audio_at
        if started is None:
            return
        due = started + (response.sent_ms - self.limits.output_lead_ms) / 1000
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)

    async def _finish_response(self, response: Response, status: str, reason: Any) -> None:
        item = response.item
        if status == "cancelled":
            item.text = text_heard(item.segments, response.sent_ms)
            item.status = "incomplete"
        else:
            item.text = " ".join(s.text for s in item.segments)
            item.status = "completed" if status == "completed" else "incomplete"
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
