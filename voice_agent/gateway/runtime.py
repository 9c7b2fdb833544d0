"""What every session of a server process shares, and how a transport opens a session.

Both transports (WebSocket and WebRTC) go through `open_session` and `dispatch`, so a
session behaves the same whichever way its events travel.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from voice_agent.config import ServerConfig
from voice_agent.engines.base import Engine
from voice_agent.gateway.guard import SessionGuard
from voice_agent.gateway.load import ReplyDelays
from voice_agent.models.vad import SpeechProbability
from voice_agent.models.workers import ModelWorker
from voice_agent.realtime.client_events import parse_client_event
from voice_agent.realtime.protocol import ProtocolError, SessionConfig, TurnDetection, error_event
from voice_agent.turns.semantic import EndOfTurn
from voice_agent.turns.server_tools import DEMO_TOOLS
from voice_agent.turns.session import AudioSink, Emit, Session

log = logging.getLogger(__name__)

# How long a shutdown lets replies under way finish: under `docker stop`'s 10 s grace.
DRAIN_S = 8.0


@dataclass
class Runtime:
    """What every session of this process shares."""

    config: ServerConfig
    engines: dict[str, Engine]
    vad_model: SpeechProbability
    vad_worker: ModelWorker = field(default_factory=lambda: ModelWorker("vad", threads=2))
    end_of_turn: EndOfTurn | None = None  # semantic_vad's model; None: server_vad only
    turn_worker: ModelWorker = field(default_factory=lambda: ModelWorker("end-of-turn", threads=2))
    sessions: set[Session] = field(default_factory=set)
    sessions_total: int = 0
    sessions_refused: int = 0
    # Every refusal by reason (session limit, keys, origins, rates, timeouts): /metrics.
    refusals: Counter[str] = field(default_factory=Counter)

    draining: bool = False  # shutting down: no new sessions
    load: ReplyDelays = field(init=False)  # every session's reply delays, fed by the guards

    def __post_init__(self) -> None:
        self.load = ReplyDelays(self.config.max_reply_delay_s, lambda: len(self.sessions))

    @property
    def full(self) -> bool:
        """Whether a new session would be refused."""
        return self._no_room() is not None

    def refuse(self) -> dict[str, Any]:
        """Count a refused session; the `error` event that tells the client why."""
        self.sessions_refused += 1
        reason, why = self._no_room() or ("session_limit_reached", "this server has no room")
        self.refusals[reason] += 1
        # One code for every "no room now" (clients already handle it); /metrics tells apart.
        return error_event("session_limit_reached", why + "; try again later", kind="server_error")

    def _no_room(self) -> tuple[str, str] | None:
        """(refusal reason, why) when a new session would be refused now, else None. Load
        refuses only while sessions are open: their replies are what is slow, and with none
        open there is no one to protect."""
        if self.draining:
            return "session_limit_reached", "this server is shutting down"
        if len(self.sessions) >= self.config.max_sessions:
            limit = self.config.max_sessions
            why = f"this server is at its limit of {limit} concurrent sessions"
            return "session_limit_reached", why
        if self.sessions and self.load.overloaded:
            median = self.load.median_s() or 0.0
            projected = self.load.projected_s(len(self.sessions) + 1) or 0.0
            return "overloaded", (
                f"this server is busy: its replies take {median:.1f} s to start (median "
                f"of the last minute), and one more session would make that about "
                f"{projected:.1f} s, over its bound of {self.config.max_reply_delay_s:g} s"
            )
        return None

    async def drain(self, timeout_s: float = DRAIN_S) -> None:
        """Shutting down: take no new sessions, give the replies under way up to `timeout_s`
        to finish, then cancel the rest (each still gets its `response.done`)."""
        self.draining = True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while any(s.response is not None for s in self.sessions) and loop.time() < deadline:
            await asyncio.sleep(0.05)
        for session in list(self.sessions):
            if session.response is not None:
                await session.handle({"type": "response.cancel"})

    def open_session(
        self,
        emit: Emit,
        model: str | None,
        beta: bool = False,
        audio_sink: AudioSink | None = None,
    ) -> Session:
        config = self.config
        session_config = SessionConfig(model=model or "voice-agent", engine=config.engines[0])
        if config.instructions:
            session_config = replace(session_config, instructions=config.instructions)
        demo = DEMO_TOOLS if config.demo_tools else {}
        session_config = replace(
            session_config,
            temperature=config.temperature,
            turn_detection=TurnDetection(type=config.turn_detection),
            tools=tuple(tool for tool, _ in demo.values()),
        )
        session = Session(
            engines=self.engines,
            vad_model=self.vad_model,
            vad_worker=self.vad_worker,
            emit=emit,
            config=session_config,
            limits=config.session_limits(),
            beta_shapes=beta,
            audio_sink=audio_sink,
            end_of_turn=self.end_of_turn,
            turn_worker=self.turn_worker,
            server_functions=dict(demo),
        )
        self.sessions.add(session)
        self.sessions_total += 1
        log.info("session %s opened (%d active)", session.config.id, len(self.sessions))
        return session

    def guard(self) -> SessionGuard:
        return SessionGuard(self.config.guard_limits(), self.refusals, load=self.load)

    async def close_session(self, session: Session) -> None:
        await session.close()
        if session in self.sessions:
            self.sessions.discard(session)
            log.info("session %s closed (%d active)", session.config.id, len(self.sessions))


async def dispatch(
    session: Session, raw: str, max_bytes: int, guard: SessionGuard | None = None
) -> None:
    """Parse one client event and let the session act on it; nothing here ends the session."""
    if guard is not None and (refused := guard.admit_event()):
        await _refuse(session, guard, refused)
        return
    try:
        event = parse_client_event(raw, max_bytes)
    except ProtocolError as exc:
        await session.error(exc.code, exc.message, param=exc.param)
        return
    if guard is not None and (refused := guard.admit(event, session.config.input_format)):
        await _refuse(session, guard, refused)
        return
    try:
        await session.handle(event)
    except Exception as exc:  # one broken event must not end the session
        log.exception("session %s: %s failed", session.config.id, event["type"])
        await session.error(
            "server_error",
            f"{event['type']} failed: {exc}",
            event.get("event_id"),
            kind="server_error",
        )


async def _refuse(session: Session, guard: SessionGuard, reason: str) -> None:
    if guard.should_tell(reason):
        await session.error(reason, guard.message(reason, guard.limits))


async def enforce_deadlines(
    guard: SessionGuard, end: Callable[[str, str], Awaitable[None]]
) -> None:
    """Wait until the session is over its idle or length limit, count it, and end it."""
    while (expired := guard.expired()) is None:
        await asyncio.sleep(guard.seconds_to_next_check())
    code, message = expired
    guard.refusals[code] += 1
    log.info("session ended: %s", message)
    await end(code, message)
