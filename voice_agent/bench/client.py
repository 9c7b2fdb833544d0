"""One benchmark session: a Realtime WebSocket client that speaks like a microphone.

Audio goes out in 20 ms chunks at real-time pace, and silence keeps flowing between and
after utterances, as from a live microphone. Everything the server sends is timestamped
on arrival; a turn's figures are computed from those timestamps and from the known
position of the speech inside each prompt's audio, never from the server's own VAD.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import aiohttp
import numpy as np

from voice_agent.bench.corpus import RATE
from voice_agent.bench.microphone import Microphone
from voice_agent.bench.turn import TURN_DETECTIONS, Interruption, TurnFailed, TurnResult
from voice_agent.realtime.client import (
    ConnectionClosed,
    EventLog,
    RealtimeConnection,
    Received,
    ServerEvent,
    append_audio,
    delta_audio,
    pcm_session,
    reply_audio,
    reply_text,
    response_id,
    response_status,
    session_update,
)

AUDIBLE_RMS = 0.01  # -40 dBFS: quieter reply chunks do not count as "the reply started"


ITEM_DELETED = "conversation.item.deleted"


class BenchSession:
    def __init__(
        self,
        url: str,
        target: str,
        index: int,
        timeout_s: float,
        turn_detection: str | None = None,
    ) -> None:
        self.url = url
        self.turn_detection = turn_detection
        self.target = target
        self.index = index
        self.timeout_s = timeout_s
        self.log = EventLog()  # what the server sent, timestamped on arrival
        self._protocol_errors = 0  # messages that were not event objects
        self._conn: RealtimeConnection | None = None
        self._mic = Microphone(self._append)

    @property
    def received(self) -> list[Received]:
        return self.log.received

    @property
    def protocol_errors(self) -> int:
        return self._protocol_errors + (self._conn.protocol_errors if self._conn else 0)

    async def open(self) -> None:
        try:
            self._conn = await RealtimeConnection.connect(
                self.url, timeout=aiohttp.ClientWSTimeout(ws_close=5)
            )
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise TurnFailed(f"connect failed: {exc}") from exc
        self.log = self._conn
        session = pcm_session(RATE)
        if self.turn_detection:
            session["audio"]["input"]["turn_detection"] = TURN_DETECTIONS[self.turn_detection]
        await self._send(session_update(session))
        self._mic.start()

    async def _send(self, event: dict[str, Any]) -> None:
        if self._conn is None or self._conn.ws.closed:
            return
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self._conn.send(event)

    async def _append(self, chunk: np.ndarray) -> None:
        await self._send(append_audio(chunk))

    async def forget(self) -> None:
        """Delete every item of the conversation, so that the next turn starts a new one (an
        accuracy run asks each question on its own: a small model copies earlier answers)."""
        added = ("conversation.item.created", "conversation.item.added")
        ids = {
            r.event["item"]["id"]
            for r in self.received
            if r.event["type"] in added and isinstance(r.event.get("item"), dict)
        }
        gone = {r.event.get("item_id") for r in self.received if r.event["type"] == ITEM_DELETED}
        pending = sorted(ids - gone)
        deadline = time.monotonic() + self.timeout_s
        for item_id in pending:
            await self._send({"type": "conversation.item.delete", "item_id": item_id})
        for item_id in pending:
            await self._wait(
                lambda i=item_id: self._deleted(i), deadline, f"deletion of item {item_id}"
            )

    def _deleted(self, item_id: str) -> bool | None:
        hit = any(
            r.event["type"] == ITEM_DELETED and r.event.get("item_id") == item_id
            for r in self.received
        )
        return True if hit else None

    async def close(self) -> None:
        await self._mic.stop()
        if self._conn is not None:
            await self._conn.close()

    # ---- waiting on events -----------------------------------------------------------

    async def _wait(self, found: Any, deadline: float, what: str) -> Any:
        """Wait until `found()` returns something; raise TurnFailed at the deadline."""
        try:
            return await self.log.wait(found, deadline - time.monotonic(), what)
        except TimeoutError:
            raise TurnFailed(f"timeout waiting for {what}") from None
        except ConnectionClosed:
            raise TurnFailed(f"{what}: {self.log.closed_reason}") from None

    def _since(self, mark: int) -> list[Received]:
        return self.received[mark:]

    def _server_error(self, mark: int) -> str | None:
        for r in self._since(mark):
            if r.event["type"] == ServerEvent.ERROR:
                error = r.event.get("error") or {}
                return f"server error {error.get('code')}: {error.get('message')}"
        return None

    def _first_audible(self, mark: int, after: float = 0.0) -> Received | None:
        for r in self._since(mark):
            audio = r.event["type"] in ServerEvent.AUDIO_DELTAS
            if audio and r.at > after and _rms(r.event) > AUDIBLE_RMS:
                return r
        return None

    def _done(self, mark: int, reply: str) -> Received | None:
        for r in self._since(mark):
            done = r.event["type"] == ServerEvent.RESPONSE_DONE
            if done and response_id(r.event) == reply:
                return r
        return None

    # ---- one turn --------------------------------------------------------------------

    async def turn(
        self,
        result: TurnResult,
        audio: np.ndarray,
        speech_end_s: float,
        interruption: Interruption | None = None,
        interrupt_after_s: float = 0.8,
        paused: bool = False,
    ) -> TurnResult:
        """Speak one prompt and measure the reply; with `interruption`, talk over it.

        A `paused` prompt has a pause mid-turn. The reply measured is the one that comes
        after the whole prompt was said; a turn the server ended before that (at the pause)
        is a cut-in, and that reply (cancelled when the speaker went on) is not counted."""
        mark = len(self.received)
        deadline = time.monotonic() + self.timeout_s
        sent_at = await self._mic.say(audio)
        speech_end = sent_at + speech_end_s
        after = speech_end if paused else 0.0

        def audible_or_failed() -> Received | None:
            found = self._first_audible(mark, after)
            if found is None:
                self._fail_fast(mark, after)  # raises if the server said the reply failed
            return found

        try:
            first = await self._wait(audible_or_failed, deadline, "reply audio")
            result.v2v_ms = round((first.at - speech_end) * 1000, 1)
            reply = first.event.get("response_id")
            if paused:
                stops = [
                    r for r in self._since(mark) if r.event["type"] == ServerEvent.SPEECH_STOPPED
                ]
                result.cut_in = any(r.at < speech_end for r in stops)
            played_until = 0.0
            if interruption is not None:
                await self._hear(mark, reply, first, interrupt_after_s, deadline)
                result.barge_in, played_until = await self._interrupt(
                    mark, reply, interruption, deadline
                )
            done = await self._wait(
                lambda: self._done(mark, reply), deadline, ServerEvent.RESPONSE_DONE
            )
            self._collect(result, mark, reply, done)
            await self._wait_for_metrics(result, mark, reply)
            if interruption is None:
                played_until = first.at + result.reply_audio_s
            # A listener hears the reply (or the answer to the interruption) out before
            # speaking again.
            await asyncio.sleep(max(0.0, played_until - time.monotonic()))
        except TurnFailed as exc:
            result.error = str(exc)
        return result

    def _fail_fast(self, mark: int, after: float = 0.0) -> None:
        """Stop waiting at once when the server said the reply failed."""
        for r in self._since(mark):
            if r.event["type"] == ServerEvent.RESPONSE_DONE and r.at > after:
                status = response_status(r.event)
                if status in ("failed", "cancelled", "incomplete"):
                    detail = self._server_error(mark) or f"response {status}"
                    raise TurnFailed(detail)
        return None

    def _audio_s(self, mark: int, reply: str) -> float:
        """Seconds of `reply`'s audio received since `mark`."""
        return (
            sum(
                len(r.event.get("delta", "")) * 3 // 4  # base64 -> PCM16 bytes
                for r in self._since(mark)
                if r.event["type"] in ServerEvent.AUDIO_DELTAS
                and r.event.get("response_id") == reply
            )
            / 2
            / RATE
        )

    async def _hear(
        self, mark: int, reply: str, first: Received, seconds: float, deadline: float
    ) -> None:
        """Listen to the first `seconds` of the reply: until that much of its audio has come
        (or the reply has ended, shorter) and has had the time to play from its first
        audible chunk. On a loaded machine audio can come slower than real time: a fixed
        wait would then talk over a reply barely begun, or over none at all."""

        def heard() -> bool | None:
            if self._audio_s(mark, reply) >= seconds or self._done(mark, reply) is not None:
                return True
            return None

        await self._wait(heard, deadline, "reply audio to talk over")
        await asyncio.sleep(max(0.0, first.at + seconds - time.monotonic()))

    async def _interrupt(
        self,
        mark: int,
        reply: str,
        interruption: Interruption,
        deadline: float,
    ) -> tuple[dict[str, Any], float]:
        """Talk over `reply`; its barge-in record, and when the answer to the interruption
        will have played out."""
        sent_at = await self._mic.say(interruption.audio)
        speech_start = sent_at + interruption.speech_start_s
        done = await self._wait(lambda: self._done(mark, reply), deadline, "cancellation")
        deltas = [
            r
            for r in self._since(mark)
            if r.event["type"] in ServerEvent.AUDIO_DELTAS and r.event.get("response_id") == reply
        ]
        last = max((r.at for r in deltas if r.at <= done.at), default=None)
        heard = next(
            (
                r.at
                for r in self._since(mark)
                if r.event["type"] == ServerEvent.SPEECH_STARTED and r.at >= sent_at
            ),
            None,
        )
        status = response_status(done.event)
        if status == "failed":
            raise TurnFailed(self._server_error(mark) or "response failed")
        follow_mark = self.received.index(done)
        follow = await self._wait(lambda: self._first_audible(follow_mark), deadline, "answer")
        follow_id = follow.event.get("response_id")
        await self._wait(lambda: self._done(follow_mark, follow_id), deadline, "answer's end")
        speech_end = sent_at + interruption.speech_end_s
        # One outcome per turn, from what the server said: the interruption cut the reply
        # (`cancelled`), or the reply had ended on its own first (`completed`, or
        # `incomplete` at a token limit). Not from comparing response.done's arrival with
        # this side's reckoning of when the interruption's speech began: a server can cut the
        # reply before that reckoning (counted as both, once), and a reply it finished after
        # the speech began but before it heard it would count as neither.
        cancelled = status == "cancelled"

        def since_start(at: float | None) -> float | None:
            # Stop figures only for a reply that was cut: nothing else was stopped.
            if at is None or not cancelled:
                return None
            return round((at - speech_start) * 1000, 1)

        record = {
            "interruption": interruption.text,
            "reply_finished_first": not cancelled,
            "cancelled": cancelled,
            # From the start of the user's interruption to the last reply audio received
            # (negative: the server had sent it all before), to the server's speech_started,
            # and to its response.done.
            "stop_ms": since_start(last),
            "detected_ms": since_start(heard),
            "cancel_ms": since_start(done.at),
            "stale_chunks": sum(1 for r in deltas if r.at > done.at),
            "followup_v2v_ms": round((follow.at - speech_end) * 1000, 1),
        }
        return record, follow.at + self._audio_s(follow_mark, follow_id)

    def _collect(self, result: TurnResult, mark: int, reply: str, done: Received) -> None:
        events = [r.event for r in self._since(mark)]
        result.reply_audio = reply_audio(events, reply)
        result.reply_audio_s = round(len(result.reply_audio) / RATE, 3)
        result.reply_text = reply_text(events, reply).strip()
        transcripts = [
            e.get("transcript") for e in events if e["type"] == ServerEvent.INPUT_TRANSCRIPT_DONE
        ]
        if transcripts:
            # A cut-in turn is heard in two parts: the reply answers the last.
            result.transcript = transcripts[-1] if result.cut_in else transcripts[0]

    async def _wait_for_metrics(self, result: TurnResult, mark: int, reply: str) -> None:
        """Our server's `voice_agent.turn.metrics`, if this server sends one (1 s grace)."""

        def metrics() -> dict[str, Any] | None:
            for r in self._since(mark):
                kind, rid = r.event["type"], r.event.get("response_id")
                if kind == ServerEvent.TURN_METRICS and rid == reply:
                    return r.event
            return None

        with contextlib.suppress(TurnFailed):
            event = await self._wait(metrics, time.monotonic() + 1.0, "turn metrics")
            result.server_ms = dict(event.get("durations_ms") or {})


def _rms(event: dict[str, Any]) -> float:
    try:
        audio = delta_audio(event)
    except ValueError:
        return 0.0
    return float(np.sqrt(np.mean(audio**2))) if len(audio) else 0.0
