"""One conversation: client events in, server events out, turns and barge-in in between.

The session only takes turns: it runs the VAD on the user's audio, commits a turn when
speech stops, hands the turn to its engine, forwards the engine's events, and stops the
reply when the user talks over it, keeping in the history only what was heard. It knows
nothing about sockets (a transport feeds it parsed client events and gives it an `emit`
coroutine) nor about models (the engine owns transcription, thinking and speaking).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any, Literal

import numpy as np

from voice_agent import audio
from voice_agent.engines.base import Engine, EngineEvent, FunctionTool, HistoryItem, Turn
from voice_agent.models.vad import SpeechEdge, SpeechProbability
from voice_agent.models.workers import ModelWorker
from voice_agent.realtime import client_events, server_events
from voice_agent.realtime.client_events import ResponseOptions
from voice_agent.realtime.protocol import (
    ProtocolError,
    SessionConfig,
    error_event,
    new_id,
)
from voice_agent.realtime.server_events import Event
from voice_agent.realtime.session_update import apply_session_update
from voice_agent.streams import Started
from voice_agent.turns.asked import SESSION_DEFAULTS, history_for, response_for, turn_for
from voice_agent.turns.clock import Clock, MonotonicClock
from voice_agent.turns.conversation import Conversation, Item
from voice_agent.turns.early import EarlyReply
from voice_agent.turns.input_audio import InputAudio, ms_to_samples, samples_to_ms
from voice_agent.turns.limits import SessionLimits
from voice_agent.turns.output import AudioSink, Emit, ReplyOutput
from voice_agent.turns.replying import ReplyRunner
from voice_agent.turns.response import Response
from voice_agent.turns.semantic import FIRST_CHECK_MS, EndOfTurn, required_probability
from voice_agent.turns.server_tools import ServerFunction, ServerFunctions

log = logging.getLogger(__name__)

__all__ = ["AudioSink", "Emit", "Session", "SessionLimits"]


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
        clock: Clock | None = None,
        end_of_turn: EndOfTurn | None = None,
        turn_worker: ModelWorker | None = None,
        server_functions: dict[str, tuple[FunctionTool, ServerFunction]] | None = None,
    ) -> None:
        self.engines = engines
        # semantic_vad's end-of-turn model and the worker it runs in (it takes ~0.1 s of a
        # core, too long to share the VAD's worker with every other session).
        self._end_of_turn = end_of_turn
        self._turn_worker = turn_worker or vad_worker
        config = config or SessionConfig()
        if not config.engine:
            config = replace(config, engine=next(iter(engines)))
        self.config = self._with_engine_settings(config)
        self.limits = limits or SessionLimits()
        self.beta_shapes = beta_shapes  # the client speaks the beta protocol: flat session objects
        self.clock = clock or MonotonicClock()
        self.conversation = Conversation()
        self._emit = emit
        self._output = ReplyOutput(
            emit, self.clock, self.limits.output_lead_ms, self.limits.output_chunk_ms, audio_sink
        )
        self._replies = ReplyRunner(self.conversation, self._output, emit, self.clock)
        self._replies.after = ServerFunctions(
            server_functions or {},
            self.conversation,
            emit,
            lambda: self._closed or self._input.detector.speaking,
            self._start_response,
        ).after
        self._vad_worker = vad_worker
        self._input = InputAudio(vad_model, self.config)
        self._input.detector.pause_ms = self._pause_ms()
        self._speech_item_id: str | None = None
        self._speech_stopped_at: float | None = None
        self._early: EarlyReply | None = None
        self._closed = False

    @property
    def response(self) -> Response | None:
        """The reply in progress, if any."""
        return self._replies.current

    @property
    def engine(self) -> Engine:
        return self.engines[self.config.engine]

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
        await self._replies.interrupt("client_disconnected")
        self._input.clear()

    # ---- session configuration -------------------------------------------------------

    async def _on_session_update(self, event: dict[str, Any]) -> None:
        old = self.config
        new = apply_session_update(old, event.get("session"), tuple(self.engines))
        if new.turn_detection and new.turn_detection.semantic and self._end_of_turn is None:
            raise ProtocolError(
                "invalid_value",
                "semantic_vad needs an end-of-turn model, which this server has not loaded; "
                "use server_vad",
                "turn_detection.type",
            )
        self.config = self._with_engine_settings(replace(new, id=old.id))
        await self._discard_early()  # begun with the old settings
        self._input.configure(self.config)
        self._input.detector.pause_ms = self._pause_ms()
        await self._emit(self._session_event("session.updated"))

    def _pause_ms(self) -> int:
        """The silence that makes a 'paused' edge: where the early reply starts, and where
        semantic_vad first asks whether the turn is over (even with early replies off)."""
        turn = self.config.turn_detection
        semantic = turn is not None and turn.semantic
        return self.limits.early_reply_ms or (FIRST_CHECK_MS if semantic else 0)

    def _with_engine_settings(self, config: SessionConfig) -> SessionConfig:
        engine = self.engines[config.engine]
        return replace(config, transcription_model=engine.transcription_model)

    def _session_event(self, kind: Literal["session.created", "session.updated"]) -> Event:
        shape = self.config.to_beta() if self.beta_shapes else self.config.to_ga()
        return server_events.session(kind, shape)

    # ---- input audio and turns -------------------------------------------------------

    async def _on_input_audio_buffer_append(self, event: dict[str, Any]) -> None:
        pcm = audio.decode(
            client_events.decode_audio_field(event), self.config.input_format.encoding
        )
        await self.append_audio(self._input.resample(pcm))

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
        for edge in await self._vad_worker.run(self._input.detect, audio16k):
            if await self._on_speech_edge(edge):
                break  # the turn ended at a pause: the VAD took what followed as its silence
        if not self._input.detector.speaking:
            self._input.keep_from(self._input.received - ms_to_samples(turn.prefix_padding_ms))

    async def _on_speech_edge(self, edge: SpeechEdge) -> bool:
        """Act on one VAD edge; True when it ended the turn before the VAD would have."""
        if edge.kind == "started":
            await self._speech_started(edge.sample)
        elif edge.kind == "paused":
            await self._speech_paused(edge.sample)
            return await self._end_if_finished(edge)
        elif edge.kind == "still_paused":
            return await self._end_if_finished(edge)
        elif edge.kind == "resumed":
            await self._discard_early()
        else:
            await self._speech_stopped(edge.sample)
        return False

    async def _end_if_finished(self, edge: SpeechEdge) -> bool:
        """semantic_vad: end the turn at this pause if the speaker sounds finished."""
        turn = self.config.turn_detection
        if turn is None or not turn.semantic or self._end_of_turn is None:
            return False
        probability = await self._turn_worker.run(self._end_of_turn, self._input.snapshot())
        required = required_probability(edge.silence_ms, turn)
        log.debug(
            "end of turn after %d ms: p=%.2f (needs %.2f)", edge.silence_ms, probability, required
        )
        if probability < required or not self._input.detector.speaking:
            return False
        self._input.detector.end_speech()
        await self._speech_stopped(edge.sample)
        return True

    async def _speech_started(self, sample: int) -> None:
        turn = self.config.turn_detection
        assert turn is not None
        self._input.keep_from(sample - ms_to_samples(turn.prefix_padding_ms))
        self._speech_item_id = new_id("item")
        stopped = None
        if turn.interrupt_response:  # barge-in: silence the reply before anything else
            stopped = self._replies.stop("turn_detected")
            await self._replies.cut_playing_tail()
        await self._emit(server_events.speech_started(samples_to_ms(sample), self._speech_item_id))
        if stopped is not None:
            await self._replies.finished(stopped)

    async def _speech_paused(self, sample: int) -> None:
        """The user paused: start the reply now, in case the turn is over."""
        await self._discard_early()
        turn = self.config.turn_detection
        if turn is None or not turn.create_response or self.response is not None:
            return
        if not self.limits.early_reply_ms:
            return  # the pause is only semantic_vad's question
        item_id = self._speech_item_id or new_id("item")
        self._speech_item_id = item_id
        heard = HistoryItem(item_id, "user", None, self._input.snapshot())
        reply = Started(self.engine.respond(self._turn((*self.conversation.history(), heard))))
        self._early = EarlyReply(sample, self.conversation.key(), reply)

    async def _speech_stopped(self, sample: int) -> None:
        turn = self.config.turn_detection
        assert turn is not None
        self._speech_stopped_at = self.clock.now()
        item_id = self._speech_item_id or new_id("item")
        await self._emit(server_events.speech_stopped(samples_to_ms(sample), item_id))
        early, self._early = self._early, None
        prior = self.conversation.key()
        await self._commit(item_id)
        if early is not None and not early.answers(sample, prior):
            await early.discard()  # the user spoke again since that pause, or the history moved
            early = None
        if turn.create_response:
            await self._start_response(early=early)
        elif early is not None:
            await early.discard()

    async def _on_input_audio_buffer_commit(self, event: dict[str, Any]) -> None:
        if self._input.seconds < 0.1:
            raise ProtocolError(
                "input_audio_buffer_commit_empty",
                "the input audio buffer holds less than 100 ms of audio; nothing to commit",
            )
        self._speech_stopped_at = self.clock.now()
        await self._discard_early()  # it guessed at a turn the client has now ended itself
        self._input.flush_resampler()
        await self._commit(self._speech_item_id or new_id("item"))

    async def _on_input_audio_buffer_clear(self, event: dict[str, Any]) -> None:
        self._input.clear()
        self._input.detector.reset()
        await self._discard_early()
        self._speech_item_id = None
        await self._emit(server_events.input_cleared())

    async def _commit(self, item_id: str) -> None:
        item = Item.speech(item_id, self._input.take())
        self._speech_item_id = None
        previous = self.conversation.add(item)
        await self._emit(server_events.committed(item.id, previous))
        await self._emit(server_events.item_created(item.to_wire(), previous))

    async def _discard_early(self) -> None:
        if self._early is not None:
            early, self._early = self._early, None
            await early.discard()

    # ---- conversation items ----------------------------------------------------------

    async def _on_conversation_item_create(self, event: dict[str, Any]) -> None:
        item = self.conversation.item_from_client(client_events.parse_item(event.get("item")))
        previous = self.conversation.add(item)
        await self._emit(server_events.item_created(item.to_wire(), previous))

    async def _on_conversation_item_delete(self, event: dict[str, Any]) -> None:
        item_id = event.get("item_id")
        if not isinstance(item_id, str) or not self.conversation.remove(item_id):
            raise ProtocolError("item_not_found", f"no item with id {item_id!r}", "item_id")
        await self._emit(server_events.item_deleted(item_id))

    async def _on_conversation_item_retrieve(self, event: dict[str, Any]) -> None:
        item = self.conversation.get(event.get("item_id"))
        if item is None:
            raise ProtocolError(
                "item_not_found", f"no item with id {event.get('item_id')!r}", "item_id"
            )
        await self._emit(server_events.item_retrieved(item.to_wire()))

    async def _on_conversation_item_truncate(self, event: dict[str, Any]) -> None:
        truncate = client_events.parse_truncate(event)
        item = self.conversation.get(truncate.item_id)
        if item is None or item.role != "assistant" or item.call or not item.spoken:
            raise ProtocolError(
                "item_not_found",
                f"no assistant audio item with id {truncate.item_id!r}",
                "item_id",
            )
        response = self.response
        if response is not None and response.item is item:
            await self._replies.interrupt("client_cancelled")
        if truncate.audio_end_ms > item.audio_ms + 1:
            raise ProtocolError(
                "invalid_value",
                f"audio_end_ms {truncate.audio_end_ms} is past the item's audio "
                f"({item.audio_ms:.0f} ms)",
                "audio_end_ms",
            )
        item.cut(truncate.audio_end_ms)
        await self._emit(
            server_events.item_truncated(item.id, truncate.audio_end_ms, truncate.content_index)
        )

    async def _on_output_audio_buffer_clear(self, event: dict[str, Any]) -> None:
        if self._output.sink is None:
            raise ProtocolError(
                "invalid_request",
                "output_audio_buffer.clear is for WebRTC calls; over a WebSocket, stop "
                "playback in the client and send conversation.item.truncate",
            )
        cut = self.response.id if self.response is not None else None
        await self._replies.interrupt("client_cancelled")
        cut = await self._replies.cut_playing_tail() or cut
        if cut is None:  # nothing was playing: still acknowledge the request
            await self._emit(server_events.output_buffer("output_audio_buffer.cleared", None))

    # ---- responses -------------------------------------------------------------------

    async def _on_response_create(self, event: dict[str, Any]) -> None:
        if self.response is not None:
            raise ProtocolError(
                "conversation_already_has_active_response",
                f"response {self.response.id} is still in progress; cancel it first",
            )
        await self._start_response(client_events.parse_response_create(event, self.config.tools))

    async def _on_response_cancel(self, event: dict[str, Any]) -> None:
        if self.response is None:
            raise ProtocolError("response_cancel_not_active", "there is no response in progress")
        await self._replies.interrupt("client_cancelled")

    async def _start_response(
        self, options: ResponseOptions = SESSION_DEFAULTS, early: EarlyReply | None = None
    ) -> None:
        if self.response is not None or self._closed:
            if early is not None:
                await early.discard()
            return
        history = history_for(options, self.conversation)
        turn = turn_for(self.config, history, options)
        response = response_for(turn, options)
        response.metrics.speech_stopped_at, self._speech_stopped_at = self._speech_stopped_at, None
        response.answers = history[-1].id if history else None
        events: AsyncIterator[EngineEvent]
        if early is not None:
            response.metrics.early_reply = True
            events = early.take()
        else:
            events = self.engine.respond(turn)
        await self._replies.start(response, events, self.config.output_format)

    def _turn(self, history: tuple[HistoryItem, ...]) -> Turn:
        """A turn for the engine, with this session's settings."""
        return turn_for(self.config, history, SESSION_DEFAULTS)
